/**
 * Image Pins on real bytes: images made in the test (PNG, JPEG, WebP) are sent
 * by URL from a local host and as base64; what pinbox serves back is decoded to
 * check every size it reports. Bad images, URLs and hosts are 400s naming the
 * field, and leave nothing stored (the blob folder of a --data store is counted).
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { assertError, createBoard, createPin, newUser, useServer, type Client } from '../../../test/harness.js';
import { colorOf, imageHost, makeImage, type ImageFormat } from '../../../test/images.js';

const dir = mkdtempSync(join(tmpdir(), 'pinbox-images-'));
const data = join(dir, 'pinbox.db');
after(() => rmSync(dir, { recursive: true, force: true }));

const server = useServer({ data, imageFetch: { timeoutMs: 500, maxBytes: 512 * 1024 } });

const SERVED_TYPES: Record<ImageFormat, string> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** Every file in the store's blob folder. */
function blobFiles(): string[] {
  const root = `${data}.blobs`;
  const files: string[] = [];
  const walk = (folder: string) => {
    for (const name of readdirSync(folder)) {
      const path = join(folder, name);
      if (statSync(path).isDirectory()) walk(path);
      else files.push(path);
    }
  };
  try {
    walk(root);
  } catch {
    // no blob stored yet
  }
  return files.sort();
}

/** Fetches every size a Pin reports, decodes it, and checks it is the size reported. */
async function decodedSizes(images: Record<string, { url: string; width: number; height: number }>): Promise<Record<string, [number, number]>> {
  const sizes: Record<string, [number, number]> = {};
  for (const [size, image] of Object.entries(images)) {
    const response = await fetch(image.url);
    assert.equal(response.status, 200, `${size}: ${image.url}`);
    const meta = await sharp(Buffer.from(await response.arrayBuffer())).metadata();
    assert.deepEqual([meta.width, meta.height], [image.width, image.height], `${size}: the served image is the size reported`);
    sizes[size] = [image.width, image.height];
  }
  return sizes;
}

const LANDSCAPE_SIZES = { originals: [1600, 900], '150x150': [150, 150], '400x300': [400, 300], '600x': [600, 338], '1200x': [1200, 675] };

describe('image Pins from real images', () => {
  for (const format of ['png', 'jpeg', 'webp'] as const) {
    test(`${format} by URL: every size is real, served, and decodes to the size reported; the dominant color is the image's`, async () => {
      const me = await newUser(server());
      const board = await createBoard(me.client);
      const color = colorOf(`url ${format}`).toUpperCase();
      const bytes = await makeImage({ width: 1600, height: 900, color, format });
      const url = await imageHost.serve(`/photos/landscape.${format}`, bytes, SERVED_TYPES[format]);
      const pin = await createPin(me.client, board.id, { media_source: { source_type: 'image_url', url } });
      assert.deepEqual(await decodedSizes(pin.media.images), LANDSCAPE_SIZES);
      const original = await fetch(pin.media.images.originals.url);
      assert.equal(original.headers.get('content-type'), SERVED_TYPES[format]);
      assert.deepEqual(Buffer.from(await original.arrayBuffer()), bytes, 'originals is the image as sent');
      // A lossless one-color image has exactly that color; JPEG and lossy WebP shift it by a step or two.
      if (format === 'png') assert.equal(pin.dominant_color, color);
      else assertNear(pin.dominant_color, color);
    });
  }

  test('PNG and JPEG as base64; a small image is never enlarged; a portrait keeps its aspect', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const png = await makeImage({ width: 300, height: 500, color: '#2E8B57', format: 'png' });
    const pin = await createPin(me.client, board.id, { media_source: { source_type: 'image_base64', content_type: 'image/png', data: png.toString('base64') } });
    assert.deepEqual(await decodedSizes(pin.media.images), {
      originals: [300, 500],
      '150x150': [150, 150],
      '400x300': [400, 300],
      '600x': [300, 500],
      '1200x': [300, 500],
    });
    assert.equal(pin.dominant_color, '#2E8B57');
    const jpeg = await makeImage({ width: 2400, height: 1200, color: '#D2691E', format: 'jpeg' });
    const big = await createPin(me.client, board.id, { media_source: { source_type: 'image_base64', content_type: 'image/jpeg', data: jpeg.toString('base64') } });
    assert.deepEqual((await decodedSizes(big.media.images))['1200x'], [1200, 600]);
    assert.deepEqual((await decodedSizes(big.media.images))['600x'], [600, 300]);
  });

  test('a carousel of PNG, JPEG and WebP by URL: each item carries all its sizes', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const items = [];
    for (const format of ['png', 'jpeg', 'webp'] as const) {
      const bytes = await makeImage({ width: 640, height: 480, color: colorOf(`carousel ${format}`), format });
      items.push({ url: await imageHost.serve(`/carousel/${format}`, bytes, SERVED_TYPES[format]), title: format });
    }
    const pin = await createPin(me.client, board.id, { media_source: { source_type: 'multiple_image_urls', items } });
    assert.equal(pin.media.media_type, 'multiple_images');
    for (const item of pin.media.items) {
      const sizes = await decodedSizes(item.images);
      assert.deepEqual(sizes.originals, [640, 480], item.title);
      assert.deepEqual(sizes['600x'], [600, 450], item.title);
    }
  });
});

describe('bad images, URLs and hosts are 400s naming the field, and store nothing', () => {
  async function refused(client: Client, boardId: string, media_source: unknown, field: string, message: RegExp): Promise<void> {
    const response = await client.post('/pins', { board_id: boardId, media_source });
    assertError(response, 400, 1, field);
    assert.match(response.body.message, message);
  }

  test('each refusal says why; the board has no Pin and the blob folder did not change', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const before = blobFiles();
    const url = (source: string) => ({ source_type: 'image_url', url: source });

    await refused(me.client, board.id, url(await imageHost.route('/missing.png', (_q, r) => r.writeHead(404).end())), 'media_source.url', /could not be fetched: HTTP 404/);
    await refused(
      me.client,
      board.id,
      url(await imageHost.route('/page.html', (_q, r) => r.writeHead(200, { 'content-type': 'text/html' }).end('<html></html>'))),
      'media_source.url',
      /is not an image: the server sent Content-Type text\/html/,
    );
    await refused(
      me.client,
      board.id,
      url(await imageHost.serve('/fake.png', Buffer.from('these bytes only claim to be a PNG'), 'image/png')),
      'media_source.url',
      /is not an image pinbox can read/,
    );
    const huge = await sharp({ create: { width: 600, height: 600, channels: 3, noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
    assert.ok(huge.length > 512 * 1024);
    await refused(me.client, board.id, url(await imageHost.serve('/huge.png', huge, 'image/png')), 'media_source.url', /is larger than 524288 bytes/);
    await refused(me.client, board.id, url(await imageHost.route('/loop', (_q, r) => r.writeHead(302, { location: '/loop' }).end())), 'media_source.url', /more than 5 redirects/);
    await refused(me.client, board.id, url(await imageHost.route('/slow.png', () => undefined)), 'media_source.url', /no answer within 0.5 s/);
    await refused(me.client, board.id, url(`http://127.0.0.1:${await closedPort()}/nothing-listens.png`), 'media_source.url', /could not be fetched: ECONNREFUSED/);

    const webp = await makeImage({ width: 10, height: 10, color: '#ABCDEF', format: 'webp' });
    await refused(
      me.client,
      board.id,
      { source_type: 'image_base64', content_type: 'image/png', data: webp.toString('base64') },
      'media_source.data',
      /holds image\/webp data, not image\/png as its content_type declares/,
    );
    await refused(
      me.client,
      board.id,
      { source_type: 'image_base64', content_type: 'image/png', data: Buffer.from('not an image at all').toString('base64') },
      'media_source.data',
      /is not an image pinbox can read/,
    );
    const good = await makeImage({ width: 10, height: 10, color: '#123123', format: 'png' });
    await refused(
      me.client,
      board.id,
      {
        source_type: 'multiple_image_base64',
        items: [
          { content_type: 'image/png', data: good.toString('base64') },
          { content_type: 'image/png', data: Buffer.from('broken').toString('base64') },
        ],
      },
      'media_source.items[1].data',
      /is not an image pinbox can read/,
    );

    assert.equal((await me.client.get(`/boards/${board.id}`)).body.pin_count, 0);
    assert.deepEqual(blobFiles(), before, 'a refused Pin left files behind');
  });

  test('the files of a --data store are real: one folder entry per size, removed with the last Pin', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const before = blobFiles().length;
    const bytes = await makeImage({ width: 320, height: 240, color: colorOf('files'), format: 'png' });
    const pin = await createPin(me.client, board.id, { media_source: { source_type: 'image_base64', content_type: 'image/png', data: bytes.toString('base64') } });
    assert.equal(blobFiles().length, before + 5);
    assert.equal((await me.client.delete(`/pins/${pin.id}`)).status, 204);
    assert.equal(blobFiles().length, before);
  });
});

/** A port nothing listens on: bound, then closed. */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

function assertNear(actual: string, expected: string): void {
  const channels = (hex: string) => [1, 3, 5].map((at) => parseInt(hex.slice(at, at + 2), 16));
  const [a, e] = [channels(actual), channels(expected)];
  assert.ok(
    a.every((value, i) => Math.abs(value - e[i]) <= 4),
    `dominant color ${actual} should be within 4 steps of ${expected}`,
  );
}
