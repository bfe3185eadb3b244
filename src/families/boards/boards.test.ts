/**
 * The boards family end to end over HTTP: boards, board sections, the Pins on them
 * and the boards a user follows. Every response is checked against the official
 * spec by the harness; these tests check Pinterest's behaviour on top of that.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, createBoard, createPin, newUser, unique, useServer, walk, type Client, type TestServer } from '../../../test/harness.js';
import { hostedImageUrl, imageUrlSource } from '../../../test/images.js';
import { pinterestTimestamp } from '../../kernel/clock.js';

const server = useServer();

const UNKNOWN_ID = '1000000000000000001';
const READ_ONLY = ['boards:read', 'pins:read', 'user_accounts:read'];
/** Everything but the two secret-board scopes. */
const NO_SECRET = ['boards:read', 'boards:write', 'pins:read', 'pins:write', 'user_accounts:read'];

/** Another token for an existing user, holding only `scopes`. */
async function tokenFor(s: TestServer, username: string, scopes: readonly string[]): Promise<Client> {
  const { token } = await s.pinbox.admin.issueToken({ username, scopes });
  return s.api.withToken(token);
}

/** Asserts Pinterest's error shape: status, code and (optionally) a message naming `field`. */
/** The bookmark with one character changed. */
function flip(bookmark: string): string {
  const at = Math.floor(bookmark.length / 2);
  const replacement = bookmark[at] === 'A' ? 'B' : 'A';
  return bookmark.slice(0, at) + replacement + bookmark.slice(at + 1);
}

async function getBoard(client: Client, boardId: string): Promise<any> {
  const response = await client.get(`/boards/${boardId}`);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

async function createSection(client: Client, boardId: string, name = unique('section')): Promise<any> {
  const response = await client.post(`/boards/${boardId}/sections`, { name });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

/** Creates `count` Pins on a board, a few requests at a time; returns them oldest first. */
async function createPins(client: Client, boardId: string, count: number, body: Record<string, unknown> = {}): Promise<any[]> {
  const pins: any[] = [];
  for (let i = 0; i < count; i += 25) {
    const batch = Array.from({ length: Math.min(25, count - i) }, () => createPin(client, boardId, body));
    pins.push(...(await Promise.all(batch)));
  }
  return pins.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

const ids = (items: any[]) => items.map((item) => item.id);

describe('authentication and scopes on every boards endpoint', () => {
  test('401 code 2 without a token, 401 code 3 without a required scope', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const section = await createSection(me.client, board.id);
    const b = `/boards/${board.id}`;
    const sec = `${b}/sections/${section.id}`;
    const endpoints: { method: string; path: string; body?: unknown; held: string[] }[] = [
      { method: 'GET', path: '/boards', held: ['pins:read', 'user_accounts:read'] },
      { method: 'POST', path: '/boards', body: { name: unique('b') }, held: ['boards:read'] },
      { method: 'GET', path: b, held: ['pins:read'] },
      { method: 'PATCH', path: b, body: { description: 'x' }, held: ['boards:read', 'pins:read'] },
      { method: 'DELETE', path: b, held: READ_ONLY },
      { method: 'GET', path: `${b}/pins`, held: ['boards:read'] },
      { method: 'GET', path: `${b}/sections`, held: ['pins:read'] },
      { method: 'POST', path: `${b}/sections`, body: { name: unique('s') }, held: READ_ONLY },
      { method: 'PATCH', path: sec, body: { name: unique('s') }, held: READ_ONLY },
      { method: 'DELETE', path: sec, held: READ_ONLY },
      { method: 'GET', path: `${sec}/pins`, held: ['boards:read', 'user_accounts:read'] },
      { method: 'GET', path: '/user_account/following/boards', held: ['boards:read', 'pins:read'] },
    ];
    for (const endpoint of endpoints) {
      const anonymous = await me.client.request(endpoint.method, endpoint.path, { body: endpoint.body, token: null });
      assert.equal(anonymous.status, 401, `${endpoint.method} ${endpoint.path}`);
      assert.deepEqual(anonymous.body, { code: 2, message: 'Authentication failed.' });
      const weak = await tokenFor(s, me.username, endpoint.held);
      const scoped = await weak.request(endpoint.method, endpoint.path, { body: endpoint.body });
      assert.equal(scoped.status, 401, `${endpoint.method} ${endpoint.path} with ${endpoint.held.join(',')}: ${JSON.stringify(scoped.body)}`);
      assert.equal(scoped.body.code, 3);
      assert.match(scoped.body.message, /sufficient permissions/);
    }
    // Nothing was changed by the refused requests.
    assert.equal((await getBoard(me.client, board.id)).description, board.description);
    assert.deepEqual(ids(await walk(me.client, `${b}/sections`)), [section.id]);
  });
});

describe('POST /boards', () => {
  test('creates a public board with true counts, readable back', async () => {
    const s = server();
    const me = await newUser(s);
    const name = unique('Recipes');
    const response = await me.client.post('/boards', { name, description: 'Things to cook' });
    assert.equal(response.status, 201);
    const board = response.body;
    assert.match(board.id, /^\d+$/);
    assert.equal(board.name, name);
    assert.equal(board.description, 'Things to cook');
    assert.equal(board.privacy, 'PUBLIC');
    assert.equal(board.owner.username, me.username);
    assert.equal(board.pin_count, 0);
    assert.equal(board.follower_count, 0);
    assert.equal(board.collaborator_count, 0);
    assert.equal(board.is_ads_only, false);
    assert.equal(typeof board.created_at, 'string');
    assert.equal(typeof board.board_pins_modified_at, 'string');
    assert.deepEqual(await getBoard(me.client, board.id), board);
  });

  test('an ads-only board is PROTECTED and named "Ad-only Pins"; its privacy cannot be changed', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client, { is_ads_only: true, privacy: 'PUBLIC' });
    assert.equal(board.privacy, 'PROTECTED');
    assert.equal(board.is_ads_only, true);
    // Pinterest: "If you create an ad-only board by setting is_ads_only to true, the
    // board name automatically becomes 'Ad-only Pins'" (Board.name in the spec).
    assert.equal(board.name, 'Ad-only Pins');
    assertError(await me.client.patch(`/boards/${board.id}`, { privacy: 'PUBLIC' }), 400, 1, 'privacy');
    assert.equal((await getBoard(me.client, board.id)).privacy, 'PROTECTED');
    // A protected board is its owner's alone.
    const other = await newUser(s);
    assertError(await other.client.get(`/boards/${board.id}`), 404, 40);
    // Every ads-only board has that fixed name, so a second one is not a name clash.
    const second = await createBoard(me.client, { is_ads_only: true });
    assert.equal(second.name, 'Ad-only Pins');
    assert.notEqual(second.id, board.id);
  });

  test('400 naming the field: name missing, empty or over 180, description over 500, unknown privacy', async () => {
    const s = server();
    const me = await newUser(s);
    assertError(await me.client.post('/boards', { description: 'no name' }), 400, 1, 'name');
    assertError(await me.client.post('/boards', { name: '' }), 400, 1, 'name');
    assertError(await me.client.post('/boards', { name: 'n'.repeat(181) }), 400, 1, 'name');
    assertError(await me.client.post('/boards', { name: 42 }), 400, 1, 'name');
    assertError(await me.client.post('/boards', { name: unique('b'), description: 'd'.repeat(501) }), 400, 1, 'description');
    assertError(await me.client.post('/boards', { name: unique('b'), privacy: 'HIDDEN' }), 400, 1, 'privacy');
    // The limits themselves are allowed.
    const long = await createBoard(me.client, { name: `${unique('b')}_`.padEnd(180, 'n'), description: 'd'.repeat(500) });
    assert.equal(long.name.length, 180);
    assert.equal(long.description.length, 500);
    // None of the refused boards exist.
    assert.deepEqual(ids(await walk(me.client, '/boards')), [long.id]);
  });

  test('400 on a malformed JSON body', async () => {
    const s = server();
    const me = await newUser(s);
    const response = await me.client.request('POST', '/boards', { rawBody: '{"name": "unterminated' });
    assertError(response, 400, 1);
    assert.match(response.body.message, /JSON/);
    assert.deepEqual(await walk(me.client, '/boards'), []);
  });

  test('400 code 58 for a second board with the same name', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    assertError(await me.client.post('/boards', { name: board.name }), 400, 58);
    // Another user may use the name.
    const other = await newUser(s);
    await createBoard(other.client, { name: board.name });
  });

  test('401 code 3 with only boards:read', async () => {
    const s = server();
    const me = await newUser(s, ['boards:read']);
    assertError(await me.client.post('/boards', { name: unique('b') }), 401, 3);
  });

  test('a SECRET board needs boards:write_secret (401 code 3 without it)', async () => {
    const s = server();
    const me = await newUser(s, NO_SECRET);
    assertError(await me.client.post('/boards', { name: unique('b'), privacy: 'SECRET' }), 401, 3);
    assert.deepEqual(await walk(me.client, '/boards'), []);
    const withSecret = await tokenFor(s, me.username, [...NO_SECRET, 'boards:write_secret', 'boards:read_secret']);
    const board = await createBoard(withSecret, { privacy: 'SECRET' });
    assert.equal(board.privacy, 'SECRET');
  });
});

describe('GET /boards', () => {
  test('lists the boards the user owns, newest first, never other users\' boards', async () => {
    const s = server();
    const me = await newUser(s);
    const other = await newUser(s);
    const first = await createBoard(me.client);
    const second = await createBoard(me.client);
    await createBoard(other.client);
    const response = await me.client.get('/boards');
    assert.equal(response.status, 200);
    assert.deepEqual(ids(response.body.items), [second.id, first.id]);
    assert.equal(response.body.bookmark, null);
  });

  test('page_size defaults to 25; the last page has a null bookmark', async () => {
    const s = server();
    const me = await newUser(s);
    const made: string[] = [];
    for (let i = 0; i < 27; i++) made.push((await createBoard(me.client)).id);
    const page1 = await me.client.get('/boards');
    assert.equal(page1.status, 200);
    assert.equal(page1.body.items.length, 25);
    assert.equal(typeof page1.body.bookmark, 'string');
    const page2 = await me.client.get('/boards', { query: { bookmark: page1.body.bookmark } });
    assert.equal(page2.status, 200);
    assert.equal(page2.body.items.length, 2);
    assert.equal(page2.body.bookmark, null);
    assert.deepEqual([...ids(page1.body.items), ...ids(page2.body.items)], made.reverse());
    // An exact fit: the page that holds the last item says so.
    const exact = await me.client.get('/boards', { query: { page_size: 27 } });
    assert.equal(exact.body.items.length, 27);
    assert.equal(exact.body.bookmark, null);
  });

  test('400 naming page_size for 0, 251 and abc; 400 naming bookmark for a tampered one', async () => {
    const s = server();
    const me = await newUser(s);
    await createBoard(me.client);
    await createBoard(me.client);
    for (const page_size of [0, 251, 'abc', -1, 2.5]) {
      assertError(await me.client.get('/boards', { query: { page_size } }), 400, 1, 'page_size');
    }
    const page = await me.client.get('/boards', { query: { page_size: 1 } });
    assert.equal(typeof page.body.bookmark, 'string');
    assertError(await me.client.get('/boards', { query: { page_size: 1, bookmark: flip(page.body.bookmark) } }), 400, 1, 'bookmark');
    assertError(await me.client.get('/boards', { query: { bookmark: 'not a bookmark' } }), 400, 1, 'bookmark');
    // Another user's bookmark is not a bookmark of this user's list.
    const other = await newUser(s);
    assertError(await other.client.get('/boards', { query: { bookmark: page.body.bookmark } }), 400, 1, 'bookmark');
    assertError(await me.client.get('/boards', { query: { privacy: 'HIDDEN' } }), 400, 1, 'privacy');
  });

  test('the privacy filter', async () => {
    const s = server();
    const me = await newUser(s);
    const open = await createBoard(me.client);
    const secret = await createBoard(me.client, { privacy: 'SECRET' });
    const adsOnly = await createBoard(me.client, { is_ads_only: true });
    const list = async (privacy?: string) => ids(await walk(me.client, '/boards', { privacy }));
    assert.deepEqual(await list(), [adsOnly.id, secret.id, open.id]);
    assert.deepEqual(await list('ALL'), [adsOnly.id, secret.id, open.id]);
    assert.deepEqual(await list('PUBLIC'), [open.id]);
    assert.deepEqual(await list('SECRET'), [secret.id]);
    assert.deepEqual(await list('PROTECTED'), [adsOnly.id]);
    assert.deepEqual(await list('PUBLIC_AND_SECRET'), [secret.id, open.id]);
  });
});

describe('secret boards', () => {
  test('404 and unlisted without boards:read_secret, visible with it, never to another user', async () => {
    const s = server();
    const me = await newUser(s);
    const secret = await createBoard(me.client, { privacy: 'SECRET' });
    const open = await createBoard(me.client);
    await createPin(me.client, secret.id);
    const section = await createSection(me.client, secret.id);

    // The owner, with boards:read_secret: the board is there.
    assert.equal((await getBoard(me.client, secret.id)).privacy, 'SECRET');
    assert.deepEqual(ids(await walk(me.client, '/boards')), [open.id, secret.id]);

    // The owner, without boards:read_secret: the board does not exist.
    const blind = await tokenFor(s, me.username, NO_SECRET);
    assertError(await blind.get(`/boards/${secret.id}`), 404, 40);
    assertError(await blind.get(`/boards/${secret.id}/pins`), 404, 40);
    assertError(await blind.get(`/boards/${secret.id}/sections`), 404, 40);
    assertError(await blind.get(`/boards/${secret.id}/sections/${section.id}/pins`), 404, 40);
    assertError(await blind.patch(`/boards/${secret.id}`, { description: 'x' }), 404, 40);
    assertError(await blind.delete(`/boards/${secret.id}`), 404, 40);
    assert.deepEqual(ids(await walk(blind, '/boards')), [open.id]);
    assert.deepEqual(await walk(blind, '/boards', { privacy: 'SECRET' }), []);

    // Another user, with every scope: never.
    const other = await newUser(s);
    assertError(await other.client.get(`/boards/${secret.id}`), 404, 40);
    assertError(await other.client.get(`/boards/${secret.id}/pins`), 404, 40);
    assertError(await other.client.get(`/boards/${secret.id}/sections`), 404, 40);
    assertError(await other.client.post(`/boards/${secret.id}/sections`, { name: unique('s') }), 404, 40);
    assertError(await other.client.patch(`/boards/${secret.id}`, { name: unique('b') }), 404, 40);
    assertError(await other.client.delete(`/boards/${secret.id}`), 404, 40);
    await s.pinbox.admin.followBoard(other.username, secret.id);
    assert.deepEqual(await walk(other.client, '/user_account/following/boards'), []);

    // Still intact for its owner.
    const after = await getBoard(me.client, secret.id);
    assert.equal(after.name, secret.name);
    assert.equal(after.pin_count, 1);
  });
});

describe('GET /boards/{board_id}', () => {
  test('another user reads a public board; 404 code 40 for an unknown one; 400 for a non-numeric id', async () => {
    const s = server();
    const me = await newUser(s);
    const other = await newUser(s);
    const board = await createBoard(me.client);
    const seen = await getBoard(other.client, board.id);
    assert.equal(seen.id, board.id);
    assert.equal(seen.owner.username, me.username);
    assertError(await me.client.get(`/boards/${UNKNOWN_ID}`), 404, 40);
    assertError(await me.client.get('/boards/abc'), 400, 1, 'board_id');
    assertError(await me.client.get('/boards/12ab'), 400, 1, 'board_id');
  });

  test('the media cover and thumbnails come from the newest Pins', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    assert.equal(board.media.image_cover_url, null);
    assert.deepEqual(board.media.pin_thumbnail_urls, []);
    const older = await createPin(me.client, board.id, { media_source: await imageUrlSource('old') });
    const newer = await createPin(me.client, board.id, { media_source: await imageUrlSource('new') });
    const after = await getBoard(me.client, board.id);
    assert.equal(after.media.image_cover_url, newer.media.images['400x300'].url);
    assert.deepEqual(after.media.pin_thumbnail_urls, [newer.media.images['150x150'].url, older.media.images['150x150'].url]);
  });
});

describe('PATCH /boards/{board_id}', () => {
  test('changes only the fields given', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client, { description: 'original' });

    const renamed = await me.client.patch(`/boards/${board.id}`, { name: unique('renamed') });
    assert.equal(renamed.status, 200);
    assert.notEqual(renamed.body.name, board.name);
    assert.equal(renamed.body.description, 'original');
    assert.equal(renamed.body.privacy, 'PUBLIC');

    const described = await me.client.patch(`/boards/${board.id}`, { description: 'changed' });
    assert.equal(described.status, 200);
    assert.equal(described.body.name, renamed.body.name);
    assert.equal(described.body.description, 'changed');

    const secret = await me.client.patch(`/boards/${board.id}`, { privacy: 'SECRET' });
    assert.equal(secret.status, 200);
    assert.equal(secret.body.privacy, 'SECRET');
    assert.equal(secret.body.name, renamed.body.name);
    assert.equal(secret.body.description, 'changed');

    const nothing = await me.client.patch(`/boards/${board.id}`, {});
    assert.equal(nothing.status, 200);
    assert.deepEqual(nothing.body, secret.body);

    const cleared = await me.client.patch(`/boards/${board.id}`, { description: null });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.body.description, null);
    assert.equal(cleared.body.name, renamed.body.name);

    const read = await getBoard(me.client, board.id);
    assert.deepEqual(read, cleared.body);
    assert.equal(read.id, board.id);
    assert.equal(read.created_at, board.created_at);
  });

  test('400 naming the field; malformed JSON; non-numeric id', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client, { description: 'kept' });
    const path = `/boards/${board.id}`;
    assertError(await me.client.patch(path, { name: '' }), 400, 1, 'name');
    assertError(await me.client.patch(path, { name: 'n'.repeat(181) }), 400, 1, 'name');
    assertError(await me.client.patch(path, { description: 'd'.repeat(501) }), 400, 1, 'description');
    assertError(await me.client.patch(path, { privacy: 'HIDDEN' }), 400, 1, 'privacy');
    // Only PUBLIC and SECRET can be set (BoardUpdate): PROTECTED comes from is_ads_only.
    assertError(await me.client.patch(path, { privacy: 'PROTECTED' }), 400, 1, 'privacy');
    const malformed = await me.client.request('PATCH', path, { rawBody: '{"name":' });
    assertError(malformed, 400, 1);
    assert.match(malformed.body.message, /JSON/);
    assertError(await me.client.patch('/boards/abc', { name: unique('b') }), 400, 1, 'board_id');
    assertError(await me.client.patch(`/boards/${UNKNOWN_ID}`, { name: unique('b') }), 404, 40);
    // Renaming onto another of the user's boards.
    const other = await createBoard(me.client);
    assertError(await me.client.patch(path, { name: other.name }), 400, 58);
    const unchanged = await getBoard(me.client, board.id);
    assert.equal(unchanged.name, board.name);
    assert.equal(unchanged.description, 'kept');
  });

  test('403 code 29 for a user who is not a member of the public board', async () => {
    const s = server();
    const owner = await newUser(s);
    const stranger = await newUser(s);
    const board = await createBoard(owner.client);
    assertError(await stranger.client.patch(`/boards/${board.id}`, { name: unique('mine') }), 403, 29);
    assertError(await stranger.client.delete(`/boards/${board.id}`), 403, 29);
    assertError(await stranger.client.post(`/boards/${board.id}/sections`, { name: unique('s') }), 403, 29);
    // Nor may they add Pins to it.
    const pin = await stranger.client.post('/pins', {
      board_id: board.id,
      media_source: await imageUrlSource('x'),
    });
    assertError(pin, 403, 29);
    const after = await getBoard(owner.client, board.id);
    assert.equal(after.name, board.name);
    assert.equal(after.pin_count, 0);
  });

  test('changing privacy needs boards:write_secret', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const weak = await tokenFor(s, me.username, [...NO_SECRET, 'boards:read_secret']);
    assertError(await weak.patch(`/boards/${board.id}`, { privacy: 'SECRET' }), 401, 3);
    assert.equal((await getBoard(me.client, board.id)).privacy, 'PUBLIC');
    // Other fields of a public board need no secret scope.
    assert.equal((await weak.patch(`/boards/${board.id}`, { description: 'fine' })).status, 200);
  });
});

describe('DELETE /boards/{board_id}', () => {
  test('204 with an empty body; the board, its Pins and its sections are gone', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const keep = await createBoard(me.client);
    const section = await createSection(me.client, board.id);
    const loose = await createPin(me.client, board.id);
    const sectioned = await createPin(me.client, board.id, { board_section_id: section.id });
    const elsewhere = await createPin(me.client, keep.id);

    const response = await me.client.delete(`/boards/${board.id}`);
    assert.equal(response.status, 204);
    assert.equal(response.body, undefined);

    assertError(await me.client.get(`/boards/${board.id}`), 404, 40);
    assertError(await me.client.get(`/boards/${board.id}/pins`), 404, 40);
    assertError(await me.client.get(`/boards/${board.id}/sections`), 404, 40);
    assertError(await me.client.get(`/boards/${board.id}/sections/${section.id}/pins`), 404, 40);
    for (const pin of [loose, sectioned]) assertError(await me.client.get(`/pins/${pin.id}`), 404, 50);
    assert.equal((await me.client.get(`/pins/${elsewhere.id}`)).status, 200);
    assert.deepEqual(ids(await walk(me.client, '/boards')), [keep.id]);
    assert.deepEqual(ids(await walk(me.client, '/pins')), [elsewhere.id]);
    // A second delete finds nothing.
    assertError(await me.client.delete(`/boards/${board.id}`), 404, 40);
    // The name is free again.
    await createBoard(me.client, { name: board.name });
  });

  test('404 code 40 for an unknown board, 400 for a non-numeric id', async () => {
    const s = server();
    const me = await newUser(s);
    assertError(await me.client.delete(`/boards/${UNKNOWN_ID}`), 404, 40);
    assertError(await me.client.delete('/boards/abc'), 400, 1, 'board_id');
  });
});

describe('collaborators', () => {
  test('a collaborator sees the board, adds Pins and sections, but cannot rename or delete it', async () => {
    const s = server();
    const owner = await newUser(s);
    const collaborator = await newUser(s);
    const board = await createBoard(owner.client);
    await s.pinbox.admin.addCollaborator(board.id, collaborator.username);

    const shared = await getBoard(owner.client, board.id);
    assert.equal(shared.collaborator_count, 1);
    assert.equal(shared.owner.username, owner.username);
    const theirs = await walk(collaborator.client, '/boards');
    assert.deepEqual(ids(theirs), [board.id]);
    assert.equal(theirs[0].collaborator_count, 1);
    assert.equal(theirs[0].owner.username, owner.username);

    const pin = await createPin(collaborator.client, board.id);
    assert.equal(pin.board_id, board.id);
    assert.equal(pin.board_owner.username, owner.username);
    const section = await createSection(collaborator.client, board.id);
    const inSection = await createPin(collaborator.client, board.id, { board_section_id: section.id });
    assert.equal(inSection.board_section_id, section.id);

    assertError(await collaborator.client.patch(`/boards/${board.id}`, { name: unique('taken') }), 403, 29);
    assertError(await collaborator.client.patch(`/boards/${board.id}`, { description: 'mine now' }), 403, 29);
    assertError(await collaborator.client.delete(`/boards/${board.id}`), 403, 29);

    const after = await getBoard(owner.client, board.id);
    assert.equal(after.name, board.name);
    assert.equal(after.description, board.description);
    assert.equal(after.pin_count, 2);
    assert.deepEqual(ids(await walk(owner.client, `/boards/${board.id}/pins`)), [inSection.id, pin.id]);
    assert.deepEqual(ids(await walk(owner.client, `/boards/${board.id}/sections`)), [section.id]);

    // Adding the same collaborator again changes nothing.
    await s.pinbox.admin.addCollaborator(board.id, collaborator.username);
    assert.equal((await getBoard(owner.client, board.id)).collaborator_count, 1);
  });

  test('a collaborator on a secret board sees it with boards:read_secret only', async () => {
    const s = server();
    const owner = await newUser(s);
    const collaborator = await newUser(s);
    const board = await createBoard(owner.client, { privacy: 'SECRET' });
    await s.pinbox.admin.addCollaborator(board.id, collaborator.username);
    assert.equal((await getBoard(collaborator.client, board.id)).privacy, 'SECRET');
    assert.deepEqual(ids(await walk(collaborator.client, '/boards')), [board.id]);
    const blind = await tokenFor(s, collaborator.username, NO_SECRET);
    assertError(await blind.get(`/boards/${board.id}`), 404, 40);
    assert.deepEqual(await walk(blind, '/boards'), []);
    assertError(await collaborator.client.delete(`/boards/${board.id}`), 403, 29);
  });
});

describe('counts', () => {
  test('pin_count and board_pins_modified_at follow Pins created, moved and deleted', async () => {
    const s = server();
    const { clock } = s.pinbox;
    const me = await newUser(s);
    clock.freeze();
    try {
      const board = await createBoard(me.client);
      const other = await createBoard(me.client);
      assert.equal(board.board_pins_modified_at, pinterestTimestamp(clock.now()));
      const state = async (id: string) => {
        const b = await getBoard(me.client, id);
        return { pin_count: b.pin_count, modified: b.board_pins_modified_at };
      };

      clock.advance(60_000);
      const a = await createPin(me.client, board.id);
      const t1 = pinterestTimestamp(clock.now());
      assert.deepEqual(await state(board.id), { pin_count: 1, modified: t1 });

      clock.advance(60_000);
      const b = await createPin(me.client, board.id);
      const t2 = pinterestTimestamp(clock.now());
      assert.deepEqual(await state(board.id), { pin_count: 2, modified: t2 });

      // Editing a Pin's text is not a change to the board's Pins.
      clock.advance(60_000);
      assert.equal((await me.client.patch(`/pins/${a.id}`, { title: 'retitled' })).status, 200);
      assert.deepEqual(await state(board.id), { pin_count: 2, modified: t2 });

      clock.advance(60_000);
      const moved = await me.client.patch(`/pins/${b.id}`, { board_id: other.id });
      assert.equal(moved.status, 200);
      assert.equal(moved.body.board_id, other.id);
      const t3 = pinterestTimestamp(clock.now());
      assert.deepEqual(await state(board.id), { pin_count: 1, modified: t3 });
      assert.deepEqual(await state(other.id), { pin_count: 1, modified: t3 });
      assert.deepEqual(ids(await walk(me.client, `/boards/${board.id}/pins`)), [a.id]);
      assert.deepEqual(ids(await walk(me.client, `/boards/${other.id}/pins`)), [b.id]);

      clock.advance(60_000);
      const deleted = await me.client.delete(`/pins/${a.id}`);
      assert.equal(deleted.status, 204);
      const t4 = pinterestTimestamp(clock.now());
      assert.deepEqual(await state(board.id), { pin_count: 0, modified: t4 });
      assert.deepEqual(await state(other.id), { pin_count: 1, modified: t3 });
      assert.deepEqual(await walk(me.client, `/boards/${board.id}/pins`), []);

      // The board list shows the same counts.
      const listed = await walk(me.client, '/boards');
      assert.deepEqual(
        listed.map((x) => [x.id, x.pin_count]),
        [
          [other.id, 1],
          [board.id, 0],
        ],
      );
    } finally {
      clock.unfreeze();
    }
  });

  test('follower_count counts the users who follow the board', async () => {
    const s = server();
    const owner = await newUser(s);
    const board = await createBoard(owner.client);
    const fans = [await newUser(s), await newUser(s)];
    for (const fan of fans) await s.pinbox.admin.followBoard(fan.username, board.id);
    assert.equal((await getBoard(owner.client, board.id)).follower_count, 2);
    // Following again is still one follow.
    await s.pinbox.admin.followBoard(fans[0].username, board.id);
    assert.equal((await getBoard(owner.client, board.id)).follower_count, 2);
    assert.equal((await walk(owner.client, '/boards'))[0].follower_count, 2);
  });
});

describe('GET /boards/{board_id}/pins', () => {
  test('lists every Pin on the board, those in sections included, newest first', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const elsewhere = await createBoard(me.client);
    const section = await createSection(me.client, board.id);
    const loose = await createPin(me.client, board.id);
    const sectioned = await createPin(me.client, board.id, { board_section_id: section.id });
    await createPin(me.client, elsewhere.id);
    const response = await me.client.get(`/boards/${board.id}/pins`);
    assert.equal(response.status, 200);
    assert.deepEqual(ids(response.body.items), [sectioned.id, loose.id]);
    assert.equal(response.body.bookmark, null);
    assert.equal(response.body.items[0].board_section_id, section.id);
    assert.equal(response.body.items[1].board_section_id, null);
    for (const item of response.body.items) assert.equal(item.board_id, board.id);
    // Another user reads the Pins of a public board too.
    const other = await newUser(s);
    assert.deepEqual(ids(await walk(other.client, `/boards/${board.id}/pins`)), [sectioned.id, loose.id]);
  });

  test('creative_types filters the Pins; an unknown type is 400 naming creative_types', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const image = await createPin(me.client, board.id);
    const carousel = await createPin(me.client, board.id, {
      media_source: {
        source_type: 'multiple_image_urls',
        items: [{ url: await hostedImageUrl('1') }, { url: await hostedImageUrl('2') }],
      },
    });
    const path = `/boards/${board.id}/pins`;
    assert.deepEqual(ids(await walk(me.client, path)), [carousel.id, image.id]);
    assert.deepEqual(ids(await walk(me.client, path, { creative_types: 'REGULAR' })), [image.id]);
    assert.deepEqual(ids(await walk(me.client, path, { creative_types: 'CAROUSEL' })), [carousel.id]);
    assert.deepEqual(ids(await walk(me.client, path, { creative_types: 'VIDEO' })), []);
    assertError(await me.client.get(path, { query: { creative_types: 'NOT_A_TYPE' } }), 400, 1, 'creative_types');
  });

  test('404 code 40 for an unknown board; 400 for a non-numeric id and a bad page_size', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    assertError(await me.client.get(`/boards/${UNKNOWN_ID}/pins`), 404, 40);
    assertError(await me.client.get('/boards/abc/pins'), 400, 1, 'board_id');
    for (const page_size of [0, 251, 'abc']) {
      assertError(await me.client.get(`/boards/${board.id}/pins`, { query: { page_size } }), 400, 1, 'page_size');
    }
  });

  test('page_size: default 25, at most 250; the last page has a null bookmark', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const pins = await createPins(me.client, board.id, 252);
    const newestFirst = ids(pins).reverse();

    const first = await me.client.get(`/boards/${board.id}/pins`);
    assert.equal(first.body.items.length, 25);
    assert.deepEqual(ids(first.body.items), newestFirst.slice(0, 25));
    assert.equal(typeof first.body.bookmark, 'string');

    const big = await me.client.get(`/boards/${board.id}/pins`, { query: { page_size: 250 } });
    assert.equal(big.status, 200);
    assert.equal(big.body.items.length, 250);
    assert.deepEqual(ids(big.body.items), newestFirst.slice(0, 250));
    const rest = await me.client.get(`/boards/${board.id}/pins`, { query: { page_size: 250, bookmark: big.body.bookmark } });
    assert.deepEqual(ids(rest.body.items), newestFirst.slice(250));
    assert.equal(rest.body.bookmark, null);

    assertError(await me.client.get(`/boards/${board.id}/pins`, { query: { page_size: 251 } }), 400, 1, 'page_size');
    assert.equal((await getBoard(me.client, board.id)).pin_count, 252);
  });

  test('a tampered bookmark, or one from another board\'s list, is 400 naming bookmark', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const other = await createBoard(me.client);
    await createPins(me.client, board.id, 3);
    await createPins(me.client, other.id, 3);
    const page = await me.client.get(`/boards/${board.id}/pins`, { query: { page_size: 1 } });
    const bookmark: string = page.body.bookmark;
    assert.equal(typeof bookmark, 'string');
    // The genuine bookmark works.
    assert.equal((await me.client.get(`/boards/${board.id}/pins`, { query: { page_size: 1, bookmark } })).status, 200);
    assertError(await me.client.get(`/boards/${board.id}/pins`, { query: { page_size: 1, bookmark: flip(bookmark) } }), 400, 1, 'bookmark');
    assertError(await me.client.get(`/boards/${other.id}/pins`, { query: { page_size: 1, bookmark } }), 400, 1, 'bookmark');
    // Nor is a board list's bookmark a bookmark of its Pins.
    assertError(await me.client.get(`/boards/${board.id}/sections`, { query: { bookmark } }), 400, 1, 'bookmark');
  });

  test('a walk with page_size 7 neither repeats nor skips a Pin while others are added and deleted', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const initial = ids(await createPins(me.client, board.id, 40));
    const deleted = new Set<string>();
    const seen: string[] = [];
    let bookmark: string | undefined;
    let pages = 0;
    const remaining = () => initial.filter((id) => !deleted.has(id) && !seen.includes(id));
    const seenAndAlive = () => seen.filter((id) => !deleted.has(id));
    for (;;) {
      const response = await me.client.get(`/boards/${board.id}/pins`, { query: { page_size: 7, bookmark } });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.ok(response.body.items.length <= 7);
      for (const id of ids(response.body.items)) assert.ok(!deleted.has(id), `deleted Pin ${id} was served`);
      seen.push(...ids(response.body.items));
      pages += 1;
      if (!response.body.bookmark) break;
      bookmark = response.body.bookmark;
      // Between pages: two new Pins; delete the next Pin not yet served, the Pin the
      // bookmark points at (the last one served) and an earlier served one.
      await createPin(me.client, board.id);
      await createPin(me.client, board.id);
      const alive = seenAndAlive();
      for (const victim of [remaining().at(-1), alive.at(-1), alive[0]]) {
        if (!victim) continue;
        assert.equal((await me.client.delete(`/pins/${victim}`)).status, 204);
        deleted.add(victim);
      }
    }
    assert.ok(pages >= 4, `only ${pages} pages`);
    assert.equal(new Set(seen).size, seen.length, 'a Pin was served twice');
    const throughout = initial.filter((id) => !deleted.has(id));
    for (const id of throughout) assert.ok(seen.includes(id), `Pin ${id}, present throughout, was skipped`);
    assert.ok(deleted.size > 0);
  });
});

describe('board sections', () => {
  test('create, list in order, rename, delete', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const salads = await me.client.post(`/boards/${board.id}/sections`, { name: 'Salads' });
    assert.equal(salads.status, 201);
    assert.match(salads.body.id, /^\d+$/);
    assert.equal(salads.body.name, 'Salads');
    const soups = await createSection(me.client, board.id, 'Soups');

    const list = await me.client.get(`/boards/${board.id}/sections`);
    assert.equal(list.status, 200);
    assert.deepEqual(list.body, { items: [salads.body, soups], bookmark: null });

    const renamed = await me.client.patch(`/boards/${board.id}/sections/${soups.id}`, { name: 'Stews' });
    assert.equal(renamed.status, 200);
    assert.deepEqual(renamed.body, { id: soups.id, name: 'Stews' });
    // Renaming a section to its own name is no conflict.
    assert.equal((await me.client.patch(`/boards/${board.id}/sections/${soups.id}`, { name: 'Stews' })).status, 200);

    const removed = await me.client.delete(`/boards/${board.id}/sections/${salads.body.id}`);
    assert.equal(removed.status, 204);
    assert.equal(removed.body, undefined);
    assert.deepEqual(await walk(me.client, `/boards/${board.id}/sections`), [{ id: soups.id, name: 'Stews' }]);
    assertError(await me.client.delete(`/boards/${board.id}/sections/${salads.body.id}`), 404, 2031);
    // Another user may read the sections of a public board.
    const other = await newUser(s);
    assert.deepEqual(ids(await walk(other.client, `/boards/${board.id}/sections`)), [soups.id]);
    // The name is free again.
    await createSection(me.client, board.id, 'Salads');
  });

  test('pagination of sections', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const made: string[] = [];
    for (let i = 0; i < 9; i++) made.push((await createSection(me.client, board.id)).id);
    const page = await me.client.get(`/boards/${board.id}/sections`, { query: { page_size: 4 } });
    assert.equal(page.body.items.length, 4);
    assert.equal(typeof page.body.bookmark, 'string');
    assert.deepEqual(ids(await walk(me.client, `/boards/${board.id}/sections`, { page_size: 4 })), made);
    assertError(await me.client.get(`/boards/${board.id}/sections`, { query: { bookmark: flip(page.body.bookmark) } }), 400, 1, 'bookmark');
    for (const page_size of [0, 251, 'abc']) {
      assertError(await me.client.get(`/boards/${board.id}/sections`, { query: { page_size } }), 400, 1, 'page_size');
    }
  });

  test('409 for a name the board already has, on create and on rename', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const first = await createSection(me.client, board.id, 'Desserts');
    const second = await createSection(me.client, board.id, 'Drinks');
    const dup = await me.client.post(`/boards/${board.id}/sections`, { name: 'Desserts' });
    assert.equal(dup.status, 409);
    assert.equal(dup.body.code, 409);
    const clash = await me.client.patch(`/boards/${board.id}/sections/${second.id}`, { name: 'Desserts' });
    assert.equal(clash.status, 409);
    assert.equal(clash.body.code, 409);
    assert.deepEqual(await walk(me.client, `/boards/${board.id}/sections`), [first, second]);
    // Another board may have a section of that name.
    const other = await createBoard(me.client);
    await createSection(me.client, other.id, 'Desserts');
  });

  test('400 naming name; malformed JSON; non-numeric ids', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const section = await createSection(me.client, board.id);
    const base = `/boards/${board.id}/sections`;
    assertError(await me.client.post(base, {}), 400, 1, 'name');
    assertError(await me.client.post(base, { name: '' }), 400, 1, 'name');
    assertError(await me.client.post(base, { name: 's'.repeat(181) }), 400, 1, 'name');
    assert.equal((await me.client.post(base, { name: 's'.repeat(180) })).status, 201);
    assertError(await me.client.patch(`${base}/${section.id}`, {}), 400, 1, 'name');
    assertError(await me.client.patch(`${base}/${section.id}`, { name: 's'.repeat(181) }), 400, 1, 'name');
    const malformed = await me.client.request('POST', base, { rawBody: '{name: nope}' });
    assertError(malformed, 400, 1);
    assert.match(malformed.body.message, /JSON/);
    assertError(await me.client.get('/boards/abc/sections'), 400, 1, 'board_id');
    assertError(await me.client.patch(`${base}/abc`, { name: unique('s') }), 400, 1, 'section_id');
    assertError(await me.client.delete(`${base}/abc`), 400, 1, 'section_id');
    assertError(await me.client.get(`${base}/abc/pins`), 400, 1, 'section_id');
    assert.deepEqual((await walk(me.client, base)).length, 2);
  });

  test('404 code 40 for an unknown board, 404 code 2031 for an unknown section or one of another board', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const other = await createBoard(me.client);
    const foreign = await createSection(me.client, other.id);
    assertError(await me.client.get(`/boards/${UNKNOWN_ID}/sections`), 404, 40);
    assertError(await me.client.post(`/boards/${UNKNOWN_ID}/sections`, { name: unique('s') }), 404, 40);
    assertError(await me.client.patch(`/boards/${UNKNOWN_ID}/sections/${foreign.id}`, { name: unique('s') }), 404, 40);
    assertError(await me.client.delete(`/boards/${UNKNOWN_ID}/sections/${foreign.id}`), 404, 40);
    assertError(await me.client.get(`/boards/${UNKNOWN_ID}/sections/${foreign.id}/pins`), 404, 40);
    for (const sectionId of [UNKNOWN_ID, foreign.id]) {
      const path = `/boards/${board.id}/sections/${sectionId}`;
      assertError(await me.client.patch(path, { name: unique('s') }), 404, 2031);
      assertError(await me.client.delete(path), 404, 2031);
      assertError(await me.client.get(`${path}/pins`), 404, 2031);
    }
    // The section of the other board is untouched.
    assert.deepEqual(await walk(me.client, `/boards/${other.id}/sections`), [foreign]);
  });

  test('403 code 29 for a non-member renaming or deleting a section of a public board', async () => {
    const s = server();
    const owner = await newUser(s);
    const stranger = await newUser(s);
    const board = await createBoard(owner.client);
    const section = await createSection(owner.client, board.id);
    assertError(await stranger.client.patch(`/boards/${board.id}/sections/${section.id}`, { name: unique('s') }), 403, 29);
    assertError(await stranger.client.delete(`/boards/${board.id}/sections/${section.id}`), 403, 29);
    assert.deepEqual(await walk(owner.client, `/boards/${board.id}/sections`), [section]);
    // Reading is allowed.
    assert.equal((await stranger.client.get(`/boards/${board.id}/sections/${section.id}/pins`)).status, 200);
  });

  test('GET .../sections/{section_id}/pins lists only that section\'s Pins, newest first', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const a = await createSection(me.client, board.id);
    const b = await createSection(me.client, board.id);
    const inA = await createPins(me.client, board.id, 5, { board_section_id: a.id });
    const inB = await createPin(me.client, board.id, { board_section_id: b.id });
    await createPin(me.client, board.id);
    const response = await me.client.get(`/boards/${board.id}/sections/${a.id}/pins`);
    assert.equal(response.status, 200);
    assert.deepEqual(ids(response.body.items), ids(inA).reverse());
    assert.equal(response.body.bookmark, null);
    for (const item of response.body.items) assert.equal(item.board_section_id, a.id);
    assert.deepEqual(ids(await walk(me.client, `/boards/${board.id}/sections/${a.id}/pins`, { page_size: 2 })), ids(inA).reverse());
    assert.deepEqual(ids(await walk(me.client, `/boards/${board.id}/sections/${b.id}/pins`)), [inB.id]);
    // Moving a Pin between sections moves it between the lists.
    const moved = await me.client.patch(`/pins/${inB.id}`, { board_section_id: a.id });
    assert.equal(moved.status, 200);
    assert.equal(moved.body.board_section_id, a.id);
    assert.deepEqual(await walk(me.client, `/boards/${board.id}/sections/${b.id}/pins`), []);
    assert.deepEqual(ids(await walk(me.client, `/boards/${board.id}/sections/${a.id}/pins`)), [inB.id, ...ids(inA).reverse()]);
    // Bookmarks are per section.
    const page = await me.client.get(`/boards/${board.id}/sections/${a.id}/pins`, { query: { page_size: 1 } });
    assertError(await me.client.get(`/boards/${board.id}/sections/${b.id}/pins`, { query: { bookmark: page.body.bookmark } }), 400, 1, 'bookmark');
    assertError(await me.client.get(`/boards/${board.id}/sections/${a.id}/pins`, { query: { bookmark: flip(page.body.bookmark) } }), 400, 1, 'bookmark');
    for (const page_size of [0, 251, 'abc']) {
      assertError(await me.client.get(`/boards/${board.id}/sections/${a.id}/pins`, { query: { page_size } }), 400, 1, 'page_size');
    }
  });

  test('deleting a section keeps its Pins on the board, outside any section', async () => {
    const s = server();
    const me = await newUser(s);
    const board = await createBoard(me.client);
    const section = await createSection(me.client, board.id);
    const other = await createSection(me.client, board.id);
    const inside = await createPins(me.client, board.id, 3, { board_section_id: section.id });
    const inOther = await createPin(me.client, board.id, { board_section_id: other.id });
    const before = await getBoard(me.client, board.id);
    assert.equal(before.pin_count, 4);

    assert.equal((await me.client.delete(`/boards/${board.id}/sections/${section.id}`)).status, 204);

    for (const pin of inside) {
      const read = await me.client.get(`/pins/${pin.id}`);
      assert.equal(read.status, 200);
      assert.equal(read.body.board_id, board.id);
      assert.equal(read.body.board_section_id, null);
    }
    const listed = await walk(me.client, `/boards/${board.id}/pins`);
    assert.deepEqual(ids(listed), [inOther.id, ...ids(inside).reverse()]);
    assert.equal(listed[0].board_section_id, other.id);
    assert.equal((await getBoard(me.client, board.id)).pin_count, 4);
    assertError(await me.client.get(`/boards/${board.id}/sections/${section.id}/pins`), 404, 2031);
    assert.deepEqual(ids(await walk(me.client, `/boards/${board.id}/sections/${other.id}/pins`)), [inOther.id]);
  });
});

describe('GET /user_account/following/boards', () => {
  test('lists the public boards the user follows, paged', async () => {
    const s = server();
    const me = await newUser(s);
    const bob = await newUser(s);
    const followed = [await createBoard(bob.client), await createBoard(bob.client), await createBoard(bob.client)];
    await createBoard(bob.client); // not followed
    await createBoard(me.client); // own board, not followed
    assert.deepEqual(await walk(me.client, '/user_account/following/boards'), []);
    for (const board of followed) await s.pinbox.admin.followBoard(me.username, board.id);

    const all = await walk(me.client, '/user_account/following/boards');
    assert.deepEqual(new Set(ids(all)), new Set(ids(followed)));
    assert.equal(all.length, 3);
    for (const board of all) {
      assert.equal(board.owner.username, bob.username);
      assert.equal(board.follower_count, 1);
    }

    const page1 = await me.client.get('/user_account/following/boards', { query: { page_size: 2 } });
    assert.equal(page1.status, 200);
    assert.equal(page1.body.items.length, 2);
    assert.equal(typeof page1.body.bookmark, 'string');
    const page2 = await me.client.get('/user_account/following/boards', { query: { page_size: 2, bookmark: page1.body.bookmark } });
    assert.equal(page2.body.items.length, 1);
    assert.equal(page2.body.bookmark, null);
    assert.deepEqual([...ids(page1.body.items), ...ids(page2.body.items)], ids(all));

    assertError(await me.client.get('/user_account/following/boards', { query: { bookmark: flip(page1.body.bookmark) } }), 400, 1, 'bookmark');
    for (const page_size of [0, 251, 'abc']) {
      assertError(await me.client.get('/user_account/following/boards', { query: { page_size } }), 400, 1, 'page_size');
    }
    // A deleted board is no longer followed.
    assert.equal((await bob.client.delete(`/boards/${followed[0].id}`)).status, 204);
    assert.deepEqual(new Set(ids(await walk(me.client, '/user_account/following/boards'))), new Set(ids(followed.slice(1))));
  });
});
