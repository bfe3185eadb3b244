/**
 * PostgreSQL start-up without unstated steps: a --database-url naming a database
 * that does not exist yet gets it made (as `createdb` would); where the user may not
 * create databases, pinbox stops with the exact `createdb` command to run. Runs in
 * the suite's PostgreSQL + Redis pass.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startPinbox } from '../src/index.js';
import { adminUrl, TEST_BACKEND, TEST_DATABASE_URL, TEST_SCHEMA_PREFIX } from './backend.js';

const onPostgres = TEST_BACKEND === 'postgres';
const skip = onPostgres ? false : 'runs in the PostgreSQL + Redis pass of npm test';

/** Runs `fn` connected as the suite's own user, to the test database or another. */
async function asAdmin<T>(fn: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const url = new URL(adminUrl());
  if (database) url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** The test server's URL naming another database (and user). */
function urlFor(database: string, user?: string): string {
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${database}`;
  if (user) url.username = user;
  return url.toString();
}

test('a database that does not exist is created at start, and pinbox serves from it', { skip }, async () => {
  const database = `${TEST_SCHEMA_PREFIX}db_${randomBytes(4).toString('hex')}`;
  try {
    const pinbox = await startPinbox({ databaseUrl: urlFor(database), singleProcess: true });
    try {
      const response = await fetch(`${pinbox.url}/v5/boards`, {
        method: 'POST',
        headers: { authorization: `Bearer ${pinbox.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'made in a new database' }),
      });
      assert.equal(response.status, 201);
    } finally {
      await pinbox.close();
    }
    const boards = await asAdmin((client) => client.query<{ name: string }>('SELECT name FROM public.boards').then((result) => result.rows), database);
    assert.deepEqual(boards, [{ name: 'made in a new database' }]);
  } finally {
    await asAdmin((client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  }
});

test('a user who may not create it is told the createdb command to run', { skip }, async () => {
  const database = `${TEST_SCHEMA_PREFIX}db_${randomBytes(4).toString('hex')}`;
  const role = `${TEST_SCHEMA_PREFIX}role_${randomBytes(4).toString('hex')}`;
  await asAdmin((client) => client.query(`CREATE ROLE "${role}" LOGIN NOCREATEDB`));
  try {
    await assert.rejects(
      startPinbox({ databaseUrl: urlFor(database, role), singleProcess: true }),
      (error: Error) => {
        assert.match(error.message, new RegExp(`the database "${database}" does not exist and pinbox could not create it`));
        assert.match(error.message, new RegExp(`create it with: createdb -h [^ ]+ -p \\d+ -U ${role} ${database}$`));
        return true;
      },
    );
  } finally {
    await asAdmin((client) => client.query(`DROP ROLE IF EXISTS "${role}"`));
  }
});
