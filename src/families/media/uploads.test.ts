/**
 * Uploads go to disk as they arrive: while a client is still sending a file, its
 * bytes are already in a staged file in the blob folder (not held in memory), and
 * once answered the staged file is moved into place or deleted. The cap is
 * `--max-upload-bytes` (Pinterest's 2 GB by default): a bigger file is S3's
 * EntityTooLarge and leaves no file behind. (Memory itself, for a 500 MB upload, is
 * measured by `npm run bench -- --only uploads`.)
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startCli, labelled } from '../../../test/cli.js';
import { Client, useServer } from '../../../test/harness.js';
import { makeVideo, paddedVideo, uploadFile, uploadFormAround } from '../../../test/videos.js';

const dir = mkdtempSync(join(tmpdir(), 'pinbox-uploads-'));
const data = join(dir, 'pinbox.db');
const server = useServer({ data, videoUploads: { processingMs: 0 } });
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every file under a blob folder, as paths inside it. */
function filesUnder(blobs: string): string[] {
  try {
    return readdirSync(blobs, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(blobs.length + 1))
      .sort();
  } catch {
    return [];
  }
}

/** The files staged in a blob folder: uploads on their way. */
function staged(blobs: string): { name: string; size: number }[] {
  return filesUnder(blobs)
    .filter((path) => path.startsWith('staging/'))
    .map((path) => ({ name: path, size: statSync(join(blobs, path)).size }));
}

test('an upload is written to a staged file in the blob folder while it arrives, then moved into place', { timeout: 60_000 }, async () => {
  const { api } = server();
  const blobs = `${data}.blobs`;
  const video = paddedVideo(await makeVideo({ segments: [{ color: 'navy', seconds: 4 }] }), 8 * 1024 * 1024);
  const registered = (await api.post('/media', { media_type: 'video' })).body;
  const form = uploadFormAround(registered.upload_parameters);
  const half = Math.floor(video.length / 2);
  const upload = request(registered.upload_url, {
    method: 'POST',
    headers: { 'content-type': form.contentType, 'content-length': form.head.length + video.length + form.tail.length },
  });
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    upload.on('response', (response) => {
      let body = '';
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body }));
    });
    upload.on('error', reject);
  });
  upload.write(form.head);
  upload.write(video.subarray(0, half));
  // The first half is on disk before the second is sent: the upload is not being
  // gathered in memory. (Held in memory, nothing would ever appear here, and the
  // test's time-out would end it.)
  while (!staged(blobs).some((file) => file.size >= half - 1024 * 1024)) await sleep(20);
  upload.end(Buffer.concat([video.subarray(half), form.tail]));
  const { status, body } = await answered;
  assert.equal(status, 204, body);
  assert.deepEqual(staged(blobs), [], 'the staged file was moved into place');
  assert.equal(statSync(join(blobs, 'videos', `${registered.media_id}.mp4`)).size, video.length);
  assert.equal((await api.get(`/media/${registered.media_id}`)).body.status, 'succeeded');
});

test('--max-upload-bytes caps an upload: a bigger file is EntityTooLarge and leaves no file behind', async () => {
  const cliDir = mkdtempSync(join(tmpdir(), 'pinbox-upload-cap-'));
  const cliData = join(cliDir, 'pinbox.db');
  const blobs = `${cliData}.blobs`;
  const cap = 300_000;
  const cli = await startCli(['--port', '0', '--data', cliData, '--max-upload-bytes', String(cap), '--video-processing-seconds', '0']);
  try {
    const api = new Client(cli.url, labelled(cli.banner, 'access token'));
    const video = await makeVideo({ segments: [{ color: 'maroon', seconds: 4 }] });
    const over = await api.post('/media', { media_type: 'video' });
    const refused = await uploadFile(over.body.upload_url, over.body.upload_parameters, paddedVideo(video, cap));
    assert.equal(refused.status, 400, refused.text);
    assert.match(refused.text, /<Code>EntityTooLarge<\/Code>/);
    assert.match(refused.text, new RegExp(`maximum allowed size \\(${cap} bytes\\)`));
    assert.deepEqual(filesUnder(blobs), [], 'nothing of the refused file is left');
    assert.equal((await api.get(`/media/${over.body.media_id}`)).body.status, 'registered');
    // The form says so too: its policy's content-length-range ends at the cap.
    const policy = JSON.parse(Buffer.from(over.body.upload_parameters.policy, 'base64').toString());
    assert.ok(policy.conditions.some((c: unknown) => Array.isArray(c) && c[0] === 'content-length-range' && c[2] === cap), JSON.stringify(policy.conditions));

    const under = await api.post('/media', { media_type: 'video' });
    const taken = await uploadFile(under.body.upload_url, under.body.upload_parameters, paddedVideo(video, cap - video.length));
    assert.equal(taken.status, 204, taken.text);
    assert.deepEqual(filesUnder(blobs), [`videos/${under.body.media_id}.mp4`]);
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exited;
    rmSync(cliDir, { recursive: true, force: true });
  }
});

test('--max-upload-bytes above Pinterest\'s 2 GB, or not a number, stops pinbox with the flag named', async () => {
  for (const value of ['2147483649', 'lots']) {
    await assert.rejects(startCli(['--port', '0', '--max-upload-bytes', value]), /--max-upload-bytes must be a whole number of bytes from 1 to 2147483648/);
  }
});
