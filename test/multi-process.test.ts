/**
 * Scale-out: three pinbox processes on one PostgreSQL schema and one Redis, on
 * different ports and nothing else in front. What one process writes, the others
 * read; an authorization code redeemed through two processes at once works once;
 * a rate limit of N is N across the processes together; a bookmark made by one
 * process pages on another. Runs in the suite's PostgreSQL + Redis pass.
 *
 * The contention run: three processes, dozens of requests in flight, writes on one
 * board and on many users' boards (creates, moves, saves, deletes), authorization
 * codes and upload forms each presented through every process at once; then every
 * board's pin_count equals its rows, every picture's count equals the Pins that use
 * it, and every single-use thing was used once. A token revoked through one process
 * is refused by the next call on another.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { labelled, startCli, type RunningCli } from './cli.js';
import pg from 'pg';
import sharp from 'sharp';
import { ALL_SCOPES } from '../src/kernel/scopes.js';
import { adminUrl, databaseUrlFor, dropSchema, freshSchema, TEST_BACKEND, TEST_REDIS_URL } from './backend.js';
import { Client, PNG_1X1_BASE64 } from './harness.js';
import { authorize, postForm } from './oauth-flow.js';
import { uploadFile } from './videos.js';

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

/** The flags every process of one test's instance starts with: one schema, the test's Redis, one blob folder, the same dev identity. */
function processArgs(schema: string, dir: string, token: string, password: string): string[] {
  return [
    '--port', '0',
    '--database-url', databaseUrlFor(schema),
    '--redis-url', TEST_REDIS_URL,
    '--blobs', join(dir, 'blobs'),
    '--token', token,
    '--client-secret', SECRET,
    '--password', password,
    '--redirect-uri', REDIRECT,
    '--admin-key', ADMIN_KEY,
  ];
}

test('three processes on one PostgreSQL and Redis serve one instance', { skip: onPostgres ? false : 'runs in the PostgreSQL + Redis pass of npm test' }, async () => {
  const schema = freshSchema();
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-multi-'));
  const token = 'pina_MULTIPROCESSTESTTOKEN000000000';
  const args = [...processArgs(schema, dir, token, 'multi-password'), '--rate-limit', `org_write=${WRITES_PER_HOUR}/hour`];
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

/** A small deterministic generator, so a failing run can be told apart by its seed. */
function generator(seed: number): (n: number) => number {
  let state = seed >>> 0 || 1;
  return (n) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
}

test('under contention from three processes every count equals its rows and every single-use thing is used once', { skip: onPostgres ? false : 'runs in the PostgreSQL + Redis pass of npm test' }, async (t) => {
  const schema = freshSchema();
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-contention-'));
  const token = 'pina_CONTENTIONTESTTOKEN00000000000';
  const args = [...processArgs(schema, dir, token, 'contention-password'), '--rate-limits', 'off'];
  const processes: RunningCli[] = await Promise.all([startCli(args), startCli(args), startCli(args)]);
  const db = new pg.Client({ connectionString: adminUrl(), options: `-c search_path=${schema}` });
  await db.connect();
  try {
    const clientId = labelled(processes[0].banner, 'app client id');
    const credentials = { id: clientId, secret: SECRET };
    let turn = 0;
    /** Each call goes to the next process in turn. */
    const next = (tokenOf: string) => new Client(processes[turn++ % processes.length].url, tokenOf);

    // Six users with two boards each, and the dev user's one hot board that many write at once.
    const USERS = 6;
    const fixture = {
      users: Array.from({ length: USERS }, (_, i) => ({ username: `crowd_${i}` })),
      apps: [{ name: 'crowd', owner: 'crowd_0', secret: 'crowd-secret-0123456789', tier: 'standard' }],
      tokens: Array.from({ length: USERS }, (_, i) => ({ user: `crowd_${i}`, app: 'crowd', scopes: ALL_SCOPES, token: `pina_crowd_${i}_0123456789abcdef` })),
      boards: Array.from({ length: USERS }, (_, i) => [{ owner: `crowd_${i}`, name: 'A' }, { owner: `crowd_${i}`, name: 'B' }]).flat(),
    };
    const seeded = await fetch(`${processes[0].url}/_pinbox/fixtures`, { method: 'POST', headers: { 'x-pinbox-admin-key': ADMIN_KEY, 'content-type': 'application/json' }, body: JSON.stringify(fixture) });
    assert.equal(seeded.status < 300, true, await seeded.text());
    const crowd = await Promise.all(
      fixture.tokens.map(async (user) => {
        const boards = (await next(user.token).get('/boards')).body.items as { id: string; name: string }[];
        return { token: user.token, boards: boards.map((b) => b.id), pins: [] as string[] };
      }),
    );
    const hot = await next(token).post('/boards', { name: 'Hot board' });
    const cold = await next(token).post('/boards', { name: 'Cold board' });
    const dev = { token, boards: [hot.body.id as string, cold.body.id as string], pins: [] as string[] };
    // Three pictures shared by everyone, so their counts are contended too.
    const pictures = [
      PNG_1X1_BASE64,
      ...(await Promise.all(['#a0522d', '#2e8b57'].map(async (color) => (await sharp({ create: { width: 2, height: 2, channels: 3, background: color } }).png().toBuffer()).toString('base64')))),
    ];

    // Codes and upload forms, made before the run, presented through all three processes at once during it.
    const codes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const back = await authorize(processes[i].url, { client_id: clientId, redirect_uri: REDIRECT, scope: 'user_accounts:read', state: `c${i}` }, { username: 'pinbox_dev', password: 'contention-password' });
      codes.push(back.searchParams.get('code')!);
    }
    const forms = await Promise.all(Array.from({ length: 4 }, async () => (await next(crowd[0].token).post('/media', { media_type: 'video' })).body));

    const ok = new Set([200, 201, 204, 404]);
    const statuses: number[] = [];
    const record = (response: { status: number; body: unknown }) => {
      statuses.push(response.status);
      assert.ok(ok.has(response.status), `${response.status} ${JSON.stringify(response.body)}`);
      return response;
    };
    /** One writer: creates, moves (between the owner's two boards), saves (from the hot board) and deletes, picked by `pick`. */
    const writer = async (owner: typeof dev, seed: number) => {
      const pick = generator(seed);
      for (let i = 0; i < 12; i++) {
        const op = owner.pins.length < 2 ? 0 : pick(5);
        const pinId = owner.pins[pick(Math.max(1, owner.pins.length))];
        if (op <= 1) {
          const made = record(await next(owner.token).post('/pins', { board_id: owner.boards[pick(2)], media_source: { source_type: 'image_base64', content_type: 'image/png', data: pictures[pick(3)] } }));
          if (made.status === 201) owner.pins.push(made.body.id);
        } else if (op === 2) {
          record(await next(owner.token).patch(`/pins/${pinId}`, { board_id: owner.boards[pick(2)] }));
        } else if (op === 3 && dev.pins.length > 0) {
          const saved = record(await next(owner.token).post(`/pins/${dev.pins[pick(dev.pins.length)]}/save`, { board_id: owner.boards[pick(2)] }));
          if (saved.status === 201) owner.pins.push(saved.body.id);
        } else {
          // Two writers of one owner may delete the same Pin at once: one 204, one 404.
          record(await next(owner.token).delete(`/pins/${pinId}`));
        }
      }
    };
    // One code after another, each through the three processes at once: client authentication counts
    // every attempt until it succeeds, and more than five of one client in flight at once are refused.
    const redeemed = (async () => {
      const answers = [];
      for (const code of codes) {
        answers.push(await Promise.all(processes.map((p) => postForm(new Client(p.url, null), '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, credentials))));
      }
      return answers;
    })();
    const uploaded = forms.map((form: { upload_url: string; upload_parameters: Record<string, string> }) =>
      Promise.all(processes.map((p) => uploadFile(form.upload_url.replace(processes[0].url, p.url), form.upload_parameters, Buffer.from('not a video, recorded as failed all the same')))),
    );
    await Promise.all([
      ...Array.from({ length: 8 }, (_, i) => writer(dev, 1000 + i)),
      ...crowd.flatMap((owner, u) => Array.from({ length: 4 }, (_, i) => writer(owner, 7 * u + i + 1))),
    ]);
    // One name, written three ways at once through the three processes, for one owner: one board;
    // and one section name on one board: one section.
    const named = await Promise.all(['Recipes', 'RECIPES', 'recipe\u0073'].map((name, i) => new Client(processes[i].url, crowd[1].token).post('/boards', { name })));
    assert.deepEqual(named.map((r) => r.status).sort(), [201, 400, 400], JSON.stringify(named.map((r) => r.body)));
    const sectioned = await Promise.all(['Salads', 'SALADS', 'salads'].map((name, i) => new Client(processes[i].url, crowd[2].token).post(`/boards/${crowd[2].boards[0]}/sections`, { name })));
    assert.deepEqual(sectioned.map((r) => r.status).sort(), [201, 409, 409], JSON.stringify(sectioned.map((r) => r.body)));
    const codeAnswers = await redeemed;
    const uploadAnswers = await Promise.all(uploaded);
    assert.ok(statuses.length > 300 && statuses.filter((s) => s < 300).length > 250, `the run wrote: ${statuses.length} calls`);

    // Every board's count is its rows; every picture's count is the Pins that use it.
    const counts = await db.query('SELECT b.id, b.pin_count, (SELECT COUNT(*) FROM pins p WHERE p.board_id = b.id)::int AS rows FROM boards b');
    for (const board of counts.rows) assert.equal(board.pin_count, board.rows, `board ${board.id}`);
    assert.ok(counts.rows.reduce((sum, b) => sum + b.rows, 0) > 100, 'Pins were left to count');
    const uses = new Map<string, number>();
    for (const { media } of (await db.query('SELECT media FROM pins')).rows) {
      for (const [, key] of (media as string).matchAll(/"\/media\/images\/originals\/([0-9a-f]{64})\.[a-z]+"/g)) uses.set(key, (uses.get(key) ?? 0) + 1);
    }
    const images = (await db.query('SELECT key, refs FROM images')).rows as { key: string; refs: number }[];
    for (const image of images) assert.equal(image.refs, uses.get(image.key) ?? 0, `picture ${image.key}`);
    assert.deepEqual([...uses.keys()].filter((key) => !images.some((image) => image.key === key)), [], 'every used picture is stored');

    // Each code gave one pair of tokens through one process; each form took one file.
    for (const answers of codeAnswers) assert.deepEqual(answers.map((a) => a.status).sort(), [200, 400, 400], JSON.stringify(answers.map((a) => a.body)));
    const grants = await db.query("SELECT grant_id, COUNT(*)::int AS n FROM tokens WHERE grant_type = 'authorization_code' GROUP BY grant_id");
    assert.deepEqual(grants.rows.map((g) => g.n), [2, 2, 2]);
    for (const answers of uploadAnswers) assert.deepEqual(answers.map((a) => a.status).sort(), [204, 403, 403], answers.map((a) => a.text).join(' | '));
    const recorded = await db.query('SELECT COUNT(*)::int AS n FROM media_uploads WHERE uploaded_at IS NOT NULL');
    assert.equal(recorded.rows[0].n, forms.length);

    await t.test('a token revoked through one process is refused by the next call on another', async () => {
      const [a, b, c] = processes.map((p) => new Client(p.url, null));
      const issued = await postForm(a, '/oauth/token', { grant_type: 'client_credentials', scope: 'user_accounts:read' }, credentials);
      assert.equal(issued.status, 200, JSON.stringify(issued.body));
      const fresh = issued.body.access_token as string;
      // B and C resolve it, and keep the grant they resolved.
      for (const other of [b, c]) assert.equal((await other.get('/user_account', { token: fresh })).status, 200);
      assert.equal((await postForm(a, '/oauth/token/revoke', { token: fresh }, credentials)).status, 200);
      for (const other of [b, c]) assert.equal((await other.get('/user_account', { token: fresh })).status, 401, 'refused at once on another process');
    });
  } finally {
    await db.end();
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
});
