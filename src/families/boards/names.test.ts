/**
 * Board and section names over HTTP: one name whatever its Unicode form (NFC or
 * NFD) and case (a full case fold, not ASCII's), and names that are not one line of
 * text — control characters, lone surrogates, nothing visible — refused with a 400
 * naming the field, through the API and through fixtures. Free text (a board's
 * description) keeps its line breaks but, like every JSON field, no lone surrogate.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, createBoard, newUser, unique, useServer, walk } from '../../../test/harness.js';
import { ControlClient } from '../../../test/control.js';

const server = useServer();

const NFD_CAFE = 'Cafe\u0301';
const NFC_CAFE = 'Caf\u00e9';

test('a board name is one name in NFC and NFD and in any Unicode case; it is stored in NFC', async () => {
  const { client } = await newUser(server());
  const cafe = await createBoard(client, { name: NFD_CAFE });
  assert.equal(cafe.name, NFC_CAFE, 'stored and answered in NFC');
  assert.equal((await client.get(`/boards/${cafe.id}`)).body.name, NFC_CAFE);
  for (const name of [NFC_CAFE, 'caf\u00e9', 'CAF\u00c9', 'CAFE\u0301']) assertError(await client.post('/boards', { name }), 400, 58);

  // A full case fold: Greek sigma in both forms, German sharp s against SS.
  await createBoard(client, { name: 'ΟΔΟΣ' });
  assertError(await client.post('/boards', { name: 'οδος' }), 400, 58);
  await createBoard(client, { name: 'Straße' });
  assertError(await client.post('/boards', { name: 'STRASSE' }), 400, 58);

  // Renames: onto another board's name in another form is refused; a board may change its own name's case.
  const other = await createBoard(client, { name: unique('other') });
  assertError(await client.patch(`/boards/${other.id}`, { name: 'cafe\u0301' }), 400, 58);
  const recased = await client.patch(`/boards/${cafe.id}`, { name: 'CAF\u00c9' });
  assert.equal(recased.status, 200, JSON.stringify(recased.body));
  assert.equal(recased.body.name, 'CAF\u00c9');
  assert.deepEqual((await walk(client, '/boards')).filter((b) => b.name.toLowerCase().startsWith('caf')).map((b) => b.name), ['CAF\u00c9']);
});

test('a section name is one name in NFC and NFD and in any Unicode case on its board', async () => {
  const { client } = await newUser(server());
  const board = await createBoard(client);
  const made = await client.post(`/boards/${board.id}/sections`, { name: NFD_CAFE });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  assert.equal(made.body.name, NFC_CAFE);
  const twice = await client.post(`/boards/${board.id}/sections`, { name: 'CAF\u00c9' });
  assert.equal(twice.status, 409, JSON.stringify(twice.body));
  assert.equal(twice.body.code, 409);
  const salads = await client.post(`/boards/${board.id}/sections`, { name: 'Straße' });
  assert.equal(salads.status, 201);
  const renamed = await client.patch(`/boards/${board.id}/sections/${salads.body.id}`, { name: 'cafe\u0301' });
  assert.equal(renamed.status, 409, JSON.stringify(renamed.body));
  // The same name on another board is free.
  const elsewhere = await createBoard(client);
  assert.equal((await client.post(`/boards/${elsewhere.id}/sections`, { name: NFC_CAFE })).status, 201);
});

test('names with a control character, a lone surrogate or nothing visible are refused with a 400 naming the field, and nothing is made', async () => {
  const { client } = await newUser(server());
  const board = await createBoard(client);
  const section = (await client.post(`/boards/${board.id}/sections`, { name: unique('section') })).body;
  const refused: [string, RegExp][] = [
    ['tab\there', /control character \(U\+0009\)/],
    ['two\nlines', /control character \(U\+000A\)/],
    ['del\u007f', /control character \(U\+007F\)/],
    ['next line \u0085 (C1)', /control character \(U\+0085\)/],
    ['half \ud800 a pair', /lone surrogate \(U\+D800\)/],
    ['\udc00', /lone surrogate \(U\+DC00\)/],
    ['   ', /blank/],
    ['\u200b\u00a0', /blank/],
  ];
  for (const [name, problem] of refused) {
    const calls = [
      client.post('/boards', { name }),
      client.patch(`/boards/${board.id}`, { name }),
      client.post(`/boards/${board.id}/sections`, { name }),
      client.patch(`/boards/${board.id}/sections/${section.id}`, { name }),
    ];
    for (const response of await Promise.all(calls)) {
      assertError(response, 400, 1, 'name');
      assert.match(response.body.message, problem, JSON.stringify(name));
    }
  }
  assert.equal((await walk(client, '/boards')).length, 1, 'no board was made');
  assert.equal((await client.get(`/boards/${board.id}`)).body.name, board.name, 'nor renamed');
  assert.deepEqual((await walk(client, `/boards/${board.id}/sections`)).map((s) => s.name), [section.name]);

  // Free text is no name: a description keeps its line breaks, but no JSON field keeps a lone surrogate.
  const described = await client.patch(`/boards/${board.id}`, { description: 'line one\nline two' });
  assert.equal(described.status, 200, JSON.stringify(described.body));
  assert.equal(described.body.description, 'line one\nline two');
  const half = await client.patch(`/boards/${board.id}`, { description: 'half \ud83d of an emoji' });
  assertError(half, 400, 1, 'description');
  assert.match(half.body.message, /lone surrogate \(U\+D83D\)/);
  assert.equal((await client.patch(`/boards/${board.id}`, { description: 'a whole \ud83d\ude00' })).status, 200);
});

test('fixtures refuse the same names, and two boards of one owner that differ only in form or case', async () => {
  const { pinbox } = server();
  const control = new ControlClient(pinbox.url, pinbox.adminKey);
  const owner = unique('owner');
  const bell = await control.request('POST', '/fixtures', { users: [{ username: owner }], boards: [{ owner, name: 'ring\u0007' }] });
  assert.equal(bell.status, 400, JSON.stringify(bell.body));
  assert.match(bell.body.message, /'boards\[0\]\.name' holds a control character \(U\+0007\)/);
  const twins = await control.request('POST', '/fixtures', { users: [{ username: owner }], boards: [{ owner, name: NFD_CAFE }, { owner, name: 'CAF\u00c9' }] });
  assert.equal(twins.status, 400, JSON.stringify(twins.body));
  assert.match(twins.body.message, /'boards\[1\]\.name'/);
  const sections = await control.request('POST', '/fixtures', { users: [{ username: owner }], boards: [{ owner, name: 'Recipes', sections: ['Straße', 'STRASSE'] }] });
  assert.equal(sections.status, 400, JSON.stringify(sections.body));
  assert.match(sections.body.message, /'boards\[0\]\.sections\[1\]'/);
  // A good one is stored in NFC, and a board the store holds already counts in any form.
  const made = await control.request('POST', '/fixtures', { users: [{ username: owner }], boards: [{ owner, name: NFD_CAFE, sections: ['Cre\u0300me'] }] });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const { token } = await pinbox.admin.issueToken({ username: owner });
  const boards = await walk(server().api.withToken(token), '/boards');
  assert.deepEqual(boards.map((b) => b.name), [NFC_CAFE]);
  assert.deepEqual((await walk(server().api.withToken(token), `/boards/${boards[0].id}/sections`)).map((s) => s.name), ['Cr\u00e8me']);
  const again = await control.request('POST', '/fixtures', { boards: [{ owner, name: 'caf\u00e9' }] });
  assert.equal(again.status, 400, JSON.stringify(again.body));
  assert.match(again.body.message, /has a board named/);
});
