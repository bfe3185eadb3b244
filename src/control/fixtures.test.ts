/**
 * Fixtures: a good file makes users, apps, tokens with their scopes, boards,
 * sections and image Pins (by file and by URL) that the API then serves; a bad
 * one is refused with the path in the file named, and leaves the store as it was.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, unique, useServer, walk } from '../../test/harness.js';
import { ControlClient } from '../../test/control.js';
import { hostedImageUrl } from '../../test/images.js';
import { postForm } from '../../test/oauth-flow.js';

const server = useServer();
const SALAD = fileURLToPath(new URL('../../docs/greek-salad.png', import.meta.url));

/** A fixture of its own names, with its image file copied beside it. */
async function goodFixture(): Promise<{ dir: string; fixture: any; names: { alice: string; bob: string; token: string } }> {
  const dir = await mkdtemp(join(tmpdir(), 'pinbox-fixture-'));
  await copyFile(SALAD, join(dir, 'salad.png'));
  const alice = unique('alice');
  const bob = unique('bob');
  const token = `pina_${unique('readonly').replace(/[^A-Za-z0-9]/g, '')}`;
  const fixture = {
    users: [{ username: alice, password: 'wonderland', account_type: 'business' }, { username: bob }],
    apps: [{ name: unique('shop'), owner: alice, secret: 'fixture-secret-1', redirect_uris: ['http://127.0.0.1:9/cb'], tier: 'standard' }],
    tokens: [
      { user: alice, scopes: ['boards:read', 'pins:read'], token },
      { user: bob, scopes: ['boards:read', 'boards:read_secret', 'pins:read'], expires_in: '1d' },
    ],
    boards: [
      { owner: alice, name: 'Recipes', description: 'Things to cook', sections: ['Salads', 'Soups'] },
      { owner: bob, name: 'Travel', privacy: 'SECRET' },
    ],
    pins: [
      { board: `${alice}/Recipes`, section: 'Salads', title: 'Greek salad', link: 'https://example.com/salad', image_file: 'salad.png' },
      { board: `${alice}/Recipes`, title: 'By URL', image_url: await hostedImageUrl('fixture') },
    ],
  };
  return { dir, fixture, names: { alice, bob, token } };
}

test('a good fixture, from code (a file) and over HTTP (a body), makes what the API then serves', async () => {
  const s = server();
  const { dir, fixture, names } = await goodFixture();
  const file = join(dir, 'fixture.json');
  await writeFile(file, JSON.stringify(fixture));
  const made = await s.pinbox.seed(file);
  assert.deepEqual(made.users.map((u) => u.username), [names.alice, names.bob]);
  assert.equal(made.tokens[0].token, names.token);

  const alice = new Client(s.pinbox.url, names.token);
  const boards = await walk(alice, '/boards');
  assert.deepEqual(boards.map((b) => [b.name, b.description, b.pin_count]), [['Recipes', 'Things to cook', 2]]);
  const sections = (await alice.get(`/boards/${boards[0].id}/sections`)).body.items;
  assert.deepEqual(sections.map((x: { name: string }) => x.name).sort(), ['Salads', 'Soups']);
  const salads = sections.find((x: { name: string }) => x.name === 'Salads');
  const inSection = (await alice.get(`/boards/${boards[0].id}/sections/${salads.id}/pins`)).body.items;
  assert.deepEqual(inSection.map((p: { title: string }) => p.title), ['Greek salad']);
  const pin = inSection[0];
  assert.equal(pin.link, 'https://example.com/salad');
  const served = await fetch(`${s.pinbox.url}${new URL(pin.media.images['150x150'].url).pathname}`);
  assert.equal(served.status, 200);
  assert.equal(pin.media.images['150x150'].width, 150);
  // Scopes as given: alice's token reads but may not write.
  const write = await alice.post('/boards', { name: 'nope' });
  assert.equal(write.status, 401);
  assert.equal(write.body.code, 3);
  // bob's secret board, with his generated token.
  const bob = new Client(s.pinbox.url, made.tokens[1].token);
  assert.deepEqual((await walk(bob, '/boards', { privacy: 'SECRET' })).map((b) => b.name), ['Travel']);
  assert.ok(made.tokens[1].expires_at - s.pinbox.clock.now() <= 24 * 3600 * 1000);
  // The app's fixed secret works at the token endpoint.
  const grant = await postForm(s.api, '/oauth/token', { grant_type: 'client_credentials', scope: 'boards:read' }, { id: made.apps[0].id, secret: 'fixture-secret-1' });
  assert.equal(grant.status, 200);

  // Over HTTP, with image files found from base_dir.
  const second = await goodFixture();
  const control = new ControlClient(s.pinbox.url, s.pinbox.adminKey);
  const response = await control.request('POST', `/fixtures?base_dir=${encodeURIComponent(second.dir)}`, second.fixture);
  assert.equal(response.status, 201, JSON.stringify(response.body));
  assert.equal(response.body.pins.length, 2);
  assert.equal((await new Client(s.pinbox.url, second.names.token).get('/boards')).body.items[0].pin_count, 2);
});

test('a bad fixture is refused naming the path in the file, and loads nothing (no row, no file)', async () => {
  const s = server();
  const control = new ControlClient(s.pinbox.url, s.pinbox.adminKey);
  const { dir, fixture } = await goodFixture();
  const cases: [string, (f: any) => void][] = [
    ['boards[1].name', (f) => (f.boards[1].name = '')],
    ['boards[2].name', (f) => f.boards.push({ owner: f.users[0].username, name: 'Recipes' })],
    ['boards[0].colour', (f) => (f.boards[0].colour = 'red')],
    ['boards[0].sections[1]', (f) => (f.boards[0].sections = ['Salads', 'Salads'])],
    ['users[1].username', (f) => (f.users[1].username = f.users[0].username)],
    ['users[0].username', (f) => (f.users[0].username = s.pinbox.identity.user.username)],
    ['tokens[0].scopes[1]', (f) => (f.tokens[0].scopes = ['boards:read', 'boards:fly'])],
    ['tokens[1].app', (f) => (f.tokens[1].app = 'no such app')],
    ['pins[0].board', (f) => (f.pins[0].board = 'Recipes')],
    ['pins[0].section', (f) => (f.pins[0].section = 'Desserts')],
    ['pins[1]', (f) => (f.pins[1].image_file = 'salad.png')],
    // The first Pin's picture is processed before the second's file is found missing.
    ['pins[1].image_file', (f) => (f.pins[1] = { board: f.pins[0].board, image_file: 'missing.png' })],
    ['pins[1].image_url', (f) => (f.pins[1].image_url = 'http://127.0.0.1:9/none.png')],
    ['apps[0].redirect_uris[0]', (f) => (f.apps[0].redirect_uris = ['not a url'])],
  ];
  const before = await s.pinbox.snapshot();
  for (const [path, breakIt] of cases) {
    const bad = structuredClone(fixture);
    breakIt(bad);
    const refused = await control.request('POST', `/fixtures?base_dir=${encodeURIComponent(dir)}`, bad);
    assert.equal(refused.status, 400, `${path}: ${JSON.stringify(refused.body)}`);
    assert.ok(refused.body.message.includes(`'${path}'`), `the refusal names ${path}: ${refused.body.message}`);
  }
  const after = await s.pinbox.snapshot();
  assert.deepEqual(after.tables, before.tables, 'no row was written');
  assert.deepEqual(Object.keys(after.blobs), Object.keys(before.blobs), 'no file was written');
  await assert.rejects(s.pinbox.seed({ boards: 'none' } as never), /'boards' must be array/);
});
