/**
 * Connections that come back: a pinbox process on PostgreSQL (and Redis) outlives
 * the loss of its connections. PostgreSQL backends killed under load (the one that
 * holds the process lock, the pool's): the process lives, every call answers 200 or
 * 503, never 500 nor a hang, and it serves again with its lock held. A database
 * cut off (through a TCP relay of the test's own): 503 saying so meanwhile, 200
 * after. A Redis of the test's own stopped and killed: 503 promptly saying the
 * shared store is unreachable, or 200 uncounted with --redis-fail-open; 200 again
 * once it is back. Runs in the suite's PostgreSQL + Redis pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { adminUrl, databaseUrlFor, dropSchema, freshSchema, TEST_BACKEND, TEST_DATABASE_URL } from './backend.js';
import { startCli, type RunningCli } from './cli.js';
import { ApiError } from '../src/kernel/errors.js';
import { PostgresDatabase } from '../src/storage/postgres/postgres-database.js';

const onPostgres = TEST_BACKEND === 'postgres';
const skip = onPostgres ? false : 'runs in the PostgreSQL + Redis pass of npm test';
const TOKEN = 'pina_RESILIENCETESTTOKEN0000000000';
const ADMIN_KEY = 'resilience-admin-key-0001';
/** Longer than any answer may take: a call still unanswered then has hung. */
const HUNG_MS = 10_000;
/** How many times a test asks before it gives up waiting for the service to be back. */
const TRIES = 400;

interface Answer {
  status: number;
  body: { code?: number; message?: string } & Record<string, unknown>;
  headers: Headers;
  ms: number;
}

/** One call; a call that fails on the wire (reset, refused, hung) rejects. */
async function call(base: string, path: string, init: { method?: string; body?: unknown; admin?: boolean } = {}): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${base}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      ...(init.admin ? { 'x-pinbox-admin-key': ADMIN_KEY } : { authorization: `Bearer ${TOKEN}` }),
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    signal: AbortSignal.timeout(HUNG_MS),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {}, headers: response.headers, ms: performance.now() - started };
}

/** Asks until `ok` holds of an answer (the service coming back); fails after TRIES. */
async function eventually(ask: () => Promise<Answer>, ok: (answer: Answer) => boolean, what: string): Promise<Answer> {
  let last: Answer | Error | null = null;
  for (let i = 0; i < TRIES; i++) {
    last = await ask().catch((error: Error) => error);
    if (!(last instanceof Error) && ok(last)) return last;
    await sleep(50);
  }
  assert.fail(`${what}: still not so after ${TRIES} tries; last answer: ${last instanceof Error ? last.message : JSON.stringify(last?.body)}`);
}

async function asAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * The backends holding the process lock of a schema (pinbox's advisory lock on
 * `hashtext('<schema>:processes')`, as pg_locks shows a bigint key: high and low halves).
 */
async function lockHolders(schema: string): Promise<{ pid: number; application_name: string }[]> {
  return asAdmin(async (client) => {
    const { rows } = await client.query<{ pid: number; application_name: string }>(
      `WITH key AS (SELECT hashtext($1)::bigint AS k)
       SELECT l.pid, a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid, key
       WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
         AND l.classid::bigint = ((key.k >> 32) & 4294967295) AND l.objid::bigint = (key.k & 4294967295)`,
      [`${schema}:processes`],
    );
    return rows;
  });
}

/** Kills every backend of a pinbox process on `schema` (as pinbox names its connections) and the lock's. */
async function killBackends(schema: string): Promise<{ lock: number[]; others: number[] }> {
  const lock = (await lockHolders(schema)).map((row) => row.pid);
  const others = await asAdmin(async (client) => {
    const { rows } = await client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'pinbox %' AND application_name LIKE $1 AND NOT pid = ANY($2)`,
      [`% ${schema}`, lock],
    );
    const pids = [...lock, ...rows.map((row) => row.pid)];
    await client.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
    return rows.map((row) => row.pid);
  });
  return { lock, others };
}

/** Calls made by `workers` clients in a loop, reads and writes, until stopped. */
function load(base: string, workers: number, round: number) {
  const answers: { status: number; code?: number; message?: string }[] = [];
  const failures: string[] = [];
  let running = true;
  const loops = Array.from({ length: workers }, async (_, worker) => {
    for (let i = 0; running; i++) {
      try {
        const answer =
          i % 3 === 0
            ? await call(base, '/v5/boards', { method: 'POST', body: { name: `load ${round}-${worker}-${i}` } })
            : await call(base, '/v5/boards?page_size=5');
        answers.push({ status: answer.status, code: answer.body.code, message: answer.body.message });
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
  });
  return {
    answers,
    failures,
    /** Whether the last `n` answers were all successes. */
    recovered: (n: number) => answers.length >= n && answers.slice(-n).every((answer) => answer.status < 300),
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

function alive(cli: RunningCli): boolean {
  return cli.child.exitCode === null && cli.child.signalCode === null;
}

test('PostgreSQL backends killed under load, the lock\'s and the pool\'s: the process lives, answers 200 or 503, then serves with its lock held', { skip }, async (t) => {
  const schema = freshSchema();
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-resilience-'));
  const args = ['--port', '0', '--database-url', databaseUrlFor(schema), '--single-process', '--blobs', join(dir, 'blobs'), '--token', TOKEN, '--rate-limits', 'off', '--log-level', 'info'];
  const pinbox = await startCli(args);
  try {
    const [before] = await lockHolders(schema);
    assert.ok(before, 'the process holds its lock');
    for (let round = 1; round <= 2; round++) {
      const traffic = load(pinbox.url, 8, round);
      let killed = { lock: [] as number[], others: [] as number[] };
      try {
        while (traffic.answers.length < 30 && traffic.failures.length === 0) await sleep(20);
        const seenBefore = traffic.answers.length;
        killed = await killBackends(schema);
        assert.equal(killed.lock.length, 1, 'the lock\'s backend was found');
        while (alive(pinbox) && traffic.failures.length === 0 && !(traffic.answers.length > seenBefore + 40 && traffic.recovered(16))) await sleep(20);
      } finally {
        await traffic.stop();
      }
      const tally = new Map<number, number>();
      for (const answer of traffic.answers) tally.set(answer.status, (tally.get(answer.status) ?? 0) + 1);
      t.diagnostic([...new Set(traffic.answers.filter((a) => a.status === 503).map((a) => a.message))].join(' / '));
      t.diagnostic(`round ${round}: ${[...tally].map(([status, n]) => `${n} × ${status}`).join(', ')}; lock backend and ${killed.others.length} others killed`);
      assert.ok(alive(pinbox), `round ${round}: the process is alive:\n${pinbox.output()}`);
      assert.deepEqual(traffic.failures, [], `round ${round}: every call was answered`);
      assert.deepEqual(traffic.answers.filter((answer) => ![200, 201, 503].includes(answer.status)), [], `round ${round}: only 200, 201 or 503`);
      for (const refused of traffic.answers.filter((answer) => answer.status === 503)) {
        assert.equal(refused.code, 503);
        assert.match(refused.message ?? '', /database/, 'a 503 says the database is the trouble');
      }
      // The lock is held again, on a new connection of this process.
      const holders = await lockHolders(schema);
      assert.equal(holders.length, 1, `round ${round}: one backend holds the process lock`);
      assert.equal(holders[0].application_name, `pinbox lock ${schema}`);
      assert.notEqual(holders[0].pid, before.pid);
    }
    // Held, so a second process that would be alone on this database is refused.
    await assert.rejects(startCli(args), /other pinbox processes are using this database/);
    assert.equal((await call(pinbox.url, '/v5/boards')).status, 200);
    assert.match(pinbox.output(), /the connection holding this process's lock was lost/);
    assert.match(pinbox.output(), /this process's lock is held again/);
  } finally {
    pinbox.child.kill('SIGTERM');
    await pinbox.exited;
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a connection that drops under a call: what only read runs again, what wrote answers 503 saying what was saved', { skip }, async () => {
  const schema = freshSchema();
  const db = await PostgresDatabase.open(databaseUrlFor(schema));
  try {
    await db.exec('CREATE TABLE notes (text TEXT NOT NULL)');
    // The transaction's own backend ends under it, as pg_terminate_backend or a restart would end it.
    const dropMyConnection = 'SELECT pg_terminate_backend(pg_backend_pid())';
    let runs = 0;
    const read = await db.transaction(async (tx) => {
      runs++;
      if (runs === 1) await tx.get(dropMyConnection);
      return tx.get<{ n: number }>('SELECT count(*)::int AS n FROM notes');
    });
    assert.deepEqual({ read, runs }, { read: { n: 0 }, runs: 2 });

    runs = 0;
    const refused = await db
      .transaction(async (tx) => {
        runs++;
        await tx.run('INSERT INTO notes (text) VALUES (?)', ['lost with its connection']);
        await tx.get(dropMyConnection);
      })
      .then(
        () => null,
        (error: unknown) => error,
      );
    assert.ok(refused instanceof ApiError, String(refused));
    assert.equal(refused.status, 503);
    assert.match(refused.message, /lost before this change was committed, so nothing was saved/);
    assert.equal(runs, 1, 'a transaction that wrote is not run again');

    // Outside a transaction: a read runs once more on another connection; a write is refused, as it may have been applied.
    await db.exec('CREATE SEQUENCE tries');
    const dropFirstTime = "SELECT CASE WHEN nextval('tries') = 1 THEN pg_terminate_backend(pg_backend_pid()) ELSE true END AS ok";
    assert.deepEqual(await db.get(dropFirstTime), { ok: true });
    const write = await db.run("INSERT INTO notes (text) SELECT 'lost too' WHERE pg_terminate_backend(pg_backend_pid())").then(
      () => null,
      (error: unknown) => error,
    );
    assert.ok(write instanceof ApiError && write.status === 503, String(write));
    assert.match(write.message, /may or may not have been saved/);
    assert.deepEqual(await db.get('SELECT count(*)::int AS n FROM notes'), { n: 0 }, 'nothing was saved');
  } finally {
    await db.close();
    await dropSchema(schema);
  }
});

/** A TCP relay to PostgreSQL that the test cuts (every connection dropped, new ones refused) and restores. */
async function relayToPostgres(): Promise<{ port: number; cut(): Promise<void>; restore(): Promise<void> }> {
  const target = new URL(TEST_DATABASE_URL);
  const sockets = new Set<Socket>();
  let server: Server;
  const listen = (port: number) =>
    new Promise<number>((resolve) => {
      server = createServer((socket) => {
        const upstream = connect(Number(target.port || 5432), target.hostname || '127.0.0.1');
        for (const end of [socket, upstream]) {
          sockets.add(end);
          end.on('error', () => undefined);
          end.on('close', () => {
            sockets.delete(end);
            socket.destroy();
            upstream.destroy();
          });
        }
        socket.pipe(upstream).pipe(socket);
      });
      server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
    });
  const port = await listen(0);
  return {
    port,
    async cut() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    async restore() {
      await listen(port);
    },
  };
}

test('a database cut off answers 503 saying so, never 500, and serves again once it is back', { skip }, async () => {
  const schema = freshSchema();
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-resilience-'));
  const relay = await relayToPostgres();
  const url = new URL(databaseUrlFor(schema));
  url.port = String(relay.port);
  const pinbox = await startCli(['--port', '0', '--database-url', url.toString(), '--single-process', '--blobs', join(dir, 'blobs'), '--token', TOKEN, '--rate-limits', 'off']);
  try {
    assert.equal((await call(pinbox.url, '/v5/boards', { method: 'POST', body: { name: 'before' } })).status, 201);
    await relay.cut();
    for (const [method, body] of [['GET', undefined], ['POST', { name: 'while away' }], ['GET', undefined]] as const) {
      const refused = await call(pinbox.url, '/v5/boards', { method, body });
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 503);
      assert.match(refused.body.message!, /database is unreachable/);
    }
    assert.ok(alive(pinbox), pinbox.output());
    await relay.restore();
    await eventually(() => call(pinbox.url, '/v5/boards'), (answer) => answer.status === 200, 'GET /v5/boards after the database came back');
    assert.equal((await call(pinbox.url, '/v5/boards', { method: 'POST', body: { name: 'after' } })).status, 201);
    const names = (await call(pinbox.url, '/v5/boards')).body.items as { name: string }[];
    assert.deepEqual(names.map((board) => board.name).sort(), ['after', 'before'], 'nothing was written while it was away');
    assert.equal((await lockHolders(schema)).length, 1, 'the lock is held again');
  } finally {
    pinbox.child.kill('SIGTERM');
    await pinbox.exited;
    await relay.cut();
    await dropSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }
});

/** A free TCP port on loopback. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A Redis of the test's own, on `port`, keeping nothing on disk. */
async function startRedis(port: number): Promise<ChildProcess> {
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await new Promise<void>((resolve, reject) => {
    let out = '';
    redis.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) resolve();
    });
    redis.on('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
  return redis;
}

async function stopRedis(redis: ChildProcess): Promise<void> {
  if (redis.exitCode !== null || redis.signalCode !== null) return;
  const exited = new Promise((resolve) => redis.once('exit', resolve));
  redis.kill('SIGKILL');
  await exited;
}

/** Stops the pinbox and the test's Redis (stopped or not), and removes the schema and the folder. */
async function tearDown(pinbox: RunningCli, redis: ChildProcess, schema: string, dir: string): Promise<void> {
  redis.kill('SIGCONT');
  pinbox.child.kill('SIGTERM');
  await pinbox.exited;
  await stopRedis(redis);
  await dropSchema(schema);
  rmSync(dir, { recursive: true, force: true });
}

/** POST /oauth/token with the dev app's client id and a wrong secret. */
async function wrongClientSecret(pinbox: RunningCli): Promise<{ status: number; body: any }> {
  const clientId = /app client id:\s+(\d+)/.exec(pinbox.output())?.[1];
  assert.ok(clientId, pinbox.output());
  const response = await fetch(`${pinbox.url}/v5/oauth/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${clientId}:not-the-secret`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  return { status: response.status, body: await response.json() };
}

/** A pinbox on a fresh schema sharing its counts in the Redis on `redisPort`. */
function pinboxOnRedis(redisPort: number, dir: string, extra: string[] = []): { schema: string; start: () => Promise<RunningCli> } {
  const schema = freshSchema();
  const args = ['--port', '0', '--database-url', databaseUrlFor(schema), '--redis-url', `redis://127.0.0.1:${redisPort}`];
  args.push('--blobs', join(dir, 'blobs'), '--token', TOKEN, '--admin-key', ADMIN_KEY, '--log-level', 'info', ...extra);
  return { schema, start: () => startCli(args) };
}

test('Redis stopped, then killed: /v5 calls answer 503 promptly saying the shared store is unreachable, and 200 once it is back', { skip }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-resilience-'));
  const redisPort = await freePort();
  let redis = await startRedis(redisPort);
  const { schema, start } = pinboxOnRedis(redisPort, dir);
  const pinbox = await start();
  try {
    const counted = await call(pinbox.url, '/v5/boards');
    assert.equal(counted.status, 200);
    assert.ok(counted.headers.get('x-ratelimit-remaining'), 'counted in Redis');

    // Stopped: its connections stay open and nothing answers.
    redis.kill('SIGSTOP');
    const whileStopped: number[] = [];
    for (let i = 0; i < 5; i++) {
      const refused = await call(pinbox.url, '/v5/boards');
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      assert.equal(refused.body.code, 503);
      assert.match(refused.body.message!, /shared store \(Redis\).*unreachable/);
      whileStopped.push(Math.round(refused.ms));
    }
    // The clock is read where it last stood; a move cannot be shared, and says so (not a 500).
    assert.equal((await call(pinbox.url, '/_pinbox/clock', { admin: true })).status, 200);
    const move = await call(pinbox.url, '/_pinbox/clock/advance', { method: 'POST', body: { by: '1h' }, admin: true });
    assert.equal(move.status, 503, JSON.stringify(move.body));
    assert.match(move.body.message!, /Redis\) is unreachable/);

    // Killed: connections refused.
    await stopRedis(redis);
    const whileKilled: number[] = [];
    for (let i = 0; i < 5; i++) {
      const refused = await call(pinbox.url, '/v5/boards');
      assert.equal(refused.status, 503, JSON.stringify(refused.body));
      whileKilled.push(Math.round(refused.ms));
    }
    t.diagnostic(`503 answered in ms, Redis stopped: ${whileStopped.join(', ')}; killed: ${whileKilled.join(', ')}`);
    // Failed client authentications are counted in Redis too: 503 in Pinterest's shape, not a 500.
    const token = await wrongClientSecret(pinbox);
    assert.equal(token.status, 503, JSON.stringify(token.body));
    assert.equal(token.body.code, 503);
    assert.match(token.body.message, /shared store \(Redis\).*unreachable/);

    // Back on the same port: served and counted again, with no restart of pinbox.
    redis = await startRedis(redisPort);
    const back = await eventually(() => call(pinbox.url, '/v5/boards'), (answer) => answer.status === 200, 'GET /v5/boards after Redis came back');
    assert.ok(back.headers.get('x-ratelimit-remaining'), 'counted in Redis again');
    assert.ok(alive(pinbox), pinbox.output());
    assert.match(pinbox.output(), /Redis is unreachable: \/v5 calls answer 503/);
    assert.match(pinbox.output(), /Redis is reachable again/);
  } finally {
    await tearDown(pinbox, redis, schema, dir);
  }
});

test('with --redis-fail-open, calls are served uncounted while Redis is away, and counted again once it is back', { skip }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-resilience-'));
  const redisPort = await freePort();
  let redis = await startRedis(redisPort);
  const { schema, start } = pinboxOnRedis(redisPort, dir, ['--redis-fail-open']);
  const pinbox = await start();
  try {
    assert.ok((await call(pinbox.url, '/v5/boards')).headers.get('x-ratelimit-remaining'), 'counted in Redis');
    redis.kill('SIGSTOP');
    for (let i = 0; i < 3; i++) {
      const served = await call(pinbox.url, '/v5/boards');
      assert.equal(served.status, 200, JSON.stringify(served.body));
      assert.equal(served.headers.get('x-ratelimit-remaining'), null, 'not counted');
    }
    await stopRedis(redis);
    assert.equal((await call(pinbox.url, '/v5/boards', { method: 'POST', body: { name: 'while Redis is away' } })).status, 201);
    // A wrong client secret is still a 401, not counted.
    assert.equal((await wrongClientSecret(pinbox)).status, 401);
    redis = await startRedis(redisPort);
    await eventually(() => call(pinbox.url, '/v5/boards'), (answer) => answer.status === 200 && answer.headers.get('x-ratelimit-remaining') !== null, 'counted again after Redis came back');
    assert.ok(alive(pinbox), pinbox.output());
    // Warned once for the outage, however many calls went uncounted.
    assert.equal(pinbox.output().match(/rate limits fail open/g)?.length, 1, pinbox.output());
  } finally {
    await tearDown(pinbox, redis, schema, dir);
  }
});
