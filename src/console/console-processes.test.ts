/**
 * The overview's count of the pinbox processes that share a store, over HTTP: two
 * processes on one PostgreSQL schema count as two, one again when the other stops;
 * a SQLite store is one process. (The console's browser tests run in the SQLite pass
 * only; this one is what of them needs PostgreSQL.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPinbox } from '../index.js';
import { databaseUrlFor, dropSchema, freshSchema, TEST_BACKEND, TEST_REDIS_URL } from '../../test/backend.js';

test('overview: two pinbox processes on one PostgreSQL schema count as two, one again when the other stops', { skip: TEST_BACKEND !== 'postgres' && 'PostgreSQL only' }, async () => {
  const schema = freshSchema();
  const options = { port: 0, databaseUrl: databaseUrlFor(schema), redisUrl: TEST_REDIS_URL, blobsDir: join(tmpdir(), `blobs-${schema}`) };
  const first = await startPinbox(options);
  try {
    const processes = async () =>
      ((await (await fetch(`${first.url}/_pinbox/instance`, { headers: { 'x-pinbox-admin-key': first.adminKey } })).json()) as { processes: { count: number } }).processes.count;
    assert.equal(await processes(), 1);
    const second = await startPinbox(options);
    try {
      assert.equal(await processes(), 2);
    } finally {
      await second.close();
    }
    // PostgreSQL drops a closed connection's backend from pg_stat_activity as it exits: wait for that, not for a time.
    let count = await processes();
    for (let tries = 0; count !== 1 && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      count = await processes();
    }
    assert.equal(count, 1);
  } finally {
    await first.close();
    await dropSchema(schema);
  }
});
