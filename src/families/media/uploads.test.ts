/**
 * Uploads go to disk as they arrive: while a client is still sending a file, its
 * bytes are already in a staged file in the blob folder (not held in memory), and
 * once answered the staged file is moved into place or deleted. The cap is
 * `--max-upload-bytes` (Pinterest's 2 GB by default): a bigger file is S3's
 * EntityTooLarge and leaves no file behind. (Memory itself, for a 500 MB upload, is
 * measured by `npm run bench -- --only uploads`.) A store from before videos were
 * served only once pinned serves the videos of the Pins it holds after upgrading.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openTestDatabase, tablesMadeAfter } from '../../../test/backend.js';
import { startCli, labelled } from '../../../test/cli.js';
import { Client, PNG_1X1_BASE64, startTestPinbox, useServer } from '../../../test/harness.js';
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

test('a store made before uploads recorded their first Pin serves its video Pins\' videos once upgraded, and not the others', async () => {
  const storeDir = mkdtempSync(join(tmpdir(), 'pinbox-pinned-'));
  const storeData = join(storeDir, 'pinbox.db');
  try {
    const video = await makeVideo({ segments: [{ color: 'olive', seconds: 4 }] });
    let pinbox = await startTestPinbox({ data: storeData, videoUploads: { processingMs: 0 } });
    let pinned: { mediaId: string; url: string };
    let loose: string;
    try {
      const api = new Client(pinbox.url, pinbox.token);
      const upload = async () => {
        const registered = (await api.post('/media', { media_type: 'video' })).body;
        assert.equal((await uploadFile(registered.upload_url, registered.upload_parameters, video)).status, 204);
        return registered.media_id as string;
      };
      const board = (await api.post('/boards', { name: 'Older videos' })).body;
      const mediaId = await upload();
      const pin = await api.post('/pins', {
        board_id: board.id,
        media_source: { source_type: 'video_id', media_id: mediaId, cover_image_data: PNG_1X1_BASE64, cover_image_content_type: 'image/png' },
      });
      assert.equal(pin.status, 201, JSON.stringify(pin.body));
      pinned = { mediaId, url: pin.body.media.video_url };
      loose = await upload();
    } finally {
      await pinbox.close();
    }
    // Back to schema version 6, as such a store was: no pinned_at, nothing of version 7 on applied
    // (the tables later versions made dropped, the last made first).
    const db = await openTestDatabase(storeData);
    try {
      for (const table of tablesMadeAfter(6).reverse()) await db.exec(`DROP TABLE ${table}`);
      await db.exec('ALTER TABLE media_uploads DROP COLUMN pinned_at');
      await db.run('DELETE FROM schema_migrations WHERE version > ?', [6]);
    } finally {
      await db.close();
    }
    pinbox = await startTestPinbox({ data: storeData });
    try {
      const served = await fetch(pinned.url.replace(/^http:\/\/[^/]+/, pinbox.url));
      assert.equal(served.status, 200);
      assert.ok(Buffer.from(await served.arrayBuffer()).equals(video));
      const db = await openTestDatabase(storeData);
      try {
        const rows = await db.all<{ id: string; pinned_at: number | null }>('SELECT id, pinned_at FROM media_uploads ORDER BY id');
        assert.deepEqual(rows.map((row) => [row.id, row.pinned_at !== null]), [[pinned.mediaId, true], [loose, false]]);
      } finally {
        await db.close();
      }
    } finally {
      await pinbox.close();
    }
  } finally {
    rmSync(storeDir, { recursive: true, force: true });
  }
});
