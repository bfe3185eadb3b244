/**
 * The family registry: each family built after those it uses, nothing shared by two
 * families under one name, migration parts ordered into the store's versions, and
 * a family added by its folder and one line of the list.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { schemaSteps, latestVersion, migrate, STORE_MIGRATIONS } from '../storage/migrate.js';
import { SqliteDatabase } from '../storage/sqlite/sqlite-database.js';
import { defineFamily, type Core } from './family.js';
import { FAMILIES } from './index.js';
import { buildFamilies, MIGRATIONS } from './registry.js';

/** A core that nothing in these toy families touches. */
const core = {} as Core;

test('a family is built after the families it uses, once, whatever the list order', () => {
  const order: string[] = [];
  const base = defineFamily({ name: 'base', uses: {}, migrations: [], build: () => (order.push('base'), { services: { base: { n: 1 } } }) });
  const top = defineFamily({
    name: 'top',
    uses: { base },
    migrations: [],
    build: (_core, uses) => (order.push('top'), { services: { top: { n: uses.base.services.base.n + 1 } } }),
  });
  const built = buildFamilies(core, [top, base]);
  assert.deepEqual(order, ['base', 'top']);
  assert.equal((built.services as unknown as Record<string, { n: number }>).top.n, 2);
});

test('a family used but not listed, a cycle, or a name two families share is refused at build', () => {
  const loner = defineFamily({ name: 'loner', uses: {}, migrations: [], build: () => ({}) });
  const needy = defineFamily({ name: 'needy', uses: { loner }, migrations: [], build: () => ({}) });
  assert.throws(() => buildFamilies(core, [needy]), /family loner is used but not in the registry/);

  const a: any = defineFamily({ name: 'a', uses: {}, migrations: [], build: () => ({}) });
  const b = defineFamily({ name: 'b', uses: { a }, migrations: [], build: () => ({}) });
  a.uses = { b };
  assert.throws(() => buildFamilies(core, [a, b]), /uses itself/);

  const one = defineFamily({ name: 'one', uses: {}, migrations: [], build: () => ({ stores: { things: {} } }) });
  const two = defineFamily({ name: 'two', uses: {}, migrations: [], build: () => ({ stores: { things: {} } }) });
  assert.throws(() => buildFamilies(core, [one, two]), /family two: stores 'things' is another family's name already/);
});

test('migration parts run by version, parts of one version in the registry order, one row per version', async () => {
  const parts = [
    { version: 2, name: 'two-a', sql: 'CREATE TABLE two_a (id TEXT);' },
    { version: 1, name: 'one-a', sql: 'CREATE TABLE one_a (id TEXT PRIMARY KEY);' },
    { version: 2, name: 'two-b', sql: 'CREATE TABLE two_b (id TEXT REFERENCES one_a(id));' },
    { version: 1, name: 'one-b', sql: 'CREATE TABLE one_b (id TEXT);' },
  ];
  assert.deepEqual(
    schemaSteps(parts).map((step) => [step.version, step.parts.map((p) => p.name)]),
    [[1, ['one-a', 'one-b']], [2, ['two-a', 'two-b']]],
  );
  assert.throws(() => schemaSteps([...parts, { version: 1, name: 'one-a', sql: '' }]), /one-a appears twice at version 1/);

  const db = SqliteDatabase.open();
  try {
    assert.equal(await migrate(db, parts.filter((p) => p.version === 1)), 1);
    assert.equal(await migrate(db, parts), 2);
    const rows = await db.all<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
    assert.deepEqual(rows, [{ version: 1, name: 'one-a, one-b' }, { version: 2, name: 'two-a, two-b' }]);
    await assert.rejects(migrate(db, parts.filter((p) => p.version === 1)), /schema version 2, newer than this pinbox \(1\)/);
  } finally {
    await db.close();
  }
});

test('the registry: every family in its own folder, its migration versions rising, the store versions 1 to the latest without a gap', () => {
  const names = FAMILIES.map((family) => family.name);
  assert.equal(new Set(names).size, names.length);
  for (const family of FAMILIES) {
    const versions = family.migrations.map((m) => m.version);
    assert.deepEqual(versions, [...versions].sort((x, y) => x - y), `${family.name}'s migrations are listed in version order`);
  }
  const versions = schemaSteps(MIGRATIONS).map((step) => step.version);
  assert.deepEqual(versions, Array.from({ length: latestVersion(MIGRATIONS) }, (_, i) => i + 1));
  assert.equal(MIGRATIONS[0], STORE_MIGRATIONS[0], 'the store\'s own table comes first');
});
