/**
 * Snapshots: a populated pinbox exported and imported into a fresh one answers
 * every read the same, images included; importing into a running pinbox puts its
 * state back; older snapshots come up through the migrations, newer and broken
 * ones are refused and change nothing.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { startPinbox } from '../index.js';
import { Client, createBoard, createPin, newUser, unique, useServer, walk, type TestServer } from '../../test/harness.js';
import { ControlClient } from '../../test/control.js';

const source = useServer();
const target = useServer();
/** The tables migrations 1 to 3 made (a shipped migration never changes). */
const V3_TABLES = [
  'meta', 'users', 'apps', 'tokens', 'boards', 'board_collaborators', 'board_follows', 'board_sections', 'pins', 'blobs',
  'user_follows', 'interests', 'user_interests', 'linked_businesses', 'app_redirect_uris', 'authorization_codes', 'web_sessions',
];
const controlOf = (s: TestServer) => new ControlClient(s.pinbox.url, s.pinbox.adminKey);

/** Every read a client makes of this state, with the server's own origin taken out of URLs. */
async function answers(baseUrl: string, token: string, paths: string[]): Promise<string[]> {
  const client = new Client(baseUrl, token);
  const out = [];
  for (const path of paths) {
    const response = await client.get(path, { query: path.includes('?') ? undefined : {} });
    out.push(`${path} ${response.status} ${JSON.stringify(response.body).replaceAll(baseUrl, '')}`);
  }
  return out;
}

async function imageBytes(baseUrl: string, pin: { media: { images: Record<string, { url: string }> } }): Promise<string[]> {
  const out = [];
  for (const [size, image] of Object.entries(pin.media.images)) {
    const response = await fetch(`${baseUrl}${new URL(image.url).pathname}`);
    assert.equal(response.status, 200, `${size} is served`);
    out.push(`${size} ${Buffer.from(await response.arrayBuffer()).toString('base64')}`);
  }
  return out;
}

/** A calendar day (UTC) some days back, as the analytics routes take it. */
function daysAgo(days: number): string {
  return new Date(Date.now() - days * 86_400_000).toISOString().slice(0, 10);
}

test('export, import into a fresh pinbox: identical answers for every read, blobs included', async () => {
  const a = source();
  const b = target();
  const alice = await newUser(a);
  const boards = [];
  for (let i = 0; i < 27; i++) boards.push(await createBoard(alice.client, { name: unique('snap') }));
  const section = (await alice.client.post(`/boards/${boards[0].id}/sections`, { name: 'greens' })).body;
  const pin = await createPin(alice.client, boards[0].id, { board_section_id: section.id, media_source: { source_type: 'image_url', url: await (await import('../../test/images.js')).hostedImageUrl('snapshot') } });
  const saved = await a.api.post(`/pins/${pin.id}/save`, { board_id: (await createBoard(a.api)).id });
  assert.equal(saved.status, 201);
  await a.pinbox.admin.followUser(a.pinbox.identity.user.username, alice.username);
  const upload = (await alice.client.post('/media', { media_type: 'video' })).body;

  const snapshot = await controlOf(a).ok('GET', '/snapshot');
  assert.equal(snapshot.format, 'pinbox-snapshot');
  assert.ok(Object.keys(snapshot.blobs).length >= 5, 'every size of the picture is in the snapshot');
  assert.ok(snapshot.tables.pins.rows.length === 2);
  const restored = await controlOf(b).ok('PUT', '/snapshot', snapshot);
  assert.equal(restored.blobs, Object.keys(snapshot.blobs).length);

  const page = (await alice.client.get('/boards')).body;
  assert.ok(page.bookmark, 'the list has a second page');
  const paths = [
    '/user_account',
    '/boards',
    `/boards?bookmark=${encodeURIComponent(page.bookmark)}`,
    `/boards/${boards[0].id}`,
    `/boards/${boards[0].id}/sections`,
    `/boards/${boards[0].id}/sections/${section.id}/pins`,
    `/boards/${boards[0].id}/pins`,
    `/pins/${pin.id}`,
    '/pins',
    `/search/pins?query=${encodeURIComponent(pin.title)}`,
    '/search/boards?query=snap',
    `/pins/${pin.id}/analytics?start_date=${daysAgo(30)}&end_date=${daysAgo(0)}&metric_types=IMPRESSION,SAVE`,
    `/user_account/analytics?start_date=${daysAgo(30)}&end_date=${daysAgo(0)}`,
    '/media',
    `/media/${upload.media_id}`,
  ];
  const devPaths = ['/user_account', '/boards', `/pins/${saved.body.id}`, '/user_account/following'];
  assert.deepEqual(await answers(b.pinbox.url, alice.client.token!, paths), await answers(a.pinbox.url, alice.client.token!, paths));
  assert.deepEqual(await answers(b.pinbox.url, a.pinbox.token, devPaths), await answers(a.pinbox.url, a.pinbox.token, devPaths));
  assert.deepEqual(await imageBytes(b.pinbox.url, pin), await imageBytes(a.pinbox.url, pin));
  // b's own printed token now acts for the dev user of the snapshot.
  assert.equal((await b.api.get('/user_account')).body.username, a.pinbox.identity.user.username);
  // A second snapshot of b holds the same rows (plus b's token) and the same blobs.
  const again = await b.pinbox.snapshot();
  assert.deepEqual(again.blobs, snapshot.blobs);
  assert.deepEqual(again.tables.boards, snapshot.tables.boards);
  assert.deepEqual(again.tables.pins, snapshot.tables.pins);
});

test('import into a running pinbox puts its earlier state back, and drops blobs the snapshot lacks', async () => {
  const s = source();
  const user = await newUser(s);
  const board = await createBoard(user.client);
  const before = await s.pinbox.snapshot();
  const later = await createPin(user.client, board.id, { media_source: await (await import('../../test/images.js')).imageUrlSource('added later') });
  await user.client.delete(`/boards/${board.id}`);
  await s.pinbox.restore(before);
  assert.deepEqual((await walk(user.client, '/boards')).map((b) => b.id), [board.id]);
  assert.equal((await user.client.get(`/pins/${later.id}`)).status, 404);
  const url = new URL(later.media.images['150x150'].url);
  assert.equal((await fetch(`${s.pinbox.url}${url.pathname}`)).status, 404, 'the later picture is gone');
  assert.deepEqual((await s.pinbox.snapshot()).blobs, before.blobs);
});

test('an older snapshot comes up through the migrations; newer, foreign and broken ones are refused and change nothing', async () => {
  const s = target();
  const user = await newUser(s);
  const board = await createBoard(user.client);
  const current = await s.pinbox.snapshot();
  const c = controlOf(s);

  // A snapshot of schema version 3 (its tables only: no images, nor anything later) loads and is migrated.
  const v3tables = Object.fromEntries(Object.entries(current.tables).filter(([name]) => V3_TABLES.includes(name)));
  const v3 = { ...current, schemaVersion: 3, tables: v3tables };
  const older = await c.ok('PUT', '/snapshot', v3);
  assert.equal(older.schemaVersion, 3);
  assert.equal((await user.client.get(`/boards/${board.id}`)).status, 200);

  const marker = await createBoard(user.client);
  const refusals: [unknown, RegExp][] = [
    [{ ...current, schemaVersion: current.schemaVersion + 1 }, /newer pinbox/],
    [{ ...current, format: 'something-else' }, /'format'/],
    [{ ...current, schemaVersion: 0 }, /'schemaVersion'/],
    [{ ...current, schemaVersion: 3 }, /'tables\.\w+' is not a table of schema version 3/],
    [{ ...current, tables: { ...current.tables, nonsense: { columns: [], rows: [] } } }, /'tables\.nonsense'/],
    [{ ...current, tables: { ...current.tables, boards: { ...current.tables.boards, columns: ['id', 'oops'] } } }, /'tables\.boards\.columns\[1\]'/],
    [{ ...current, tables: { ...current.tables, users: { ...current.tables.users, rows: [] } } }, /'tables\.\w+\.rows\[\d+\]' cannot be stored \(.*foreign key/i],
    [{ ...current, blobs: { 'images/x/../../etc': 'AAAA' } }, /'blobs\./],
  ];
  for (const [snapshot, message] of refusals) {
    const refused = await c.request('PUT', '/snapshot', snapshot);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.match(refused.body.message, message);
  }
  assert.equal((await user.client.get(`/boards/${marker.id}`)).status, 200, 'a refused snapshot changed nothing');
});

test('tables a later migration adds are walked too: a full-text table and triggers come back exactly, not derived twice', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-snapshot-fts-'));
  // What a search migration may add: an FTS5 table (with shadow tables) and triggers that fill it and a log.
  const DDL = `CREATE VIRTUAL TABLE pin_words USING fts5(title, tokenize = 'porter');
CREATE TABLE pin_log (seq INTEGER PRIMARY KEY, pin_id TEXT NOT NULL, kind TEXT NOT NULL);
CREATE TRIGGER pin_words_add AFTER INSERT ON pins BEGIN INSERT INTO pin_words (rowid, title) VALUES (CAST(new.id AS INTEGER), new.title); INSERT INTO pin_log (pin_id, kind) VALUES (new.id, 'add'); END;
CREATE TRIGGER pin_words_remove AFTER DELETE ON pins BEGIN DELETE FROM pin_words WHERE rowid = CAST(old.id AS INTEGER); INSERT INTO pin_log (pin_id, kind) VALUES (old.id, 'remove'); END;`;
  const open = async (name: string) => {
    const data = join(dir, `${name}.db`);
    const pinbox = await startPinbox({ data });
    // A second connection on the file, as another process would have (WAL).
    const sql = new BetterSqlite3(data);
    sql.exec(DDL);
    return { pinbox, sql, api: new Client(pinbox.url, pinbox.token) };
  };
  const a = await open('a');
  const b = await open('b');
  try {
    const board = await createBoard(a.api);
    await createPin(a.api, board.id, { title: 'greek salads' });
    await createPin(a.api, board.id, { title: 'tomato soup' });
    // A rowid beyond 2^53 (Pin ids are 19 digits) must come back exact.
    a.sql.exec("INSERT INTO pin_words (rowid, title) VALUES (1796086992345000017, 'large rowid')");
    const words = (db: BetterSqlite3.Database) => db.prepare('SELECT CAST(rowid AS TEXT) AS id, title FROM pin_words ORDER BY rowid').all();
    const count = (db: BetterSqlite3.Database, table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

    await b.pinbox.restore(await a.pinbox.snapshot());
    assert.deepEqual(words(b.sql), words(a.sql));
    assert.equal(words(b.sql).length, 3);
    assert.equal(count(b.sql, 'pin_log'), 2, 'restored rows did not fire the triggers');
    assert.deepEqual(b.sql.prepare("SELECT title FROM pin_words WHERE pin_words MATCH 'salad'").all(), [{ title: 'greek salads' }]);

    await b.pinbox.reset();
    assert.equal(count(b.sql, 'pin_words'), 0);
    assert.equal(count(b.sql, 'pin_log'), 0);
    // The triggers are still there.
    await createPin(b.api, (await createBoard(b.api)).id, { title: 'after the reset' });
    assert.deepEqual(words(b.sql).map((w: any) => w.title), ['after the reset']);
  } finally {
    a.sql.close();
    b.sql.close();
    await a.pinbox.close();
    await b.pinbox.close();
  }
});
