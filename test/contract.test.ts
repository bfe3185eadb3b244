/**
 * The official spec checks pinbox: every registered /v5 route must be an operation
 * of the spec, with the same operationId, scopes and rate-limit category. It also
 * prints which operations of the spec pinbox does not serve yet.
 * (Response bodies are checked against the spec by the harness on every request.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSpec, SPEC_PATH } from './spec.js';
import { useServer } from './harness.js';
import { categorizedOperations, categoryOf } from '../src/kernel/rate-limits/categories.js';
import { defineRoute } from '../src/kernel/route-policy.js';
import { PINTEREST_OPERATIONS } from '../src/kernel/operations.js';

const server = useServer();

test('every route Fastify serves under /v5 matches the official spec: method, path, operationId, scopes, rate-limit category', (t) => {
  const spec = loadSpec();
  if (!spec) {
    t.skip(`official spec not found at ${SPEC_PATH}`);
    return;
  }
  const { pinbox } = server();
  assert.ok(pinbox.routes.length > 0);
  for (const route of pinbox.routes) {
    const specPath = route.url.replace(/:([a-z_]+)/g, '{$1}');
    const op = spec.operations.find((o) => o.method === route.method && o.path === specPath);
    assert.ok(op, `${route.method} ${specPath} is not an operation of the official spec`);
    assert.ok(route.policy, `${route.method} ${specPath} was registered without a policy: no auth, scopes or rate limit would apply`);
    assert.equal(route.policy.operationId, op.operationId, `${route.method} ${specPath} operationId`);
    assert.deepEqual([...route.policy.scopes].sort(), [...op.scopes].sort(), `${op.operationId} scopes`);
    assert.equal(route.policy.category, op.category, `${op.operationId} rate-limit category`);
  }
  const served = new Set(pinbox.routes.map((r) => `${r.method} ${r.url.replace(/:([a-z_]+)/g, '{$1}')}`));
  const missing = spec.operations.filter((o) => !served.has(`${o.method} ${o.path}`));
  const byTag = new Map<string, string[]>();
  for (const op of missing) byTag.set(op.tags[0] ?? 'untagged', [...(byTag.get(op.tags[0] ?? 'untagged') ?? []), op.operationId]);
  const lines = [...byTag.entries()].sort().map(([tag, ids]) => `  ${tag} (${ids.length}): ${ids.join(', ')}`);
  t.diagnostic(`pinbox serves ${served.size} of ${spec.operations.length} operations of the official spec; not built yet:\n${lines.join('\n')}`);
});

test("pinbox's rate-limit table gives every operation of the spec its x-ratelimit-category, and nothing else", (t) => {
  const spec = loadSpec();
  if (!spec) {
    t.skip(`official spec not found at ${SPEC_PATH}`);
    return;
  }
  const table = categorizedOperations();
  for (const op of spec.operations) {
    assert.ok(op.category, `${op.operationId} has no x-ratelimit-category in the spec`);
    assert.equal(table.get(op.operationId), op.category, `${op.operationId}: pinbox's category`);
  }
  assert.equal(table.size, spec.operations.length, 'the table names operations the spec does not have');
});

test('a route for an operation the table does not know is refused when it is declared', () => {
  assert.throws(
    () => defineRoute({ method: 'GET', url: '/nothing', operationId: 'nothing/get', scopes: [], handler: async () => ({}) }),
    /No rate-limit category is known for the operation 'nothing\/get'/,
  );
  assert.equal(categoryOf('pins/create'), 'org_write');
});

test("pinbox's table of Pinterest's operations is the spec's, entry by entry: method, path, operationId, tag", (t) => {
  const spec = loadSpec();
  if (!spec) {
    t.skip(`official spec not found at ${SPEC_PATH}`);
    return;
  }
  const key = (o: { method: string; path: string; operationId: string; tag: string }) => `${o.method} ${o.path} ${o.operationId} ${o.tag}`;
  const table = new Set(PINTEREST_OPERATIONS.map(key));
  for (const op of spec.operations) assert.ok(table.has(key({ ...op, tag: op.tags[0] ?? 'untagged' })), `${op.operationId} (${op.method} ${op.path}) is in pinbox's table`);
  assert.equal(table.size, spec.operations.length, 'the table names operations the spec does not have');
});

test('an operation of the spec that pinbox does not serve answers 501 naming it; a path Pinterest does not have is a 404', async () => {
  const { pinbox } = server();
  const served = new Set(pinbox.routes.map((r) => `${r.method} ${r.url.replace(/:([a-z_]+)/g, '{$1}')}`));
  const unserved = PINTEREST_OPERATIONS.filter((o) => !served.has(`${o.method} ${o.path}`));
  assert.ok(unserved.length > 0);
  const concrete = (path: string) => path.replace(/\{[a-z_]+\}/g, '1234');
  for (const op of unserved) {
    const response = await fetch(`${pinbox.url}/v5${concrete(op.path)}`, { method: op.method, headers: { authorization: `Bearer ${pinbox.token}` } });
    assert.equal(response.status, 501, `${op.method} ${op.path}`);
    assert.deepEqual(await response.json(), { code: 501, message: `pinbox does not serve ${op.operationId} (${op.method} /v5${op.path}) yet.` });
  }
  // A method Pinterest has no operation for, on a path pinbox serves none of: 405 with the spec's methods.
  const wrongMethod = await fetch(`${pinbox.url}/v5/integrations/commerce`, { method: 'PUT', headers: { authorization: `Bearer ${pinbox.token}` } });
  assert.equal(wrongMethod.status, 405);
  assert.equal(wrongMethod.headers.get('allow'), 'GET, POST');
});

test('an unknown route answers 404 in Pinterest shape', async () => {
  const { api } = server();
  const response = await api.get('/no_such_thing');
  assert.equal(response.status, 404);
  assert.equal(response.body.code, 404);
  assert.match(response.body.message, /no_such_thing/);
});

test('every response carries x-pinterest-rid and pinterest-version, rids differ', async () => {
  const { api } = server();
  const a = await api.get('/user_account');
  const b = await api.get('/user_account');
  assert.match(a.headers.get('x-pinterest-rid')!, /^\d+$/);
  assert.notEqual(a.headers.get('x-pinterest-rid'), b.headers.get('x-pinterest-rid'));
});

test('an expired access token is 401 code 2', async () => {
  const { pinbox, api } = server();
  const username = `expiry_${process.pid}`;
  await pinbox.admin.createUser({ username });
  const { token } = await pinbox.admin.issueToken({ username, lifetimeMs: 60_000 });
  assert.equal((await api.withToken(token).get('/user_account')).status, 200);
  pinbox.clock.advance(61_000);
  const response = await api.withToken(token).get('/user_account');
  assert.equal(response.status, 401);
  assert.equal(response.body.code, 2);
});

test('a JSON body value of the wrong type is a 400 naming the field, not coerced', async () => {
  const { api } = server();
  const response = await api.post('/boards', { name: 12345 });
  assert.equal(response.status, 400);
  assert.equal(response.body.code, 1);
  assert.match(response.body.message, /'name'/);
});

test('ad_account_id naming no ad account is a 404 rather than acting as the token user', async () => {
  const { api } = server();
  const response = await api.get('/boards', { query: { ad_account_id: '549755885175' } });
  assert.equal(response.status, 404);
  assert.match(response.body.message, /549755885175/);
});

test('a DELETE with Content-Type: application/json and no body works; a POST with none is a 400', async () => {
  const { api } = server();
  const board = await api.post('/boards', { name: `content_type_${process.pid}` });
  const deleted = await api.request('DELETE', `/boards/${board.body.id}`, { headers: { 'content-type': 'application/json' } });
  assert.equal(deleted.status, 204);
  const empty = await api.request('POST', '/boards', { headers: { 'content-type': 'application/json' } });
  assert.equal(empty.status, 400);
  assert.equal(empty.body.code, 1);
});
