/**
 * Video uploads and video Pins on real videos (encoded by ffmpeg in the test):
 * register, upload with the signed form, processing on pinbox's clock, then a Pin
 * with a cover from a URL, base64, or a frame of the video. Forged, stale and
 * reused forms, files that are not videos, another user's upload and an
 * unfinished one are refused and leave nothing stored (the blob folder of a
 * --data store is listed, its staging folder for uploads on their way included).
 * A video is served, streamed and in byte ranges, only at the unguessable URL its
 * Pin tells, and only once a Pin was made from its upload.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { openTestDatabase } from '../../../test/backend.js';
import { assertError, createBoard, newUser, unique, useServer, type Client } from '../../../test/harness.js';
import { imageHost, makeImage } from '../../../test/images.js';
import { makeAudioOnly, makeVideo, uploadFile } from '../../../test/videos.js';
import { MediaUrls } from './media-urls.js';

const dir = mkdtempSync(join(tmpdir(), 'pinbox-videos-'));
const data = join(dir, 'pinbox.db');
after(() => rmSync(dir, { recursive: true, force: true }));

const PROCESSING_MS = 5_000;
const MAX_UPLOAD_BYTES = 512 * 1024;
const server = useServer({ data, videoUploads: { processingMs: PROCESSING_MS, maxBytes: MAX_UPLOAD_BYTES } });

/** The video files in the store's blob folder. */
function storedVideos(): string[] {
  try {
    return readdirSync(join(`${data}.blobs`, 'videos')).sort();
  } catch {
    return [];
  }
}

/** Files being uploaded, in the blob folder's staging folder: none once every upload has been answered. */
function stagedFiles(): string[] {
  try {
    return readdirSync(join(`${data}.blobs`, 'staging')).sort();
  } catch {
    return [];
  }
}

/** The names videos are served under, made from the store's instance secret as pinbox makes them. */
async function videoNames(): Promise<MediaUrls> {
  const db = await openTestDatabase(data);
  try {
    const row = await db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'instance_secret'");
    return new MediaUrls(Buffer.from(row!.value, 'hex'));
  } finally {
    await db.close();
  }
}

/** The status of a GET of `url` (its body read, so the connection is free again). */
async function statusAt(url: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  return response.status;
}

/** A red-then-blue video: 3 s of each, 64x96. */
let redThenBlue: Buffer;

interface Registered {
  media_id: string;
  media_type: string;
  upload_url: string;
  upload_parameters: Record<string, string>;
}

async function register(client: Client): Promise<Registered> {
  const response = await client.post('/media', { media_type: 'video' });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

async function statusOf(client: Client, mediaId: string): Promise<string> {
  const response = await client.get(`/media/${mediaId}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(response.body.media_id, mediaId);
  assert.equal(response.body.media_type, 'video');
  return response.body.status;
}

/** Registers, uploads `bytes`, and lets processing time pass on the clock. */
async function processedUpload(client: Client, bytes: Buffer): Promise<string> {
  const registered = await register(client);
  const upload = await uploadFile(registered.upload_url, registered.upload_parameters, bytes);
  assert.equal(upload.status, 204, upload.text);
  server().pinbox.clock.advance(PROCESSING_MS);
  return registered.media_id;
}

/** A video Pin's media source whose cover is a PNG sent as base64. */
function withDataCover(mediaId: string, png: Buffer) {
  return { source_type: 'video_id', media_id: mediaId, cover_image_content_type: 'image/png', cover_image_data: png.toString('base64') };
}

async function colorOfImage(url: string): Promise<{ r: number; g: number; b: number }> {
  const response = await fetch(url);
  assert.equal(response.status, 200, url);
  const stats = await sharp(Buffer.from(await response.arrayBuffer())).stats();
  const [r, g, b] = stats.channels.map((channel) => channel.mean);
  return { r, g, b };
}

describe('video uploads', () => {
  before(async () => {
    // Processing ends on the clock: frozen, so only the test moves it.
    server().pinbox.clock.freeze();
    redThenBlue = await makeVideo({ segments: [{ color: 'red', seconds: 3 }, { color: 'blue', seconds: 3 }], audio: true });
  });

  test('register, upload, process on the clock, then a video Pin with a cover by URL', async () => {
    const { api } = server();
    const registered = await register(api);
    assert.match(registered.media_id, /^\d+$/);
    assert.equal(registered.media_type, 'video');
    assert.equal(registered.upload_url, `${server().pinbox.url}/media/uploads`);
    for (const field of ['key', 'policy', 'x-amz-algorithm', 'x-amz-credential', 'x-amz-date', 'x-amz-security-token', 'x-amz-signature', 'Content-Type']) {
      assert.equal(typeof registered.upload_parameters[field], 'string', field);
    }
    assert.equal(await statusOf(api, registered.media_id), 'registered');

    const upload = await uploadFile(registered.upload_url, registered.upload_parameters, redThenBlue);
    assert.equal(upload.status, 204, upload.text);
    assert.equal(await statusOf(api, registered.media_id), 'processing');

    const board = await createBoard(api);
    const cover = await imageHost.serve(`/${unique('cover')}.png`, await makeImage({ width: 300, height: 450, color: '#22aa44', format: 'png' }), 'image/png');
    const early = await api.post('/pins', { board_id: board.id, media_source: { source_type: 'video_id', media_id: registered.media_id, cover_image_url: cover } });
    assertError(early, 404, 404);
    assert.match(early.body.message, /processing/);

    server().pinbox.clock.advance(PROCESSING_MS - 1);
    assert.equal(await statusOf(api, registered.media_id), 'processing');
    server().pinbox.clock.advance(1);
    assert.equal(await statusOf(api, registered.media_id), 'succeeded');

    const created = await api.post('/pins', {
      board_id: board.id,
      title: 'A red and blue film',
      media_source: { source_type: 'video_id', media_id: registered.media_id, cover_image_url: cover },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const media = created.body.media;
    assert.equal(created.body.creative_type, 'VIDEO');
    assert.equal(media.media_type, 'video');
    assert.equal(media.duration, 6000);
    assert.deepEqual([media.width, media.height], [64, 96]);
    assert.equal(created.body.dominant_color, '#22AA44');
    const coverBytes = await (await fetch(media.cover_image_url)).arrayBuffer();
    assert.deepEqual(await sharp(Buffer.from(coverBytes)).metadata().then((m) => [m.width, m.height]), [300, 450]);
    assert.equal(media.images['150x150'].width, 150);
    const served = await fetch(media.video_url);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-type'), 'video/mp4');
    assert.ok(Buffer.from(await served.arrayBuffer()).equals(redThenBlue), 'the served video is the uploaded file');

    const read = await api.get(`/pins/${created.body.id}`);
    assert.deepEqual(read.body.media, media);
    const videos = await api.get('/pins', { query: { creative_types: 'VIDEO', page_size: 250 } });
    assert.ok(videos.body.items.some((pin: { id: string }) => pin.id === created.body.id));
  });

  test('a cover from base64 data, and from frames of the video (past the end: the last frame)', async () => {
    const { api } = server();
    const mediaId = await processedUpload(api, redThenBlue);
    const board = await createBoard(api);
    const png = await makeImage({ width: 200, height: 300, color: '#ffcc00', format: 'png' });
    const fromData = await api.post('/pins', {
      board_id: board.id,
      media_source: withDataCover(mediaId, png),
    });
    assert.equal(fromData.status, 201, JSON.stringify(fromData.body));
    assert.equal(fromData.body.dominant_color, '#FFCC00');

    const frame = async (seconds: number) => {
      const response = await api.post('/pins', { board_id: board.id, media_source: { source_type: 'video_id', media_id: mediaId, cover_image_key_frame_time: seconds } });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      assert.deepEqual([response.body.media.images.originals.width, response.body.media.images.originals.height], [64, 96]);
      return colorOfImage(response.body.media.cover_image_url);
    };
    const red = await frame(1);
    assert.ok(red.r > 200 && red.b < 60, `second 1 is red: ${JSON.stringify(red)}`);
    const blue = await frame(4);
    assert.ok(blue.b > 200 && blue.r < 60, `second 4 is blue: ${JSON.stringify(blue)}`);
    const last = await frame(3600);
    assert.ok(last.b > 200 && last.r < 60, `past the end is the last frame, blue: ${JSON.stringify(last)}`);
  });

  test('a QuickTime .mov is taken and served as video/quicktime', async () => {
    const { api } = server();
    const mov = await makeVideo({ segments: [{ color: 'green', seconds: 4 }], container: 'mov', width: 96, height: 96 });
    const mediaId = await processedUpload(api, mov);
    assert.equal(await statusOf(api, mediaId), 'succeeded');
    const board = await createBoard(api);
    const pin = await api.post('/pins', { board_id: board.id, media_source: { source_type: 'video_id', media_id: mediaId, cover_image_key_frame_time: 0 } });
    assert.equal(pin.status, 201, JSON.stringify(pin.body));
    assert.deepEqual([pin.body.media.duration, pin.body.media.width, pin.body.media.height], [4000, 96, 96]);
    const served = await fetch(pin.body.media.video_url);
    assert.equal(served.headers.get('content-type'), 'video/quicktime');
  });

  test('files that are not videos Pinterest takes end failed, say why, and are not stored', async () => {
    const { api } = server();
    const board = await createBoard(api);
    const cases: [string, Buffer, RegExp][] = [
      ['a PNG picture', await makeImage({ width: 64, height: 64, color: '#123456', format: 'png' }), /is not a video file/],
      ['plain text', Buffer.from('this is not a video at all, just words'), /is not a video file/],
      ['sound only', await makeAudioOnly(5), /has no video track/],
      ['a 2-second clip', await makeVideo({ segments: [{ color: 'white', seconds: 2 }] }), /lasts 2 s; a video Pin lasts at least 4 seconds/],
      ['a WebM', await makeVideo({ segments: [{ color: 'white', seconds: 4 }], container: 'webm' }), /WebM file; Pinterest takes \.mp4, \.mov or \.m4v/],
      ['MPEG-4 Part 2 video', await makeVideo({ segments: [{ color: 'white', seconds: 4 }], codec: 'mpeg4' }), /is encoded as .*; Pinterest takes H\.264 or H\.265/],
    ];
    for (const [name, bytes, reason] of cases) {
      const before = storedVideos();
      const mediaId = await processedUpload(api, bytes);
      assert.equal(await statusOf(api, mediaId), 'failed', name);
      assert.deepEqual(storedVideos(), before, `${name}: nothing stored`);
      assert.deepEqual(stagedFiles(), [], `${name}: nothing left in staging`);
      const pin = await api.post('/pins', { board_id: board.id, media_source: { source_type: 'video_id', media_id: mediaId, cover_image_key_frame_time: 0 } });
      assertError(pin, 400, 1, 'media_source.media_id');
      assert.match(pin.body.message, reason, name);
    }
    const pins = await api.get(`/boards/${board.id}/pins`);
    assert.equal(pins.body.items.length, 0);
  });

  test('a forged, altered, stale or reused upload form is refused and stores nothing', async () => {
    const { api, pinbox } = server();
    const registered = await register(api);
    const { upload_url: url, upload_parameters: parameters } = registered;
    const refused = async (fields: Record<string, string>, status: number, code: string, message: RegExp) => {
      const before = storedVideos();
      const response = await uploadFile(url, fields, redThenBlue);
      assert.equal(response.status, status, response.text);
      assert.match(response.text, new RegExp(`<Code>${code}</Code>`));
      assert.match(response.text, message);
      assert.deepEqual(storedVideos(), before);
      assert.equal(await statusOf(api, registered.media_id), 'registered');
    };
    const forged = parameters['x-amz-signature'].replace(/^./, (c) => (c === '0' ? '1' : '0'));
    await refused({ ...parameters, 'x-amz-signature': forged }, 403, 'SignatureDoesNotMatch', /signature/);
    // A policy rewritten to last longer no longer matches its signature.
    const document = JSON.parse(Buffer.from(parameters.policy, 'base64').toString());
    document.expiration = '2999-01-01T00:00:00.000Z';
    await refused({ ...parameters, policy: Buffer.from(JSON.stringify(document)).toString('base64') }, 403, 'SignatureDoesNotMatch', /signature/);
    // The key is one of the signed conditions.
    await refused({ ...parameters, key: `${parameters.key}0` }, 403, 'AccessDenied', /Policy Condition failed: \["eq", "\$key"/);
    const { key: _key, ...withoutKey } = parameters;
    await refused(withoutKey, 400, 'InvalidArgument', /must contain a field named 'key'/);

    pinbox.clock.advance(60 * 60 * 1000 + 1000);
    await refused(parameters, 403, 'AccessDenied', /Policy expired/);

    const fresh = await register(api);
    const first = await uploadFile(fresh.upload_url, fresh.upload_parameters, redThenBlue);
    assert.equal(first.status, 204, first.text);
    const stored = storedVideos();
    const again = await uploadFile(fresh.upload_url, fresh.upload_parameters, await makeVideo({ segments: [{ color: 'black', seconds: 5 }] }));
    assert.equal(again.status, 403, again.text);
    assert.match(again.text, /used already/);
    assert.deepEqual(storedVideos(), stored);
  });

  test('a file over the size the form allows, or no file, is refused', async () => {
    const { api } = server();
    const registered = await register(api);
    const big = Buffer.concat([redThenBlue, Buffer.alloc(MAX_UPLOAD_BYTES)]);
    const before = storedVideos();
    const tooBig = await uploadFile(registered.upload_url, registered.upload_parameters, big);
    assert.equal(tooBig.status, 400, tooBig.text);
    assert.match(tooBig.text, /<Code>EntityTooLarge<\/Code>/);
    assert.match(tooBig.text, new RegExp(`maximum allowed size \\(${MAX_UPLOAD_BYTES} bytes\\)`));
    // The part written while it arrived is gone.
    assert.deepEqual(storedVideos(), before);
    assert.deepEqual(stagedFiles(), []);
    const form = new FormData();
    for (const [name, value] of Object.entries(registered.upload_parameters)) form.append(name, value);
    const noFile = await fetch(registered.upload_url, { method: 'POST', body: form });
    assert.equal(noFile.status, 400);
    assert.match(await noFile.text(), /exactly one file/);
    const notMultipart = await fetch(registered.upload_url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.ok(notMultipart.status >= 400 && notMultipart.status < 500, String(notMultipart.status));
    assert.equal(await statusOf(api, registered.media_id), 'registered');
  });

  test("another user's upload is not found; the upload list is the caller's own, newest first, paged", async () => {
    const { api } = server();
    const mediaId = await processedUpload(api, redThenBlue);
    const other = await newUser(server());
    assertError(await other.client.get(`/media/${mediaId}`), 404, 404);
    const board = await createBoard(other.client);
    const pin = await other.client.post('/pins', { board_id: board.id, media_source: { source_type: 'video_id', media_id: mediaId, cover_image_key_frame_time: 0 } });
    assertError(pin, 404, 404);
    assertError(await other.client.get('/media/123456789'), 404, 404);

    const mine = [await register(other.client), await register(other.client), await register(other.client)].map((r) => r.media_id);
    const first = await other.client.get('/media', { query: { page_size: 2 } });
    assert.deepEqual(first.body.items.map((m: { media_id: string }) => m.media_id), [mine[2], mine[1]]);
    assert.ok(first.body.items.every((m: { status: string }) => m.status === 'registered'));
    const second = await other.client.get('/media', { query: { page_size: 2, bookmark: first.body.bookmark } });
    assert.deepEqual(second.body.items.map((m: { media_id: string }) => m.media_id), [mine[0]]);
    assert.equal(second.body.bookmark, null);
  });

  test('bad requests name the field; scopes are those of the spec', async () => {
    const { api } = server();
    assertError(await api.post('/media', { media_type: 'image' }), 400, 1, 'media_type');
    assertError(await api.post('/media', {}), 400, 1, 'media_type');
    assertError(await api.get('/media/not-a-number'), 400, 1, 'media_id');
    const mediaId = await processedUpload(api, redThenBlue);
    const board = await createBoard(api);
    const source = { source_type: 'video_id', media_id: mediaId };
    assertError(await api.post('/pins', { board_id: board.id, media_source: source }), 400, 1, 'media_source.cover_image_url');
    assertError(await api.post('/pins', { board_id: board.id, media_source: { ...source, cover_image_url: 'http://x.test/a.png', cover_image_key_frame_time: 1 } }), 400, 1, 'media_source.cover_image_key_frame_time');
    assertError(await api.post('/pins', { board_id: board.id, media_source: { ...source, cover_image_key_frame_time: -1 } }), 400, 1, 'media_source.cover_image_key_frame_time');
    assertError(await api.post('/pins', { board_id: board.id, media_source: { ...source, cover_image_data: 'aGVsbG8=' } }), 400, 1, 'media_source.cover_image_content_type');
    assertError(await api.post('/pins', { board_id: board.id, media_source: { source_type: 'video_id', cover_image_key_frame_time: 0 } }), 400, 1, 'media_source.media_id');
    assertError(await api.post('/pins', { board_id: board.id, media_source: { ...source, cover_image_url: 'ftp://x.test/a.png' } }), 400, 1, 'media_source.cover_image_url');

    const readOnly = await newUser(server(), ['pins:read']);
    assertError(await readOnly.client.post('/media', { media_type: 'video' }), 401, 3);
    const noPins = await newUser(server(), ['boards:read']);
    assertError(await noPins.client.get('/media'), 401, 3);
    assertError(await noPins.client.get(`/media/${mediaId}`), 401, 3);
  });

  test('deleting a video Pin releases its cover; the video stays with its upload', async () => {
    const { api } = server();
    const mediaId = await processedUpload(api, redThenBlue);
    const board = await createBoard(api);
    const png = await makeImage({ width: 120, height: 180, color: '#abcdef', format: 'png' });
    const pin = await api.post('/pins', {
      board_id: board.id,
      media_source: withDataCover(mediaId, png),
    });
    assert.equal(pin.status, 201, JSON.stringify(pin.body));
    assert.equal((await fetch(pin.body.media.images['400x300'].url)).status, 200);
    assert.equal((await api.delete(`/pins/${pin.body.id}`)).status, 204);
    assert.equal((await fetch(pin.body.media.images['400x300'].url)).status, 404);
    assert.equal((await fetch(pin.body.media.cover_image_url)).status, 404);
    assert.equal((await fetch(pin.body.media.video_url)).status, 200);
  });

  test("a video is served at its Pin's video_url alone: not at /media/videos/<media_id>.mp4, not before a Pin is made from it, not under a forged name", async () => {
    const { api, pinbox } = server();
    const names = await videoNames();
    const mediaId = await processedUpload(api, redThenBlue);
    const signed = `${pinbox.url}/media/videos/${names.videoName(mediaId, 'mp4')}`;
    const guessable = `${pinbox.url}/media/videos/${mediaId}.mp4`;
    // Uploaded and processed, but no Pin made from it: served under no name.
    assert.equal(await statusOf(api, mediaId), 'succeeded');
    assert.equal(await statusAt(guessable), 404);
    assert.equal(await statusAt(signed), 404);

    const board = await createBoard(api, { privacy: 'SECRET' });
    const png = await makeImage({ width: 40, height: 60, color: '#336699', format: 'png' });
    const pin = await api.post('/pins', { board_id: board.id, media_source: withDataCover(mediaId, png) });
    assert.equal(pin.status, 201, JSON.stringify(pin.body));
    assert.equal(pin.body.media.video_url, signed);
    const served = await fetch(signed);
    assert.equal(served.status, 200);
    assert.equal(served.headers.get('content-length'), String(redThenBlue.length));
    assert.ok(Buffer.from(await served.arrayBuffer()).equals(redThenBlue));
    // The same URL on every read of the Pin.
    assert.equal((await api.get(`/pins/${pin.body.id}`)).body.media.video_url, signed);

    assert.equal(await statusAt(guessable), 404, 'the media id alone fetches nothing');
    const forged = signed.replace(/([0-9a-f])\.mp4$/, (_whole, digit: string) => `${digit === '0' ? '1' : '0'}.mp4`);
    assert.equal(await statusAt(forged), 404);
    assert.equal(await statusAt(signed.replace(/\.mp4$/, '.mov')), 404);
    // Another upload's name does not fetch this one.
    const otherId = await processedUpload(api, redThenBlue);
    const otherPin = await api.post('/pins', { board_id: board.id, media_source: withDataCover(otherId, png) });
    assert.equal(otherPin.status, 201, JSON.stringify(otherPin.body));
    assert.equal(await statusAt(otherPin.body.media.video_url.replace(otherId, mediaId)), 404);
  });

  test('a video is streamed whole or in the byte range asked for', async () => {
    const { api } = server();
    const mediaId = await processedUpload(api, redThenBlue);
    const board = await createBoard(api);
    const pin = await api.post('/pins', { board_id: board.id, media_source: { source_type: 'video_id', media_id: mediaId, cover_image_key_frame_time: 0 } });
    assert.equal(pin.status, 201, JSON.stringify(pin.body));
    const url = pin.body.media.video_url;
    const size = redThenBlue.length;
    const whole = await fetch(url);
    assert.equal(whole.headers.get('accept-ranges'), 'bytes');
    await whole.arrayBuffer();
    const head = await fetch(url, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.headers.get('content-length'), String(size));
    assert.equal((await head.arrayBuffer()).byteLength, 0);
    const cases: [string, number, number][] = [
      ['bytes=0-99', 0, 99],
      ['bytes=100-', 100, size - 1],
      ['bytes=-10', size - 10, size - 1],
      [`bytes=${size - 5}-${size + 1000}`, size - 5, size - 1],
    ];
    for (const [range, start, end] of cases) {
      const response = await fetch(url, { headers: { range } });
      assert.equal(response.status, 206, range);
      assert.equal(response.headers.get('content-range'), `bytes ${start}-${end}/${size}`, range);
      assert.equal(response.headers.get('content-length'), String(end - start + 1), range);
      assert.equal(response.headers.get('content-type'), 'video/mp4', range);
      assert.ok(Buffer.from(await response.arrayBuffer()).equals(redThenBlue.subarray(start, end + 1)), range);
    }
    const past = await fetch(url, { headers: { range: `bytes=${size}-` } });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${size}`);
    assert.match((await past.json()).message, new RegExp(`${size} bytes`));
    // Several ranges, or another unit: the whole file, as a server may answer.
    assert.equal(await statusAt(url, { range: 'bytes=0-1,5-6' }), 200);
    assert.equal(await statusAt(url, { range: 'items=0-1' }), 200);
  });
});
