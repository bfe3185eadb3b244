/**
 * Nothing is lost: a write acknowledged with 201 on a `--data` store survives a
 * SIGKILL of the process. Also checks the CLI's printed curl line and graceful
 * shutdown on SIGTERM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, PNG_1X1_BASE64 } from './harness.js';
import { startCli } from './cli.js';
import { makeVideo, uploadFile } from './videos.js';

test('the printed curl line works, and SIGTERM shuts down cleanly', async () => {
  const cli = await startCli(['--port', '0']);
  try {
    const match = /curl -H 'Authorization: Bearer (\S+)' (\S+)/.exec(cli.banner);
    assert.ok(match, cli.banner);
    const response = await fetch(match[2], { headers: { authorization: `Bearer ${match[1]}` } });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { username: string };
    assert.equal(body.username, 'pinbox_dev');
    assert.match(cli.banner, /app client id: \d+/);
    assert.match(cli.banner, /client secret: [0-9a-f]{40}/);
  } finally {
    cli.child.kill('SIGTERM');
  }
  const { code } = await cli.exited;
  assert.equal(code, 0);
});

test('SIGKILL right after a 201 loses nothing on a --data store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-durability-'));
  const data = join(dir, 'pinbox.db');
  const token = 'pina_DURABILITYTESTTOKEN0000000000';
  try {
    const first = await startCli(['--port', '0', '--data', data, '--token', token, '--video-processing-seconds', '0']);
    const api = new Client(first.url, token);
    const video = await makeVideo({ segments: [{ color: 'purple', seconds: 4 }] });
    const registered = await api.post('/media', { media_type: 'video' });
    assert.equal(registered.status, 201);
    const upload = await uploadFile(registered.body.upload_url, registered.body.upload_parameters, video);
    assert.equal(upload.status, 204, upload.text);
    const board = await api.post('/boards', { name: 'Kept boards', privacy: 'SECRET' });
    assert.equal(board.status, 201);
    const section = await api.post(`/boards/${board.body.id}/sections`, { name: 'Kept section' });
    assert.equal(section.status, 201);
    const pin = await api.post('/pins', {
      board_id: board.body.id,
      board_section_id: section.body.id,
      title: 'Kept pin',
      media_source: { source_type: 'image_base64', content_type: 'image/png', data: PNG_1X1_BASE64 },
    });
    assert.equal(pin.status, 201);
    first.child.kill('SIGKILL');
    const { signal } = await first.exited;
    assert.equal(signal, 'SIGKILL');

    const second = await startCli(['--port', '0', '--data', data, '--token', token]);
    try {
      const api2 = new Client(second.url, token);
      const again = await api2.get(`/pins/${pin.body.id}`);
      assert.equal(again.status, 200);
      assert.equal(again.body.title, 'Kept pin');
      assert.equal(again.body.board_section_id, section.body.id);
      const image = await fetch(again.body.media.images.originals.url);
      assert.equal(image.status, 200);
      assert.deepEqual(Buffer.from(await image.arrayBuffer()), Buffer.from(PNG_1X1_BASE64, 'base64'));
      const boardAgain = await api2.get(`/boards/${board.body.id}`);
      assert.equal(boardAgain.status, 200);
      assert.equal(boardAgain.body.pin_count, 1);
      assert.equal(boardAgain.body.privacy, 'SECRET');
      // The acknowledged upload is there, processed, and makes a video Pin with its bytes.
      const media = await api2.get(`/media/${registered.body.media_id}`);
      assert.equal(media.body.status, 'succeeded');
      const videoPin = await api2.post('/pins', {
        board_id: board.body.id,
        media_source: { source_type: 'video_id', media_id: registered.body.media_id, cover_image_data: PNG_1X1_BASE64, cover_image_content_type: 'image/png' },
      });
      assert.equal(videoPin.status, 201, JSON.stringify(videoPin.body));
      const served = await fetch(videoPin.body.media.video_url);
      assert.ok(Buffer.from(await served.arrayBuffer()).equals(video));
      // The same dev user and app are found again, not made anew.
      assert.match(second.banner, /client secret: \(unchanged/);
    } finally {
      second.child.kill('SIGTERM');
      await second.exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
