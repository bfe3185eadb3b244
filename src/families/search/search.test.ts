/**
 * Search over HTTP: the user's Pins and boards and the instance's public Pins, by
 * words of every indexed field, ranked, paged, with secret content kept to the
 * tokens that may see it, and the index in step with every write.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ALL_SCOPES } from '../../kernel/scopes.js';
import { migrate } from '../../storage/migrate.js';
import { MIGRATIONS } from '../registry.js';
import { openTestDatabase } from '../../../test/backend.js';
import { Client, PNG_1X1_BASE64, ROOMY_STANDARD_LIMITS, assertError, startTestPinbox, createBoard, newUser, useServer, walk } from '../../../test/harness.js';

const server = useServer();
const NO_SECRET = ALL_SCOPES.filter((s) => !s.endsWith('_secret'));

let counter = 0;
/** A word no other test uses: letters only, ending in x so the stemmer leaves it whole. */
function word(): string {
  counter += 1;
  const letters = `${process.pid}${counter}`.replace(/\d/g, (d) => 'abcdefghij'[Number(d)]);
  return `qz${letters}x`;
}

async function pin(client: Client, boardId: string, fields: Record<string, unknown>): Promise<any> {
  const response = await client.post('/pins', {
    board_id: boardId,
    media_source: { source_type: 'image_base64', content_type: 'image/png', data: PNG_1X1_BASE64 },
    ...fields,
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

const ids = (items: { id: string }[]) => items.map((i) => i.id);
const searchPins = async (client: Client, query: string) => {
  const response = await client.get('/search/pins', { query: { query } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return ids(response.body.items);
};
const searchPartner = async (client: Client, term: string) => {
  const response = await client.get('/search/partner/pins', { query: { term, country_code: 'US', limit: 50 } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return ids(response.body.items);
};

describe('GET /search/pins', () => {
  test('finds a Pin by a word of its title, description, alt text, board name and board description, and by stem', async () => {
    const me = await newUser(server());
    const [t, d, a, n, bd] = [word(), word(), word(), word(), word()];
    const board = await createBoard(me.client, { name: `Board ${n}`, description: `About ${bd}` });
    const other = await createBoard(me.client);
    const target = await pin(me.client, board.id, { title: `Greek ${t} salads`, description: `With ${d} and feta`, alt_text: `A bowl of ${a}` });
    const decoy = await pin(me.client, other.id, { title: 'Something else' });
    for (const w of [t, d, a, n, bd]) assert.deepEqual(await searchPins(me.client, w), [target.id], `search for ${w}`);
    // Words are stemmed: salad finds salads, baked finds baking, in any case.
    assert.deepEqual(await searchPins(me.client, `${t} salad`), [target.id]);
    assert.deepEqual(await searchPins(me.client, `${t.toUpperCase()} baked`), []);
    assert.equal((await me.client.patch(`/pins/${target.id}`, { description: `With ${d} and feta, baking slowly` })).status, 200);
    assert.deepEqual(await searchPins(me.client, `${t.toUpperCase()} baked`), [target.id]);
    // Every word must match.
    assert.deepEqual(await searchPins(me.client, `${t} ${word()}`), []);
    assert.ok(!(await searchPins(me.client, 'else')).includes(target.id));
    assert.ok((await searchPins(me.client, 'else')).includes(decoy.id));
  });

  test("searches the signed-in user's own Pins only", async () => {
    const me = await newUser(server());
    const them = await newUser(server());
    const w = word();
    const mine = await pin(me.client, (await createBoard(me.client)).id, { title: w });
    await pin(them.client, (await createBoard(them.client)).id, { title: w });
    assert.deepEqual(await searchPins(me.client, w), [mine.id]);
  });

  test('an exact title match ranks first, then title matches above description matches', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const [a, b] = [word(), word()];
    const exact = await pin(me.client, board.id, { title: `${a} ${b}` });
    const inTitle = await pin(me.client, board.id, { title: `${a} and ${b} with plenty of other words around them` });
    const inDescription = await pin(me.client, board.id, { title: 'Unrelated', description: `${a} ${b}` });
    const inAltText = await pin(me.client, board.id, { title: 'Unrelated too', alt_text: `${a} ${b}` });
    assert.deepEqual(await searchPins(me.client, `${a} ${b}`), [exact.id, inTitle.id, inDescription.id, inAltText.id]);
    assert.deepEqual(await searchPins(me.client, `${a.toUpperCase()} ${b}`), [exact.id, inTitle.id, inDescription.id, inAltText.id]);
  });

  test('a secret Pin is found only by a token that may read secret Pins; other tokens are refused (401 code 3)', async () => {
    const me = await newUser(server());
    const w = word();
    const secret = await pin(me.client, (await createBoard(me.client, { privacy: 'SECRET' })).id, { title: w });
    const open = await pin(me.client, (await createBoard(me.client)).id, { title: w });
    assert.deepEqual((await searchPins(me.client, w)).sort(), [open.id, secret.id].sort());
    // Pinterest: the spec requires the secret read scopes for this operation.
    const { token } = await server().pinbox.admin.issueToken({ username: me.username, scopes: NO_SECRET });
    assertError(await me.client.withToken(token).get('/search/pins', { query: { query: w } }), 401, 3);
    // The public search never shows it, whoever asks.
    assert.deepEqual(await searchPartner(me.client, w), [open.id]);
  });

  test('sees an update, a move, a board rename, a privacy change and a delete at once', async () => {
    const me = await newUser(server());
    const [before, after, boardWord, renamed] = [word(), word(), word(), word()];
    const board = await createBoard(me.client, { name: `Board ${boardWord}` });
    const other = await createBoard(me.client, { name: `Other ${word()}` });
    const p = await pin(me.client, board.id, { title: before });
    assert.equal((await me.client.patch(`/pins/${p.id}`, { title: after })).status, 200);
    assert.deepEqual(await searchPins(me.client, before), []);
    assert.deepEqual(await searchPins(me.client, after), [p.id]);
    assert.deepEqual(await searchPins(me.client, boardWord), [p.id]);
    assert.equal((await me.client.patch(`/pins/${p.id}`, { board_id: other.id })).status, 200);
    assert.deepEqual(await searchPins(me.client, boardWord), []);
    assert.equal((await me.client.patch(`/boards/${other.id}`, { name: `Renamed ${renamed}` })).status, 200);
    assert.deepEqual(await searchPins(me.client, renamed), [p.id]);
    assert.deepEqual(await searchPartner(me.client, after), [p.id]);
    assert.equal((await me.client.patch(`/boards/${other.id}`, { privacy: 'SECRET' })).status, 200);
    assert.deepEqual(await searchPartner(me.client, after), []);
    assert.deepEqual(await searchPins(me.client, after), [p.id]);
    assert.equal((await me.client.delete(`/pins/${p.id}`)).status, 204);
    assert.deepEqual(await searchPins(me.client, after), []);
    const q = await pin(me.client, board.id, { title: after });
    assert.equal((await me.client.delete(`/boards/${board.id}`)).status, 204);
    assert.deepEqual(await searchPins(me.client, after), []);
    assert.ok(q.id);
  });

  test('a saved copy is found in the saver\'s search', async () => {
    const me = await newUser(server());
    const them = await newUser(server());
    const w = word();
    const original = await pin(them.client, (await createBoard(them.client)).id, { title: w });
    const saved = await me.client.post(`/pins/${original.id}/save`, { board_id: (await createBoard(me.client)).id });
    assert.equal(saved.status, 201);
    assert.deepEqual(await searchPins(me.client, w), [saved.body.id]);
  });

  test('pages with bookmarks: every match once, ranked first; a tampered bookmark is a 400', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const w = word();
    const made = [];
    for (let i = 0; i < 30; i++) made.push((await pin(me.client, board.id, { title: i % 3 === 0 ? `${w} title ${i}` : `other ${i}`, description: `${w} ${i}` })).id);
    const first = await me.client.get('/search/pins', { query: { query: w } });
    assert.equal(first.body.items.length, 25);
    assert.ok(first.body.bookmark);
    const all = await walk(me.client, '/search/pins', { query: w });
    assert.equal(all.length, 30);
    assert.deepEqual(new Set(ids(all)), new Set(made));
    // The ten with the word in the title come before the twenty without.
    const titled = new Set(made.filter((_, i) => i % 3 === 0));
    assert.ok(ids(all).slice(0, 10).every((id) => titled.has(id)));
    assertError(await me.client.get('/search/pins', { query: { query: w, bookmark: first.body.bookmark.slice(0, -2) + 'AA' } }), 400, 1, 'bookmark');
    assertError(await me.client.get('/search/pins', { query: { query: word(), bookmark: first.body.bookmark } }), 400, 1, 'bookmark');
  });

  test('a query of comma-separated Pin ids finds those Pins; a query with no words finds nothing; query is required', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const a = await pin(me.client, board.id, { title: word() });
    const b = await pin(me.client, board.id, { title: word() });
    assert.deepEqual((await searchPins(me.client, `${a.id}, ${b.id}`)).sort(), [a.id, b.id].sort());
    assert.deepEqual(await searchPins(me.client, '!!! ...'), []);
    assertError(await me.client.get('/search/pins'), 400, 1, 'query');
  });
});

describe('GET /search/boards', () => {
  test('finds boards by name and description, including group boards and, with the scope, secret ones', async () => {
    const me = await newUser(server());
    const owner = await newUser(server());
    const [w, d] = [word(), word()];
    const named = await createBoard(me.client, { name: `Summer ${w}` });
    const described = await createBoard(me.client, { name: `Winter ${word()}`, description: `all about ${w} and ${d}` });
    const secret = await createBoard(me.client, { name: `Secret ${w}`, privacy: 'SECRET' });
    const group = await createBoard(owner.client, { name: `Shared ${w}` });
    await server().pinbox.admin.addCollaborator(group.id, me.username);
    await createBoard(owner.client, { name: `Not shared ${w}` });
    const response = await me.client.get('/search/boards', { query: { query: w } });
    assert.equal(response.status, 200);
    const found = ids(response.body.items);
    // Name matches rank above the description match.
    assert.deepEqual(found.slice(-1), [described.id]);
    assert.deepEqual(new Set(found), new Set([named.id, described.id, secret.id, group.id]));
    assert.deepEqual(ids((await me.client.get('/search/boards', { query: { query: d } })).body.items), [described.id]);
    const { token } = await server().pinbox.admin.issueToken({ username: me.username, scopes: NO_SECRET });
    assertError(await me.client.withToken(token).get('/search/boards', { query: { query: w } }), 401, 3);
  });

  test('pages by page_size; without a query lists every board', async () => {
    const me = await newUser(server());
    const w = word();
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await createBoard(me.client, { name: `${w} ${i}` })).id);
    const all = await walk(me.client, '/search/boards', { query: w, page_size: 2 });
    assert.deepEqual(new Set(ids(all)), new Set(made));
    assert.equal(all.length, 5);
    assert.deepEqual(new Set(ids(await walk(me.client, '/search/boards', { page_size: 2 }))), new Set(made));
    assertError(await me.client.get('/search/boards', { query: { page_size: 251 } }), 400, 1, 'page_size');
  });
});

describe('GET /search/partner/pins', () => {
  test('finds public Pins of every user, pages by limit, and checks its parameters', async () => {
    const me = await newUser(server());
    const them = await newUser(server());
    const w = word();
    const board = await createBoard(them.client);
    const made = [];
    for (let i = 0; i < 3; i++) made.push((await pin(them.client, board.id, { title: `${w} ${i}`, link: 'https://example.com/' })).id);
    const first = await me.client.get('/search/partner/pins', { query: { term: w, country_code: 'US', limit: 2 } });
    assert.equal(first.status, 200);
    assert.equal(first.body.items.length, 2);
    assert.deepEqual(Object.keys(first.body.items[0]).sort(), ['alt_text', 'description', 'id', 'link', 'media', 'title']);
    const rest = await me.client.get('/search/partner/pins', { query: { term: w, country_code: 'US', limit: 2, bookmark: first.body.bookmark } });
    assert.deepEqual(new Set([...ids(first.body.items), ...ids(rest.body.items)]), new Set(made));
    assert.equal(rest.body.bookmark, null);
    assertError(await me.client.get('/search/partner/pins', { query: { term: w } }), 400, 1, 'country_code');
    assertError(await me.client.get('/search/partner/pins', { query: { term: w, country_code: 'USA' } }), 400, 1, 'country_code');
    assertError(await me.client.get('/search/partner/pins', { query: { term: w, country_code: 'US', limit: 51 } }), 400, 1, 'limit');
    assertError(await me.client.get('/search/partner/pins', { query: { country_code: 'US' } }), 400, 1, 'term');
  });
});

describe('a store made before search (schema version 4)', () => {
  test('has its Pins and boards indexed when pinbox upgrades it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbox-search-upgrade-'));
    const data = join(dir, 'pinbox.db');
    try {
      const old = await openTestDatabase(data);
      await migrate(old, MIGRATIONS.filter((m) => m.version <= 4));
      const now = '2026-01-02T03:04:05';
      await old.transaction(async (tx) => {
        await tx.run(`INSERT INTO users (id, username, account_type, created_at) VALUES ('1700000000000000001', 'olduser', 'BUSINESS', ?)`, [now]);
        await tx.run(
          `INSERT INTO boards (id, owner_id, name, description, privacy, created_at, board_pins_modified_at)
           VALUES ('1700000000000000002', '1700000000000000001', 'Heirloom recipes', 'From grandmother', 'PUBLIC', ?, ?)`,
          [now, now],
        );
        await tx.run(
          `INSERT INTO pins (id, owner_id, board_id, title, description, creative_type, media, created_at)
           VALUES ('1700000000000000003', '1700000000000000001', '1700000000000000002', 'Quince jelly', 'Slow and amber', 'REGULAR', '{"media_type":"image","images":{}}', ?)`,
          [now],
        );
      });
      await old.close();
      const pinbox = await startTestPinbox({ data, rateLimitOverrides: ROOMY_STANDARD_LIMITS });
      try {
        const { token } = await pinbox.admin.issueToken({ username: 'olduser' });
        const api = new Client(pinbox.url, token, true);
        assert.deepEqual(ids((await api.get('/search/pins', { query: { query: 'quince' } })).body.items), ['1700000000000000003']);
        assert.deepEqual(ids((await api.get('/search/pins', { query: { query: 'grandmother' } })).body.items), ['1700000000000000003']);
        assert.deepEqual(ids((await api.get('/search/boards', { query: { query: 'heirloom' } })).body.items), ['1700000000000000002']);
      } finally {
        await pinbox.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
