/**
 * Scale-out: three pinbox processes on one PostgreSQL schema and one Redis, on
 * different ports and nothing else in front. What one process writes, the others
 * read; an authorization code redeemed through two processes at once works once;
 * a rate limit of N is N across the processes together; a bookmark made by one
 * process pages on another. Runs in the suite's PostgreSQL + Redis pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { databaseUrlFor, dropSchema, freshSchema, TEST_BACKEND, TEST_REDIS_URL } from './backend.js';
import { labelled, startCli, type RunningCli } from './cli.js';
import { Client, PNG_1X1_BASE64 } from './harness.js';
import { authorize, postForm } from './oauth-flow.js';

const onPostgres = TEST_BACKEND === 'postgres';
const REDIRECT = 'http://127.0.0.1:9/callback';
const SECRET = 'ab'.repeat(20);
const WRITES_PER_HOUR = 8;
const ADMIN_KEY = 'multi-process-admin-key-01';

/** Reads a process's clock through its control plane. */
async function clockOf(baseUrl: string): Promise<{ now: number; frozen: boolean }> {
  const response = await fetch(`${baseUrl}/_pinbox/clock`, { headers: { 'x-pinbox-admin-key': ADMIN_KEY } });
  assert.equal(response.status, 200);
  return (await response.json()) as { now: number; frozen: boolean };
}

test('three processes on one PostgreSQL and Redis serve one instance', { skip: onPostgres ? false : 'runs in the PostgreSQL + Redis pass of npm test' }, async () => {
  const schema = freshSchema();
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-multi-'));
  const token = 'pina_MULTIPROCESSTESTTOKEN000000000';
  const args = [
    '--port', '0',
    '--database-url', databaseUrlFor(schema),
    '--redis-url', TEST_REDIS_URL,
    '--blobs', join(dir, 'blobs'),
    '--token', token,
    '--client-secret', SECRET,
    '--password', 'multi-password',
    '--redirect-uri', REDIRECT,
    '--rate-limit', `org_write=${WRITES_PER_HOUR}/hour`,
    '--admin-key', ADMIN_KEY,
  ];
  // Started together: migrations and the dev identity are made once, under a lock.
  const processes: RunningCli[] = await Promise.all([startCli(args), startCli(args), startCli(args)]);
  try {
    const [a, b, c] = processes.map((p) => new Client(p.url, token, true));
    const clientId = labelled(processes[0].banner, 'app client id');
    for (const p of processes) assert.equal(labelled(p.banner, 'app client id'), clientId, 'one dev app for all');

    // Written through one, read through the others; the picture is served by any.
    const board = await a.post('/boards', { name: 'Shared board' });
    assert.equal(board.status, 201, JSON.stringify(board.body));
    const pin = await a.post('/pins', {
      board_id: board.body.id,
      title: 'Made on A',
      media_source: { source_type: 'image_base64', content_type: 'image/png', data: PNG_1X1_BASE64 },
    });
    assert.equal(pin.status, 201, JSON.stringify(pin.body));
    for (const other of [b, c]) {
      const read = await other.get(`/pins/${pin.body.id}`);
      assert.equal(read.status, 200);
      assert.equal(read.body.title, 'Made on A');
      assert.equal((await other.get(`/boards/${board.body.id}`)).body.pin_count, 1);
    }
    const picture = await fetch(pin.body.media.images.originals.url.replace(processes[0].url, processes[2].url));
    assert.equal(picture.status, 200);

    // A bookmark made by one process pages on another.
    for (const name of ['Second', 'Third']) assert.equal((await b.post('/boards', { name })).status, 201);
    const first = await a.get('/boards', { query: { page_size: 1 } });
    const second = await b.get('/boards', { query: { page_size: 1, bookmark: first.body.bookmark } });
    const third = await c.get('/boards', { query: { page_size: 1, bookmark: second.body.bookmark } });
    const walked = [first, second, third].map((page) => page.body.items[0].name);
    assert.deepEqual(walked.sort(), ['Second', 'Shared board', 'Third']);
    assert.equal(third.body.bookmark, null);

    // One authorization code, redeemed through two processes at the same moment: one token.
    const back = await authorize(processes[0].url, { client_id: clientId, redirect_uri: REDIRECT, scope: 'user_accounts:read', state: 'mp' }, { username: 'pinbox_dev', password: 'multi-password' });
    const code = back.searchParams.get('code')!;
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT };
    const credentials = { id: clientId, secret: SECRET };
    const answers = await Promise.all([postForm(b, '/oauth/token', form, credentials), postForm(c, '/oauth/token', form, credentials)]);
    assert.deepEqual(answers.map((r) => r.status).sort(), [200, 400], JSON.stringify(answers.map((r) => r.body)));

    // org_write allows N an hour: N across the three processes together. (Four
    // writes were counted above: three boards and a Pin; an hour's edge is waited
    // out rather than straddled.)
    const msToHour = 3_600_000 - (Date.now() % 3_600_000);
    if (msToHour < 10_000) await sleep(msToHour + 100);
    const user = await a.get('/user_account');
    assert.equal(user.status, 200);
    const writes = await Promise.all(
      Array.from({ length: 9 }, (_, i) => [a, b, c][i % 3].post('/boards', { name: `Counted ${i}` })),
    );
    const statuses = writes.map((w) => w.status);
    const allowedNow = msToHour < 10_000 ? WRITES_PER_HOUR : WRITES_PER_HOUR - 4;
    assert.equal(statuses.filter((s) => s === 201).length, allowedNow, statuses.join(','));
    assert.equal(statuses.filter((s) => s === 429).length, 9 - allowedNow, statuses.join(','));
    const boards = await c.get('/boards', { query: { page_size: 250 } });
    assert.equal(boards.body.items.length, 3 + allowedNow, 'refused writes changed nothing');

    // One set of fault rules: 3 injected 503s for board creation, added through B,
    // fire 3 times across the three processes together, and change nothing.
    const control = (url: string, method: string, path: string, body?: unknown) =>
      fetch(`${url}/_pinbox${path}`, { method, headers: { 'x-pinbox-admin-key': ADMIN_KEY, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const rule = await (await control(processes[1].url, 'POST', '/faults', { method: 'POST', path: '/boards', status: 503, times: 3 })).json() as { id: string };
    let listed: { items: { id: string }[] } = { items: [] };
    for (let i = 0; i < 100 && listed.items.length === 0; i++) listed = (await sleep(i === 0 ? 0 : 20), await (await control(processes[2].url, 'GET', '/faults')).json()) as typeof listed;
    assert.deepEqual(listed.items.map((r) => r.id), [rule.id], 'the rule is listed on another process');
    const faulted = [];
    for (let i = 0; i < 6; i++) {
      const response = await fetch(`${processes[i % 3].url}/v5/boards`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: `Faulted ${i}` }) });
      faulted.push(response.status);
    }
    assert.deepEqual(faulted.filter((status) => status === 503).length, 3, faulted.join(','));
    const after = (await (await control(processes[0].url, 'GET', '/faults')).json()) as { items: { fired: number; remaining: number }[] };
    assert.deepEqual([after.items[0].fired, after.items[0].remaining], [3, 0]);
    assert.equal((await control(processes[0].url, 'DELETE', `/faults/${rule.id}`)).status < 300, true);

    // One clock: frozen and moved 31 days through A, it reads the same on B and C,
    // where the dev token (30 days) has expired.
    const moved = await fetch(`${processes[0].url}/_pinbox/clock/freeze`, { method: 'POST', headers: { 'x-pinbox-admin-key': ADMIN_KEY, 'content-type': 'application/json' }, body: '{}' });
    assert.equal(moved.status, 200);
    const advanced = await fetch(`${processes[0].url}/_pinbox/clock/advance`, { method: 'POST', headers: { 'x-pinbox-admin-key': ADMIN_KEY, 'content-type': 'application/json' }, body: JSON.stringify({ by: '31d' }) });
    const target = ((await advanced.json()) as { now: number }).now;
    for (const p of processes.slice(1)) {
      // The move reaches the other processes as a Redis message, a moment after A answered.
      let seen = await clockOf(p.url);
      for (let i = 0; i < 100 && seen.now !== target; i++) seen = (await sleep(20), await clockOf(p.url));
      assert.deepEqual([seen.now, seen.frozen], [target, true]);
    }
    assert.equal((await fetch(`${processes[2].url}/v5/user_account`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
  } finally {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('on PostgreSQL without Redis, pinbox refuses to start unless told it is alone, and then keeps others out', { skip: onPostgres ? false : 'runs in the PostgreSQL + Redis pass of npm test' }, async () => {
  const schema = freshSchema();
  const url = databaseUrlFor(schema);
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-alone-'));
  try {
    await assert.rejects(startCli(['--port', '0', '--database-url', url, '--blobs', dir]), /pass --redis-url \(several processes\), or --single-process/);
    const alone = await startCli(['--port', '0', '--database-url', url, '--blobs', dir, '--single-process']);
    try {
      await assert.rejects(startCli(['--port', '0', '--database-url', url, '--blobs', dir, '--single-process']), /other pinbox processes are using this database/);
      await assert.rejects(startCli(['--port', '0', '--database-url', url, '--blobs', dir, '--redis-url', TEST_REDIS_URL]), /started with --single-process is using this database/);
    } finally {
      alone.child.kill('SIGTERM');
      await alone.exited;
    }
  } finally {
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
});
