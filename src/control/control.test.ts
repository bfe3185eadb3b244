/**
 * The control plane over HTTP and from code: who may call it, reset, the clock
 * (and its due tasks), faults and the request journal. Fixtures and snapshots
 * have their own files; the CLI is tested in test/control-cli.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { startPinbox } from '../index.js';
import { createBoard, newUser, unique, useServer, walk } from '../../test/harness.js';
import { ControlClient, rawApi } from '../../test/control.js';
import { makeVideo, uploadFile } from '../../test/videos.js';
import { postForm } from '../../test/oauth-flow.js';

const server = useServer({ journal: { bodies: true, size: 500 } });
const control = () => new ControlClient(server().pinbox.url, server().pinbox.adminKey);
const DAY_MS = 24 * 3600 * 1000;

test('the control plane refuses no key, a wrong key and an API token, and answers the admin key', async () => {
  const { pinbox } = server();
  const c = control();
  const none = await c.request('GET', '/clock', undefined, {});
  assert.equal(none.status, 401);
  assert.equal(none.body.code, 2);
  const wrong = await c.request('GET', '/clock', undefined, { 'x-pinbox-admin-key': `${pinbox.adminKey}x` });
  assert.equal(wrong.status, 401);
  assert.match(wrong.body.message, /Wrong admin key/);
  const apiToken = await c.request('GET', '/clock', undefined, { authorization: `Bearer ${pinbox.token}` });
  assert.equal(apiToken.status, 403);
  assert.match(apiToken.body.message, /does not take API access tokens/);
  const asBearer = await c.request('GET', '/clock', undefined, { authorization: `Bearer ${pinbox.adminKey}` });
  assert.equal(asBearer.status, 200);
  assert.equal(typeof asBearer.body.now, 'number');
  // And the admin key is no API token.
  const onApi = await rawApi(pinbox.url, pinbox.adminKey, 'GET', '/user_account');
  assert.equal(onApi.status, 401);
  assert.equal((await c.request('GET', '/nothing-here')).status, 404);
});

test('reset empties every list and keeps the printed token, client id and secret working', async () => {
  const s = server();
  const alice = await newUser(s);
  const board = await createBoard(s.api);
  await createBoard(alice.client);
  assert.ok((await walk(s.api, '/boards')).some((b) => b.id === board.id));
  const before = s.pinbox.identity;
  await control().ok('POST', '/reset', {});
  assert.deepEqual(await walk(s.api, '/boards'), []);
  assert.deepEqual(await walk(s.api, '/pins'), []);
  const account = await s.api.get('/user_account');
  assert.equal(account.status, 200);
  assert.equal(account.body.username, before.user.username);
  // alice is gone with her token.
  assert.equal((await alice.client.get('/boards')).status, 401);
  // The dev app keeps its id and secret: the token endpoint still takes them.
  const grant = await postForm(s.api, '/oauth/token', { grant_type: 'client_credentials', scope: 'boards:read' }, { id: before.app.id, secret: before.app.secret! });
  assert.equal(grant.status, 200, JSON.stringify(grant.body));
});

test('reset of one user removes their content only, from code and over HTTP', async () => {
  const s = server();
  const alice = await newUser(s);
  const bob = await newUser(s);
  const aliceBoard = await createBoard(alice.client);
  const bobBoard = await createBoard(bob.client);
  await alice.client.post(`/boards/${aliceBoard.id}/sections`, { name: 'one' });
  await s.pinbox.reset({ user: alice.username });
  assert.deepEqual(await walk(alice.client, '/boards'), []);
  assert.equal((await alice.client.get('/user_account')).status, 200, 'alice and her token remain');
  assert.deepEqual((await walk(bob.client, '/boards')).map((b) => b.id), [bobBoard.id]);
  await control().ok('POST', '/reset', { user: bob.username });
  assert.deepEqual(await walk(bob.client, '/boards'), []);
  const unknown = await control().request('POST', '/reset', { user: unique('nobody') });
  assert.equal(unknown.status, 404);
});

test('the clock: read, freeze, set, advance by a duration (a token expires after 30 days), unfreeze', async () => {
  const s = server();
  const c = control();
  const frozen = await c.ok('POST', '/clock/freeze', {});
  assert.equal(frozen.frozen, true);
  assert.equal((await c.ok('GET', '/clock')).now, frozen.now);
  const set = await c.ok('POST', '/clock/set', { at: '2030-01-01T00:00:00Z' });
  assert.equal(set.now, Date.parse('2030-01-01T00:00:00Z'));
  assert.equal(s.pinbox.clock.now(), set.now);
  const fresh = await newUser(s);
  assert.equal((await fresh.client.get('/user_account')).status, 200);
  // A video upload is processing until the clock passes its processing time (5 s by default).
  const upload = (await fresh.client.post('/media', { media_type: 'video' })).body;
  const sent = await uploadFile(upload.upload_url, upload.upload_parameters, await makeVideo({ segments: [{ color: 'teal', seconds: 4 }] }));
  assert.equal(sent.status, 204, sent.text);
  assert.equal((await fresh.client.get(`/media/${upload.media_id}`)).body.status, 'processing');
  await c.ok('POST', '/clock/advance', { by: '4s' });
  assert.equal((await fresh.client.get(`/media/${upload.media_id}`)).body.status, 'processing');
  await c.ok('POST', '/clock/advance', { by: '1s' });
  assert.equal((await fresh.client.get(`/media/${upload.media_id}`)).body.status, 'succeeded');
  const advanced = await c.ok('POST', '/clock/advance', { by: '29d' });
  assert.equal(advanced.now, set.now + 5_000 + 29 * DAY_MS);
  assert.equal((await fresh.client.get('/user_account')).status, 200);
  await c.ok('POST', '/clock/advance', { by: '1d1m' });
  const expired = await fresh.client.get('/user_account');
  assert.equal(expired.status, 401);
  const bad = await c.request('POST', '/clock/advance', { by: 'two days' });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /'by'/);
  // The dev token was issued before the jump too; a reset issues it again.
  await c.ok('POST', '/reset', {});
  assert.equal((await s.api.get('/user_account')).status, 200);
  const running = await c.ok('POST', '/clock/unfreeze', {});
  assert.equal(running.frozen, false);
});

test('advancing the clock runs the tasks that became due, in order, each told when it was due', async () => {
  const { pinbox } = server();
  await pinbox.clock.freeze();
  const start = pinbox.clock.now();
  const ran: string[] = [];
  pinbox.clock.schedule(start + 2 * DAY_MS, 'second', async (dueAt) => {
    ran.push(`second@${dueAt - start}`);
  });
  pinbox.clock.schedule(start + DAY_MS, 'first', (dueAt) => {
    ran.push(`first@${dueAt - start}`);
  });
  const cancel = pinbox.clock.schedule(start + DAY_MS, 'cancelled', () => {
    ran.push('cancelled');
  });
  pinbox.clock.schedule(start + 5 * DAY_MS, 'later', () => {
    ran.push('later');
  });
  cancel();
  await pinbox.clock.advance('36h');
  assert.deepEqual(ran, [`first@${DAY_MS}`]);
  const state = await control().ok('POST', '/clock/advance', { by: 2 * DAY_MS });
  assert.deepEqual(ran, [`first@${DAY_MS}`, `second@${2 * DAY_MS}`]);
  assert.deepEqual(state.pending.map((task: { name: string }) => task.name), ['later']);
  await pinbox.clock.advance('2d');
  assert.deepEqual(ran.at(-1), 'later');
  await pinbox.clock.unfreeze();
});

test('a fault rule answers exactly N 503s, changes nothing, then normal answers come back', async () => {
  const s = server();
  const user = await newUser(s);
  const c = control();
  const rule = await c.ok('POST', '/faults', { method: 'POST', path: '/boards', status: 503, times: 2 });
  assert.equal(rule.remaining, 2);
  const name = unique('faulted');
  for (let i = 0; i < 2; i++) {
    const refused = await rawApi(s.pinbox.url, user.client.token!, 'POST', '/boards', { name });
    assert.equal(refused.status, 503);
    assert.equal(typeof refused.body.code, 'number');
    assert.equal(typeof refused.body.message, 'string');
    assert.equal(refused.headers.get('x-pinbox-fault'), rule.id);
  }
  assert.deepEqual(await walk(user.client, '/boards'), [], 'no board was made by a faulted call');
  const faulted = s.pinbox.journal.query({ path: '/v5/boards', method: 'POST', status: 503 });
  assert.deepEqual(faulted.slice(-2).map((e) => [e.fault, e.user]), [[rule.id, user.id], [rule.id, user.id]]);
  const made = await user.client.post('/boards', { name });
  assert.equal(made.status, 201);
  const listed = (await c.ok('GET', '/faults')).items.find((r: { id: string }) => r.id === rule.id);
  assert.equal(listed.remaining, 0);
  assert.equal(listed.fired, 2);
  assert.equal((await c.request('DELETE', `/faults/${rule.id}`)).status, 204);
  assert.equal((await c.request('DELETE', `/faults/${rule.id}`)).status, 404);
});

test('fault rules: a 429 with its rate-limit headers, only for one user, latency alone, dropped connections, seeded probability', async () => {
  const s = server();
  const alice = await newUser(s);
  const bob = await newUser(s);
  const { pinbox } = s;
  const limited = await pinbox.faults.add({ path: '/user_account', status: 429, user: alice.username, retry_after: 30 });
  const refused = await rawApi(pinbox.url, alice.client.token!, 'GET', '/user_account');
  assert.equal(refused.status, 429);
  assert.equal(refused.body.code, 8);
  assert.equal(refused.headers.get('retry-after'), '30');
  assert.equal(refused.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(refused.headers.get('x-ratelimit-reset'), '30');
  const answered = await bob.client.get('/user_account');
  assert.equal(answered.status, 200, 'the rule names alice only');
  // The limit and window are those of the route's own category (org_read) for the caller's tier, as a real 429's.
  assert.match(refused.headers.get('x-ratelimit-limit') ?? '', /^\d+(, \d+;w=\d+)+$/);
  assert.equal(refused.headers.get('x-ratelimit-limit'), answered.headers.get('x-ratelimit-limit'));
  assert.ok(await pinbox.faults.remove(limited.id));
  const otherApp = await pinbox.admin.createApp({ name: unique('other') });
  const forOtherApp = await pinbox.faults.add({ path: '/user_account', status: 500, app: otherApp.id });
  assert.equal((await bob.client.get('/user_account')).status, 200, 'the rule names another app');
  const { token: otherToken } = await pinbox.admin.issueToken({ username: bob.username, appId: otherApp.id });
  assert.equal((await rawApi(pinbox.url, otherToken, 'GET', '/user_account')).status, 500);
  await pinbox.faults.remove(forOtherApp.id);

  // Awaited: with Redis the rule is shared before it applies, and must be used up before the next rule.
  await pinbox.faults.add({ path: '/user_account', latency: '5ms', times: 1 });
  assert.equal((await alice.client.get('/user_account')).status, 200, 'latency alone lets the call through');

  const dropper = await pinbox.faults.add({ path: '/user_account', drop: true, times: 1 });
  await assert.rejects(fetch(`${pinbox.url}/v5/user_account?from=drop`, { headers: { authorization: `Bearer ${alice.client.token}` } }));
  assert.equal((await alice.client.get('/user_account')).status, 200);
  // The dropped call is in the journal, as dropped, with its caller named.
  const [dropped] = (await control().ok('GET', '/journal?path=/v5/user_account&limit=2')).items.filter((e: { fault: string }) => e.fault === dropper.id);
  assert.ok(dropped, 'the dropped call is journaled');
  assert.equal(dropped.dropped, true);
  assert.equal(dropped.status, 0);
  assert.deepEqual(dropped.query, { from: 'drop' });
  assert.equal(dropped.user, alice.id);
  assert.equal(dropped.username, alice.username);

  // The same seed draws the same sequence of firings.
  const draws = async (seed: number) => {
    const rule = await pinbox.faults.add({ path: '/boards/*', method: 'GET', status: 500, probability: 0.5, seed });
    const statuses = [];
    for (let i = 0; i < 12; i++) statuses.push((await rawApi(pinbox.url, alice.client.token!, 'GET', '/boards/1')).status);
    await pinbox.faults.remove(rule.id);
    return statuses;
  };
  const first = await draws(7);
  assert.deepEqual(await draws(7), first);
  assert.ok(first.includes(500) && first.includes(404), `a probability of 0.5 fires some and not others: ${first}`);

  const bad = await control().request('POST', '/faults', { path: '/pins', status: 200 });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /'status'/);
  await pinbox.faults.clear();
  assert.deepEqual(await pinbox.faults.list(), []);
});

test('the journal records calls with their caller, scopes and rate limits, tokens and secrets redacted', async () => {
  const s = server();
  const c = control();
  const user = await newUser(s, ['boards:read', 'boards:write']);
  const board = await createBoard(user.client, { name: unique('journaled') });
  const entries = (await c.ok('GET', `/journal?path=/v5/boards&method=POST&status=201`)).items;
  const entry = entries.find((e: { response_body: { id: string } }) => e.response_body?.id === board.id);
  assert.ok(entry, 'the board creation is in the journal');
  assert.equal(entry.user, user.id);
  assert.equal(entry.app, s.pinbox.identity.app.id);
  assert.deepEqual(entry.scopes, ['boards:read', 'boards:write']);
  assert.equal(entry.rate_limit_category, 'org_write');
  assert.equal(typeof entry.rate_limit_remaining, 'number');
  assert.equal(entry.request_headers.authorization, 'Bearer [redacted]');
  assert.ok(!JSON.stringify(entry).includes(user.client.token!), 'the token appears nowhere');

  // An OAuth token request: the app's secret and the token issued are hidden.
  const { app } = s.pinbox.identity;
  const grant = await postForm(s.api, '/oauth/token', { grant_type: 'client_credentials', scope: 'boards:read' }, { id: app.id, secret: app.secret! });
  assert.equal(grant.status, 200);
  const [oauth] = (await c.ok('GET', '/journal?path=/v5/oauth/token&limit=1')).items;
  assert.equal(oauth.request_headers.authorization, 'Basic [redacted]');
  assert.equal(oauth.response_body.access_token, '[redacted]');
  assert.equal(oauth.app, app.id);
  const text = JSON.stringify(oauth);
  assert.ok(!text.includes(grant.body.access_token) && !text.includes(app.secret!));

  // The OAuth pages too, with secrets in the query hidden.
  await fetch(`${s.pinbox.url}/oauth/?client_id=${app.id}&code=abc123secret&state=xyz`);
  const [page] = s.pinbox.journal.query({ path: '/oauth', limit: 1 });
  assert.equal(page.path, '/oauth/');
  assert.deepEqual(page.query, { client_id: app.id, code: '[redacted]', state: 'xyz' });

  // Filters: since (pinbox clock), status class; control calls are not journaled.
  const now = s.pinbox.clock.now();
  await user.client.get('/boards/1');
  const recent = (await c.ok('GET', `/journal?since=${now}&status=4xx`)).items;
  assert.ok(recent.some((e: { path: string; status: number }) => e.path === '/v5/boards/1' && e.status === 404));
  assert.ok(!(await s.pinbox.journal.query({ limit: 500 })).some((e) => e.path.startsWith('/_pinbox')));
  assert.equal((await c.request('GET', '/journal?status=abc')).status, 400);
});

test('the journal streams calls live as server-sent events, and stays within its size', async () => {
  const s = server();
  const c = control();
  const controller = new AbortController();
  const response = await fetch(`${s.pinbox.url}/_pinbox/journal/stream?path=/v5/user_account`, {
    headers: { 'x-pinbox-admin-key': s.pinbox.adminKey },
    signal: controller.signal,
  });
  assert.equal(response.headers.get('content-type'), 'text/event-stream');
  const reader = response.body!.getReader();
  await s.api.get('/boards');
  await s.api.get('/user_account');
  let text = '';
  while (!text.includes('"path":"/v5/user_account"')) {
    const { value, done } = await reader.read();
    assert.ok(!done, 'the stream stays open');
    text += new TextDecoder().decode(value);
  }
  assert.ok(!text.includes('"path":"/v5/boards"'), 'the stream applies its path filter');
  controller.abort();

  const settings = await c.ok('PATCH', '/journal/settings', { size: 3 });
  assert.equal(settings.size, 3);
  for (let i = 0; i < 5; i++) await s.api.get('/user_account');
  assert.equal(s.pinbox.journal.query().length, 3);
  await c.ok('PATCH', '/journal/settings', { enabled: false });
  await c.request('DELETE', '/journal');
  await s.api.get('/user_account');
  assert.equal(s.pinbox.journal.query().length, 0);
  await c.ok('PATCH', '/journal/settings', { enabled: true, size: 500 });
});

test('by default the control plane answers loopback callers only; --control-remote opens it', async (t) => {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (!address) return t.skip('this machine has no address but loopback');
  for (const controlRemote of [false, true]) {
    const pinbox = await startPinbox({ host: '0.0.0.0', controlRemote });
    try {
      const port = new URL(pinbox.url).port;
      const remote = new ControlClient(`http://${address}:${port}`, pinbox.adminKey);
      const answer = await remote.request('GET', '/clock');
      assert.equal(answer.status, controlRemote ? 200 : 403, JSON.stringify(answer.body));
      if (!controlRemote) assert.match(answer.body.message, /only on loopback/);
      assert.equal((await new ControlClient(pinbox.url, pinbox.adminKey).request('GET', '/clock')).status, 200);
      // The API itself answers on every interface it listens on.
      assert.equal((await rawApi(`http://${address}:${port}`, pinbox.token, 'GET', '/user_account')).status, 200);
    } finally {
      await pinbox.close();
    }
  }
});

test('without --admin-key, every process and restart of one store has the same key, and another store another', async () => {
  const { mkdtempSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { startTestPinbox } = await import('../../test/harness.js');
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-admin-key-'));
  try {
    const keys: string[] = [];
    for (const data of ['one.db', 'one.db', 'two.db']) {
      const pinbox = await startTestPinbox({ data: join(dir, data) });
      keys.push(pinbox.adminKey);
      // The key answers the control plane of the process that derived it.
      assert.equal((await new ControlClient(pinbox.url, pinbox.adminKey).request('GET', '/clock')).status, 200);
      await pinbox.close();
    }
    assert.match(keys[0], /^pinbox_admin_[0-9a-f]{32}$/);
    assert.equal(keys[1], keys[0], 'a restart of the same store');
    assert.notEqual(keys[2], keys[0], 'another store');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
