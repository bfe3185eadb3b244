/**
 * Before the suite's PostgreSQL + Redis run: checks both answer, and clears what an
 * earlier run with the same prefix (PINBOX_TEST_SCHEMA_PREFIX) may have left. Exit 0
 * when the run can go ahead, 3 when a service is not reachable (with the reason on
 * stderr). scripts/test.sh runs it again when the run ends, to remove this run's
 * schemas and keys (and nothing of any other run).
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { adminUrl, TEST_DATABASE_URL, TEST_REDIS_URL, TEST_SCHEMA_PREFIX } from '../test/backend.js';

async function main(): Promise<number> {
  const client = new pg.Client({ connectionString: adminUrl(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const { rows } = await client.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)', [TEST_SCHEMA_PREFIX]);
    for (const { nspname } of rows) await client.query(`DROP SCHEMA IF EXISTS "${nspname}" CASCADE`);
    // Databases a test had pinbox create (a --database-url naming one that did not exist).
    const databases = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [TEST_SCHEMA_PREFIX]);
    for (const { datname } of databases.rows) await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
  } catch (error) {
    process.stderr.write(`PostgreSQL at ${TEST_DATABASE_URL} is not reachable: ${error instanceof Error ? error.message : String(error)}\n`);
    return 3;
  } finally {
    await client.end().catch(() => undefined);
  }
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true, connectTimeout: 5_000, maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `pinbox:${TEST_SCHEMA_PREFIX}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } catch (error) {
    process.stderr.write(`Redis at ${TEST_REDIS_URL} is not reachable: ${error instanceof Error ? error.message : String(error)}\n`);
    return 3;
  } finally {
    redis.disconnect();
  }
  return 0;
}

process.exitCode = await main();
