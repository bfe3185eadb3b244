/**
 * The Pin routes end to end: each media source, the limits, secret Pins, roles,
 * moves, saves and deletes. (pins.test.ts goes through the same routes case by case.)
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG_1X1_BASE64, assertError, createBoard, createPin, newUser, useServer, walk } from '../../../test/harness.js';
import { colorOf, hostedImageUrl, imageUrlSource, makeImage } from '../../../test/images.js';

const server = useServer();
const imageUrl = (n: number | string = 1) => imageUrlSource(String(n));

describe('POST /pins', () => {
  test('image_url: a 19-digit id, Pinterest timestamps, the board owner, the source as media', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const pin = await createPin(me.client, board.id, { title: 'T', description: 'D', link: 'https://example.com/x', alt_text: 'A', media_source: await imageUrl(7) });
    assert.match(pin.id, /^\d{19}$/);
    assert.match(pin.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    assert.equal(pin.board_owner.username, me.username);
    assert.equal(pin.is_owner, true);
    assert.equal(pin.creative_type, 'REGULAR');
    // The 80x60 PNG the image host serves, processed into Pinterest's sizes (never enlarged).
    const sizes = Object.fromEntries(Object.entries(pin.media.images).map(([size, image]: [string, any]) => [size, [image.width, image.height]]));
    assert.deepEqual(sizes, { originals: [80, 60], '150x150': [150, 150], '400x300': [400, 300], '600x': [80, 60], '1200x': [80, 60] });
    assert.equal(pin.media.media_type, 'image');
    assert.match(pin.media.images['600x'].url, /^http:\/\/127\.0\.0\.1:\d+\/media\/images\/600x\/[0-9a-f]{64}\.jpg$/);
    const again = await me.client.get(`/pins/${pin.id}`);
    assert.deepEqual(again.body, pin);
  });

  test('image_base64: the bytes are stored and served back by pinbox', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const pin = await createPin(me.client, board.id, { media_source: { source_type: 'image_base64', content_type: 'image/png', data: PNG_1X1_BASE64 } });
    const image = await fetch(pin.media.images.originals.url);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), Buffer.from(PNG_1X1_BASE64, 'base64'));
  });

  test('base64 pictures pinbox stores already: the board is checked first, the declared type still, a new picture beside them is processed', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const jpeg = (await makeImage({ width: 12, height: 8, color: '#204060', format: 'jpeg' })).toString('base64');
    const fresh = (await makeImage({ width: 9, height: 7, color: '#604020', format: 'png' })).toString('base64');
    // The first Pin stores the picture; the next ones take it without processing it again.
    const first = await createPin(me.client, board.id, { media_source: { source_type: 'image_base64', content_type: 'image/jpeg', data: jpeg } });
    const second = await createPin(me.client, board.id, { media_source: { source_type: 'image_base64', content_type: 'image/jpeg', data: jpeg } });
    assert.deepEqual(second.media, first.media);
    assert.equal(second.dominant_color, first.dominant_color);
    const misdeclared = await me.client.post('/pins', { board_id: board.id, media_source: { source_type: 'image_base64', content_type: 'image/png', data: jpeg } });
    assertError(misdeclared, 400, 1, 'media_source.data');
    assert.match(misdeclared.body.message, /holds image\/jpeg data, not image\/png/);
    // A missing board is named before the media's problems, known picture or not.
    for (const media_source of [
      { source_type: 'image_base64', content_type: 'image/png', data: jpeg },
      { source_type: 'image_base64', content_type: 'image/jpeg', data: '@@not base64@@' },
      { source_type: 'image_base64', content_type: 'image/jpeg', data: jpeg },
    ]) {
      assertError(await me.client.post('/pins', { board_id: '1234567890123456789', media_source }), 404, 40);
    }
    // A carousel of a stored picture and a new one: the new one is processed and served.
    const carousel = await createPin(me.client, board.id, {
      media_source: { source_type: 'multiple_image_base64', items: [{ content_type: 'image/jpeg', data: jpeg }, { content_type: 'image/png', data: fresh }] },
    });
    assert.deepEqual(carousel.media.items[0].images, first.media.images);
    const served = await fetch(carousel.media.items[1].images.originals.url);
    assert.equal(served.status, 200);
    assert.deepEqual(Buffer.from(await served.arrayBuffer()), Buffer.from(fresh, 'base64'));
    const board2 = (await me.client.get(`/boards/${board.id}`)).body;
    assert.equal(board2.pin_count, 3);
  });

  test('carousels from URLs and from base64 take 2 to 5 images', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const urls = await createPin(me.client, board.id, {
      media_source: { source_type: 'multiple_image_urls', items: [{ url: await hostedImageUrl('a'), title: 'a' }, { url: await hostedImageUrl('b') }] },
    });
    assert.equal(urls.creative_type, 'CAROUSEL');
    assert.equal(urls.media.media_type, 'multiple_images');
    assert.equal(urls.media.items.length, 2);
    assert.equal(urls.media.items[0].title, 'a');
    const b64 = await createPin(me.client, board.id, {
      media_source: { source_type: 'multiple_image_base64', items: [1, 2, 3].map(() => ({ content_type: 'image/png', data: PNG_1X1_BASE64 })) },
    });
    assert.equal(b64.media.items.length, 3);
    for (const count of [1, 6]) {
      const items = await Promise.all(Array.from({ length: count }, async (_, i) => ({ url: await hostedImageUrl(String(i)) })));
      assertError(await me.client.post('/pins', { board_id: board.id, media_source: { source_type: 'multiple_image_urls', items } }), 400, 1, 'media_source.items');
    }
  });

  test('400 naming the field for every limit and malformed source', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const base = { board_id: board.id, media_source: await imageUrl() };
    assertError(await me.client.post('/pins', { ...base, title: 't'.repeat(101) }), 400, 1, 'title');
    assertError(await me.client.post('/pins', { ...base, description: 'd'.repeat(801) }), 400, 1, 'description');
    assertError(await me.client.post('/pins', { ...base, link: 'https://e.com/' + 'l'.repeat(2048) }), 400, 1, 'link');
    assertError(await me.client.post('/pins', { ...base, alt_text: 'a'.repeat(501) }), 400, 1, 'alt_text');
    assertError(await me.client.post('/pins', { media_source: await imageUrl() }), 400, 1, 'board_id');
    assertError(await me.client.post('/pins', { board_id: board.id }), 400, 1, 'media_source');
    assertError(await me.client.post('/pins', { board_id: board.id, media_source: { source_type: 'telepathy' } }), 400, 1, 'media_source.source_type');
    assertError(await me.client.post('/pins', { board_id: board.id, media_source: { source_type: 'image_url', url: 'ftp://e.com/a.jpg' } }), 400, 1, 'media_source.url');
    assertError(
      await me.client.post('/pins', { board_id: board.id, media_source: { source_type: 'image_base64', content_type: 'image/png', data: 'not base64!' } }),
      400,
      1,
      'media_source.data',
    );
    assertError(
      await me.client.post('/pins', { board_id: board.id, media_source: { source_type: 'image_base64', content_type: 'image/gif', data: PNG_1X1_BASE64 } }),
      400,
      1,
      'media_source.content_type',
    );
    const malformed = await me.client.request('POST', '/pins', { rawBody: '{"board_id": ' });
    assertError(malformed, 400, 1);
    assert.match(malformed.body.message, /JSON/);
    // Nothing was half-written by any of these.
    assert.equal((await me.client.get(`/boards/${board.id}`)).body.pin_count, 0);
  });

  test('401 code 2 without a token, 401 code 3 without pins:write, 404 for an unknown board or section', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    assertError(await me.client.post('/pins', { board_id: board.id, media_source: await imageUrl() }, { token: null }), 401, 2);
    const { token } = await s.pinbox.admin.issueToken({ username: me.username, scopes: ['boards:read', 'boards:write', 'pins:read'] });
    const lacking = await me.client.withToken(token).post('/pins', { board_id: board.id, media_source: await imageUrl() });
    assertError(lacking, 401, 3);
    // Pinterest's message, then a pinbox hint naming what the operation needs and what the token lacks.
    assert.equal(
      lacking.body.message,
      'Your token does not have sufficient permissions to perform this operation. Please ensure your token is authorized with the correct set of scopes.' +
        ' (pinbox: this operation needs boards:read, boards:write, pins:read, pins:write; the token lacks pins:write.)',
    );
    assertError(await me.client.post('/pins', { board_id: '1234567890123456789', media_source: await imageUrl() }), 404, 40);
    const other = await createBoard(me.client);
    const section = (await me.client.post(`/boards/${other.id}/sections`, { name: 'elsewhere' })).body;
    assertError(await me.client.post('/pins', { board_id: board.id, board_section_id: section.id, media_source: await imageUrl() }), 404, 2031);
  });

  test("403 code 29 on another user's board", async () => {
    const s = server();
    const owner = await newUser(s);
    const stranger = await newUser(s);
    const board = await createBoard(owner.client);
    assertError(await stranger.client.post('/pins', { board_id: board.id, media_source: await imageUrl() }), 403, 29);
  });
});

describe('secret Pins', () => {
  test('invisible without pins:read_secret, unchangeable without pins:write_secret', async () => {
    const s = server();
    const me = await newUser(s);
    const secret = await createBoard(me.client, { privacy: 'SECRET' });
    const pin = await createPin(me.client, secret.id);
    const readOnly = me.client.withToken(
      (await s.pinbox.admin.issueToken({ username: me.username, scopes: ['boards:read', 'boards:write', 'pins:read', 'pins:write'] })).token,
    );
    assertError(await readOnly.get(`/pins/${pin.id}`), 404, 50);
    assert.ok(!(await walk(readOnly, '/pins')).some((p) => p.id === pin.id));
    const noWrite = me.client.withToken(
      (await s.pinbox.admin.issueToken({ username: me.username, scopes: ['boards:read', 'boards:write', 'pins:read', 'pins:write', 'boards:read_secret', 'pins:read_secret'] })).token,
    );
    assert.equal((await noWrite.get(`/pins/${pin.id}`)).status, 200);
    assertError(await noWrite.patch(`/pins/${pin.id}`, { title: 'changed' }), 401, 3);
    assertError(await noWrite.delete(`/pins/${pin.id}`), 401, 3);
    const privateOnly = await walk(me.client, '/pins', { pin_type: 'PRIVATE' });
    assert.deepEqual(privateOnly.map((p) => p.id), [pin.id]);
    const stranger = await newUser(s);
    assertError(await stranger.client.get(`/pins/${pin.id}`), 404, 50);
    const board = await createBoard(stranger.client);
    assertError(await stranger.client.post(`/pins/${pin.id}/save`, { board_id: board.id }), 404, 50);
  });
});

describe('PATCH, DELETE and save', () => {
  test('PATCH changes only the fields given and moves Pins between boards and sections', async () => {
    const me = await newUser(server());
    const from = await createBoard(me.client);
    const to = await createBoard(me.client);
    const section = (await me.client.post(`/boards/${to.id}/sections`, { name: 's' })).body;
    const pin = await createPin(me.client, from.id, { title: 'keep', description: 'old' });
    const edited = await me.client.patch(`/pins/${pin.id}`, { description: 'new' });
    assert.equal(edited.status, 200);
    assert.equal(edited.body.title, 'keep');
    assert.equal(edited.body.description, 'new');
    const moved = await me.client.patch(`/pins/${pin.id}`, { board_id: to.id, board_section_id: section.id });
    assert.equal(moved.body.board_id, to.id);
    assert.equal(moved.body.board_section_id, section.id);
    assert.equal((await me.client.get(`/boards/${from.id}`)).body.pin_count, 0);
    assert.equal((await me.client.get(`/boards/${to.id}`)).body.pin_count, 1);
    const out = await me.client.patch(`/pins/${pin.id}`, { board_section_id: null });
    assert.equal(out.body.board_section_id, null);
    assertError(await me.client.patch(`/pins/${pin.id}`, { title: 'x'.repeat(101) }), 400, 1, 'title');
    assertError(await me.client.patch(`/pins/${pin.id}`, { carousel_slots: [{ title: 'x' }] }), 400, 1, 'carousel_slots');
  });

  test('carousel_slots edits the items of a carousel in order', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const pin = await createPin(me.client, board.id, {
      media_source: { source_type: 'multiple_image_urls', items: [{ url: await hostedImageUrl('a') }, { url: await hostedImageUrl('b') }] },
    });
    const edited = await me.client.patch(`/pins/${pin.id}`, { carousel_slots: [{ title: 'first' }, { link: 'https://example.com/2' }] });
    assert.equal(edited.body.media.items[0].title, 'first');
    assert.equal(edited.body.media.items[1].link, 'https://example.com/2');
  });

  test('collaborators edit their own Pins only; the board owner may remove any Pin', async () => {
    const s = server();
    const owner = await newUser(s);
    const collaborator = await newUser(s);
    const board = await createBoard(owner.client);
    await s.pinbox.admin.addCollaborator(board.id, collaborator.username);
    const ownersPin = await createPin(owner.client, board.id);
    const theirs = await createPin(collaborator.client, board.id);
    assert.equal(theirs.is_owner, true);
    assert.equal(theirs.board_owner.username, owner.username);
    assert.equal((await collaborator.client.patch(`/pins/${theirs.id}`, { title: 'mine' })).status, 200);
    assertError(await collaborator.client.patch(`/pins/${ownersPin.id}`, { title: 'hijack' }), 403, 29);
    assertError(await collaborator.client.delete(`/pins/${ownersPin.id}`), 403, 29);
    const removed = await owner.client.delete(`/pins/${theirs.id}`);
    assert.equal(removed.status, 204);
    assert.equal(removed.body, undefined);
    assertError(await owner.client.get(`/pins/${theirs.id}`), 404, 50);
    assert.equal((await owner.client.get(`/boards/${board.id}`)).body.pin_count, 1);
  });

  test('save records parent_pin_id; repin filters tell saves from originals', async () => {
    const s = server();
    const author = await newUser(s);
    const saver = await newUser(s);
    const source = await createPin(author.client, (await createBoard(author.client)).id);
    const board = await createBoard(saver.client);
    const saved = await saver.client.post(`/pins/${source.id}/save`, { board_id: board.id });
    assert.equal(saved.status, 201);
    assert.notEqual(saved.body.id, source.id);
    assert.equal(saved.body.parent_pin_id, source.id);
    assert.deepEqual(saved.body.media, source.media);
    const original = await createPin(saver.client, board.id);
    assert.deepEqual((await walk(saver.client, '/pins', { pin_filter: 'exclude_repins' })).map((p) => p.id), [original.id]);
    assert.deepEqual((await walk(saver.client, '/pins', { pin_filter: 'exclude_native' })).map((p) => p.id), [saved.body.id]);
    assertError(await saver.client.post(`/pins/${source.id}/save`, {}), 400, 1, 'board_id');
    assertError(await saver.client.post('/pins/1234567890123456789/save', { board_id: board.id }), 404, 50);
  });

  test('a picture is stored once for every Pin that uses it, and removed with the last of them', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const own = await makeImage({ width: 4, height: 4, color: colorOf(`lone ${me.username}`), format: 'png' });
    const lone = await createPin(me.client, board.id, { media_source: { source_type: 'image_base64', content_type: 'image/png', data: own.toString('base64') } });
    const other = await makeImage({ width: 4, height: 4, color: colorOf(`shared ${me.username}`), format: 'png' });
    const upload = { source_type: 'image_base64', content_type: 'image/png', data: other.toString('base64') };
    const shared = await createPin(me.client, board.id, { media_source: upload });
    const twin = await createPin(me.client, board.id, { media_source: upload });
    assert.deepEqual(twin.media.images, shared.media.images, 'the same bytes are the same picture');
    const copy = (await me.client.post(`/pins/${shared.id}/save`, { board_id: board.id })).body;

    assert.equal((await me.client.delete(`/pins/${lone.id}`)).status, 204);
    for (const image of Object.values(lone.media.images) as any[]) assert.equal((await fetch(image.url)).status, 404, image.url);
    assert.equal((await me.client.delete(`/pins/${shared.id}`)).status, 204);
    assert.equal((await me.client.delete(`/pins/${twin.id}`)).status, 204);
    assert.equal((await fetch(copy.media.images.originals.url)).status, 200, 'the saved copy still uses it');
    assert.equal((await me.client.delete(`/pins/${copy.id}`)).status, 204);
    for (const image of Object.values(copy.media.images) as any[]) assert.equal((await fetch(image.url)).status, 404, image.url);
  });
});

describe('GET /pins', () => {
  test('walks every Pin once, newest first; bad filters are 400', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const made: string[] = [];
    for (let i = 0; i < 30; i++) made.push((await createPin(me.client, board.id, { media_source: await imageUrl(i) })).id);
    const seen = await walk(me.client, '/pins', { page_size: 7 });
    assert.deepEqual(seen.map((p) => p.id), [...made].reverse());
    assertError(await me.client.get('/pins', { query: { page_size: 251 } }), 400, 1, 'page_size');
    assertError(await me.client.get('/pins', { query: { creative_types: 'HOLOGRAM' } }), 400, 1, 'creative_types');
    assertError(await me.client.get('/pins', { query: { pin_filter: 'everything' } }), 400, 1, 'pin_filter');
    const carousel = await createPin(me.client, board.id, {
      media_source: { source_type: 'multiple_image_urls', items: [{ url: await hostedImageUrl('a') }, { url: await hostedImageUrl('b') }] },
    });
    assert.deepEqual((await walk(me.client, '/pins', { creative_types: 'CAROUSEL' })).map((p) => p.id), [carousel.id]);
  });
});
