/**
 * The agent gateway on /v5: the policy matrix, resource scopes, the writes-per-day
 * limit, revocation, keys refused where they do not belong, explain, policy files,
 * and the audit log (its sentences, its survival across a restart).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, createBoard, createPin, startTestPinbox, unique, useServer, type TestServer } from '../../test/harness.js';
import { ControlClient } from '../../test/control.js';

const server = useServer();
const control = () => new ControlClient(server().pinbox.url, server().pinbox.adminKey);

/** Makes an agent through the control plane, acting as `user` (default: the dev user). */
async function makeAgent(policy: unknown, options: { user?: string; scopes?: string[] } = {}): Promise<{ name: string; key: string; client: Client }> {
  const name = unique('agent').toLowerCase();
  const made = await control().ok<{ key: string; agent: { name: string } }>('POST', '/agents', { name, user: options.user ?? 'pinbox_dev', scopes: options.scopes, policy });
  assert.match(made.key, /^pbx_[0-9a-f]{8}_[0-9a-f]{40}$/);
  return { name, key: made.key, client: server().api.withToken(made.key) };
}

async function auditOf(agent: string): Promise<any[]> {
  return (await control().ok<{ items: any[] }>('GET', `/agents/audit?agent=${agent}`)).items;
}

function assertDenied(response: { status: number; body: any }, rule: string): void {
  assert.equal(response.status, 403, JSON.stringify(response.body));
  assert.equal(response.body.code, 29);
  assert.ok(response.body.message.includes(`(rule ${rule})`), response.body.message);
}

/** A read and a write in each area, made runnable on a fresh board of the dev user. */
const MATRIX: { area: string; read: (c: Client, s: TestServer) => Promise<{ status: number; body: any }>; write: (c: Client, s: TestServer) => Promise<{ status: number; body: any }> }[] = [
  { area: 'boards', read: (c) => c.get('/boards'), write: (c) => c.post('/boards', { name: unique('b') }) },
  {
    area: 'pins',
    read: (c) => c.get('/pins'),
    write: async (c, s) => {
      const board = await createBoard(s.api);
      const pin = await createPin(s.api, board.id);
      return c.patch(`/pins/${pin.id}`, { title: 'changed by agent' });
    },
  },
  { area: 'media', read: (c) => c.get('/media'), write: (c) => c.post('/media', { media_type: 'video' }) },
  { area: 'ad_accounts', read: (c) => c.get('/ad_accounts'), write: (c) => c.post('/ad_accounts', { name: unique('acct'), country: 'US', currency: 'USD' }) },
  { area: 'user_account', read: (c) => c.get('/user_account'), write: async (c, s) => {
      const other = unique('followed');
      await s.pinbox.admin.createUser({ username: other });
      return c.post(`/user_account/following/${other}`, {});
    } },
];

test('the policy matrix: Off, Read and Full, a read and a write in each area; denied by default', async () => {
  for (const { area, read, write } of MATRIX) {
    const off = await makeAgent({ areas: {} });
    assertDenied(await read(off.client, server()), `${area}.off`);
    assertDenied(await write(off.client, server()), `${area}.off`);
    const reader = await makeAgent({ areas: { [area]: 'read' } });
    const readAnswer = await read(reader.client, server());
    assert.equal(readAnswer.status, 200, `${area} read: ${JSON.stringify(readAnswer.body)}`);
    assertDenied(await write(reader.client, server()), `${area}.read`);
    const full = await makeAgent({ areas: { [area]: 'full' } });
    assert.equal((await read(full.client, server())).status, 200);
    const written = await write(full.client, server());
    assert.ok(written.status >= 200 && written.status < 300, `${area} write: ${written.status} ${JSON.stringify(written.body)}`);
  }
});

test('an action override denies, and the denial names the rule; the sentence says who, what, where and why', async () => {
  const board = await createBoard(server().api, { name: unique('Summer Recipes') });
  const agent = await makeAgent({ areas: { boards: 'full' }, actions: { delete_board: 'deny' } });
  assertDenied(await agent.client.delete(`/boards/${board.id}`), 'actions.delete_board.deny');
  assert.equal((await server().api.get(`/boards/${board.id}`)).status, 200, 'the board is still there');
  const reader = await makeAgent({ areas: { boards: 'read' } });
  assertDenied(await reader.client.delete(`/boards/${board.id}`), 'boards.read');
  const [entry] = await auditOf(reader.name);
  assert.equal(entry.decision, 'denied');
  assert.equal(entry.operation_id, 'boards/delete');
  assert.equal(entry.transport, 'rest');
  assert.equal(entry.status, 403);
  assert.equal(entry.code, 29);
  assert.deepEqual(entry.targets, [{ kind: 'board', id: board.id, name: board.name }]);
  assert.match(
    entry.sentence,
    new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${reader.name} \\(key …[0-9a-f]{4}\\) tried to delete board "${board.name}": denied, because boards is Read for this agent \\(rule boards\\.read\\)\\.$`),
  );
});

test('one audit entry per call, allowed ones with the name of what they read', async () => {
  const board = await createBoard(server().api);
  const pin = await createPin(server().api, board.id, { title: 'Lemon tart' });
  const agent = await makeAgent({ areas: { pins: 'read' } });
  assert.equal((await agent.client.get(`/pins/${pin.id}`)).status, 200);
  assert.equal((await agent.client.get(`/pins/${pin.id}`)).status, 200);
  const entries = await auditOf(agent.name);
  assert.equal(entries.length, 2);
  assert.equal(entries[0].decision, 'allowed');
  assert.equal(entries[0].rule, 'pins.read');
  assert.deepEqual(entries[0].targets, [{ kind: 'pin', id: pin.id, name: 'Lemon tart' }]);
  assert.match(entries[0].sentence, new RegExp(`${agent.name} \\(key …[0-9a-f]{4}\\) get Pin "Lemon tart": allowed \\(rule pins\\.read\\); answered 200\\.$`));
  // JSON lines and the plain sentences.
  const lines = await fetch(`${server().pinbox.url}/_pinbox/agents/audit?agent=${agent.name}&format=jsonl`, { headers: { 'x-pinbox-admin-key': server().pinbox.adminKey } });
  const text = await lines.text();
  assert.equal(text.trim().split('\n').length, 2);
  assert.equal(JSON.parse(text.split('\n')[0]).seq, entries[0].seq);
});

test('resource scopes: boards outside the list, and Pins on them, are denied', async () => {
  const inside = await createBoard(server().api);
  const outside = await createBoard(server().api);
  const pinOutside = await createPin(server().api, outside.id);
  const pinInside = await createPin(server().api, inside.id);
  const agent = await makeAgent({ areas: { boards: 'full', pins: 'full' }, scope: { boards: [inside.id] } });
  assert.equal((await agent.client.get(`/boards/${inside.id}`)).status, 200);
  assert.equal((await agent.client.get(`/pins/${pinInside.id}`)).status, 200);
  assertDenied(await agent.client.get(`/boards/${outside.id}`), 'scope.boards');
  assertDenied(await agent.client.get(`/pins/${pinOutside.id}`), 'scope.boards');
  assertDenied(await agent.client.patch(`/pins/${pinOutside.id}`, { title: 'x' }), 'scope.boards');
  const ads = await makeAgent({ areas: { ads: 'read' }, scope: { ad_accounts: ['1234'] } });
  assertDenied(await ads.client.get('/ad_accounts/999/campaigns'), 'scope.ad_accounts');
});

test('writes per day: the limit refuses the next write until pinbox\'s day turns', async () => {
  const agent = await makeAgent({ areas: { boards: 'full' }, limits: { writes_per_day: 2 } });
  assert.equal((await agent.client.post('/boards', { name: unique('w') })).status, 201);
  assert.equal((await agent.client.get('/boards')).status, 200, 'reads do not count');
  assert.equal((await agent.client.post('/boards', { name: unique('w') })).status, 201);
  assertDenied(await agent.client.post('/boards', { name: unique('w') }), 'limits.writes_per_day');
  await server().pinbox.clock.advance('1d');
  assert.equal((await agent.client.post('/boards', { name: unique('w') })).status, 201);
});

test('revocation takes effect at once; a rotated key replaces the old one', async () => {
  const agent = await makeAgent({ areas: { boards: 'read' } });
  assert.equal((await agent.client.get('/boards')).status, 200);
  await control().ok('POST', `/agents/${agent.name}/revoke`);
  const refused = await agent.client.get('/boards');
  assert.equal(refused.status, 401);
  assert.equal(refused.body.code, 2);
  const entries = await auditOf(agent.name);
  assert.equal(entries.at(-1).rule, 'key.revoked');
  const rotated = await control().ok<{ key: string }>('POST', `/agents/${agent.name}/rotate`);
  assert.equal((await server().api.withToken(rotated.key).get('/boards')).status, 200);
  assert.equal((await agent.client.get('/boards')).status, 401, 'the old key stays dead');
});

test('an agent key is refused where a Pinterest token or the admin key is needed, and a Pinterest token is no agent key', async () => {
  const agent = await makeAgent({ areas: { boards: 'full', oauth: 'full' } });
  // The control plane.
  const onControl = await new ControlClient(server().pinbox.url, agent.key).request('GET', '/agents');
  assert.equal(onControl.status, 401);
  // The OAuth token endpoint takes the app's credentials, never an agent key.
  const token = await fetch(`${server().pinbox.url}/v5/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Bearer ${agent.key}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  assert.equal(token.status, 401);
  // A made-up key of the right shape is no one's.
  const forged = await server().api.withToken(`pbx_00000000_${'0'.repeat(40)}`).get('/boards');
  assert.equal(forged.status, 401);
  // The MCP endpoint takes agent keys only.
  const mcp = await fetch(`${server().pinbox.url}/mcp`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server().pinbox.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  assert.equal(mcp.status, 401);
  assert.match(mcp.headers.get('www-authenticate') ?? '', /^Bearer .*resource_metadata="[^"]+\/\.well-known\/oauth-protected-resource\/mcp"/);
});

test('explain answers what a call would get, with no side effect', async () => {
  const agent = await makeAgent({ areas: { boards: 'full' }, actions: { delete_board: 'ask' }, limits: { writes_per_day: 1 } });
  const before = (await auditOf(agent.name)).length;
  const explained = await control().ok('POST', `/agents/${agent.name}/explain`, { method: 'DELETE', path: '/v5/boards/123' });
  assert.equal(explained.decision, 'ask');
  assert.equal(explained.rule, 'actions.delete_board.ask');
  assert.equal(explained.operation_id, 'boards/delete');
  const create = await control().ok('POST', `/agents/${agent.name}/explain`, { method: 'POST', path: '/v5/boards', body: { name: 'x' } });
  assert.equal(create.decision, 'allowed');
  const pins = await control().ok('POST', `/agents/${agent.name}/explain`, { method: 'GET', path: '/v5/pins' });
  assert.equal(pins.rule, 'pins.off');
  assert.equal((await auditOf(agent.name)).length, before, 'explain writes no entry');
  // The one write a day is still there.
  assert.equal((await agent.client.post('/boards', { name: unique('e') })).status, 201);
});

test('ask on REST: pending approval, then approved for those exact arguments, once', async () => {
  const board = await createBoard(server().api);
  const other = await createBoard(server().api);
  const agent = await makeAgent({ areas: { boards: 'full' }, actions: { 'boards/delete': 'ask' } });
  const asked = await agent.client.delete(`/boards/${board.id}`);
  assert.equal(asked.status, 403);
  const id = /pending approval (ap_\d+)/.exec(asked.body.message)?.[1];
  assert.ok(id, asked.body.message);
  const header = (value: string) => ({ headers: { 'x-pinbox-approval': value } });
  assertDenied(await agent.client.delete(`/boards/${board.id}`, header(id)), 'approval.pending');
  await control().ok('POST', `/agents/approvals/${id}/approve`);
  assertDenied(await agent.client.delete(`/boards/${other.id}`, header(id)), 'approval.arguments_changed');
  assert.equal((await agent.client.delete(`/boards/${board.id}`, header(id))).status, 204);
  assertDenied(await agent.client.delete(`/boards/${board.id}`, header(id)), 'approval.used');
  const decisions = (await auditOf(agent.name)).map((entry) => entry.decision);
  assert.deepEqual(decisions, ['asked', 'asked', 'denied', 'approved', 'denied']);
});

test('a policy file: applied in one go, and a mistake names its line', async () => {
  const name = unique('filed').toLowerCase();
  const file = `version: 1\nagents:\n  ${name}:\n    user: pinbox_dev\n    scopes: [boards:read, pins:read]\n    areas: { boards: read, pins: read }\n`;
  const applied = await control().ok<{ created: { name: string; key: string }[] }>('POST', '/agents/apply', { file });
  assert.equal(applied.created[0].name, name);
  assert.equal((await server().api.withToken(applied.created[0].key).get('/boards')).status, 200);
  const bad = await control().request('POST', '/agents/apply', { file: `version: 1\nagents:\n  other:\n    user: pinbox_dev\n    areas:\n      pins: everything\n` });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /line 6: 'agents\.other\.areas\.pins' must be off, read or full/);
  const syntax = await control().request('POST', '/agents/apply', { file: 'version: 1\nagents: {\n' });
  assert.equal(syntax.status, 400);
  assert.match(syntax.body.message, /line \d+/);
  assert.equal((await control().request('GET', '/agents/other')).status, 404, 'nothing half-written');
  const wrongField = await control().request('POST', '/agents', { name: unique('x').toLowerCase(), user: 'pinbox_dev', policy: { areas: { boards: 'maybe' } } });
  assert.equal(wrongField.status, 400);
  assert.match(wrongField.body.message, /'policy\.areas\.boards' must be off, read or full/);
});

test('the audit log survives a restart on a --data store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-agents-'));
  const data = join(dir, 'store.db');
  try {
    let pinbox = await startTestPinbox({ data, port: 0 });
    const made = await pinbox.control.agents.agents.create({ name: 'keeper', user: 'pinbox_dev', policy: { areas: { boards: 'read' } } });
    const client = new Client(pinbox.url, made.key);
    assert.equal((await client.get('/boards')).status, 200);
    assert.equal((await client.post('/boards', { name: 'nope' })).status, 403);
    await pinbox.close();
    pinbox = await startTestPinbox({ data, port: 0 });
    try {
      const entries = await pinbox.control.agents.audit.query({ agent: 'keeper' });
      assert.deepEqual(entries.map((e) => e.decision), ['allowed', 'denied']);
      assert.match(entries[1].sentence, /keeper \(key …[0-9a-f]{4}\) tried to create board: denied, because boards is Read for this agent \(rule boards\.read\)\./);
      assert.equal((await new Client(pinbox.url, made.key).get('/boards')).status, 200, 'the key works after the restart');
    } finally {
      await pinbox.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the gateway in front of a second pinbox as its upstream: the same policy, the upstream token, the agent key kept here', async () => {
  const upstream = await startTestPinbox({ port: 0 });
  const front = await startTestPinbox({ port: 0, upstream: { url: upstream.url, token: upstream.token } });
  try {
    const there = await new Client(upstream.url, upstream.token).post('/boards', { name: unique('upstream board') });
    assert.equal(there.status, 201);
    const made = await front.control.agents.agents.create({ name: 'fronted', user: 'pinbox_dev', policy: { areas: { boards: 'full' }, actions: { delete_board: 'deny' } } });
    const agent = new Client(front.url, made.key);
    const listed = await agent.get('/boards', { query: { page_size: 100 } });
    assert.equal(listed.status, 200);
    assert.ok(listed.body.items.some((board: any) => board.id === there.body.id), 'the list comes from the upstream');
    const created = await agent.post('/boards', { name: unique('made through the gateway') });
    assert.equal(created.status, 201);
    assert.equal((await new Client(upstream.url, upstream.token).get(`/boards/${created.body.id}`)).status, 200, 'written upstream');
    assert.equal((await new Client(front.url, front.token).get(`/boards/${created.body.id}`)).status, 404, 'not here');
    const denied = await agent.delete(`/boards/${there.body.id}`);
    assert.equal(denied.status, 403);
    assert.match(denied.body.message, /rule actions\.delete_board\.deny/);
    assert.equal((await new Client(upstream.url, upstream.token).get(`/boards/${there.body.id}`)).status, 200, 'a denial never reaches the upstream');
    // The upstream saw the calls as its own token's, never the agent key.
    const journal = upstream.journal.query({ limit: 100 });
    assert.ok(journal.length > 0);
    assert.ok(!JSON.stringify(journal).includes(made.key));
    const entries = await front.control.agents.audit.query({ agent: 'fronted' });
    assert.deepEqual(entries.map((e) => e.decision), ['allowed', 'allowed', 'denied']);
    await assert.rejects(startTestPinbox({ port: 0, upstream: { url: upstream.url, token: made.key } }), /agent key is never passed on/);
  } finally {
    await front.close();
    await upstream.close();
  }
});

test('spend per day: campaign budgets count against the agent\'s spend limit, in micro-currency', async () => {
  const account = await server().api.post('/ad_accounts', { name: unique('spend'), country: 'US', currency: 'USD' });
  assert.equal(account.status, 200, JSON.stringify(account.body));
  const agent = await makeAgent({ areas: { ads: 'full' }, limits: { spend_per_day_micro: 30_000_000 } });
  const campaign = (cap: number) => [{ name: unique('c'), objective_type: 'CONSIDERATION', daily_spend_cap: cap }];
  const first = await agent.client.post(`/ad_accounts/${account.body.id}/campaigns`, campaign(20_000_000));
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assertDenied(await agent.client.post(`/ad_accounts/${account.body.id}/campaigns`, campaign(20_000_000)), 'limits.spend_per_day_micro');
  assert.equal((await agent.client.post(`/ad_accounts/${account.body.id}/campaigns`, campaign(10_000_000))).status, 200, 'what is left of the day');
});

test('agents come from fixtures, and snapshots carry them and their log', async () => {
  const username = unique('fixture_owner').toLowerCase();
  const key = `pbx_0123abcd_${'ab'.repeat(20)}`;
  const seeded = (await server().pinbox.seed({ users: [{ username }], agents: [{ name: 'seeded-agent', user: username, policy: { areas: { boards: 'read' } }, key }] } as never)) as unknown as { agents: { name: string; key_id: string }[] };
  assert.equal(seeded.agents[0].key_id, 'k_0123abcd');
  const client = server().api.withToken(key);
  assert.equal((await client.get('/boards')).status, 200);
  const snapshot = await server().pinbox.snapshot();
  await control().ok('POST', '/agents/seeded-agent/revoke');
  assert.equal((await client.get('/boards')).status, 401);
  await server().pinbox.restore(snapshot);
  assert.equal((await client.get('/boards')).status, 200, 'the restored agent is live again');
  const decisions = (await auditOf('seeded-agent')).map((e) => e.decision);
  assert.deepEqual(decisions, ['allowed', 'allowed'], 'the log as it was in the snapshot, then the call after');
  const bad = await control().request('POST', '/fixtures', { agents: [{ name: 'x', user: 'nobody_at_all' }] });
  assert.equal(bad.status, 400);
  assert.match(bad.body.message, /agents\[0\]\.user/);
});
