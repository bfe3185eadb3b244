import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { FixtureContext, FixtureNames, FixtureSection } from '../families/fixture-section.js';
import { invalidFixture } from '../families/fixture-section.js';
import type { FixtureSections } from '../families/registry.js';
import { ApiError } from '../kernel/errors.js';
import type { Queryable } from '../storage/database.js';
import { findDev, type ControlDeps } from './deps.js';

/**
 * The fixture format (JSON): who exists and what they made. Every list is optional;
 * each is a section declared by its family (`fixtures` in its definition), loaded in
 * the registry's order.
 * Boards are named `owner/board name` by Pins; sections by their name on the board.
 * Apps are named by `name`; a token without `app` is for the dev app. Images come
 * by URL or from a file (a path relative to the fixture file), and go through the
 * same checks and processing as a Pin made through the API.
 * @example
 * {
 *   "users":  [{ "username": "alice", "password": "wonderland", "account_type": "business" }],
 *   "apps":   [{ "name": "shop", "owner": "alice", "secret": "s3cret", "redirect_uris": ["http://localhost:8080/cb"], "tier": "standard" }],
 *   "tokens": [{ "user": "alice", "app": "shop", "scopes": ["boards:read", "pins:read"], "token": "pina_alice_read_only_token" }],
 *   "boards": [{ "owner": "alice", "name": "Recipes", "privacy": "PUBLIC", "sections": ["Salads"] }],
 *   "pins":   [{ "board": "alice/Recipes", "section": "Salads", "title": "Greek salad", "image_file": "greek-salad.png" }]
 * }
 */
export type Fixture = { [S in FixtureSections as S['key']]?: S extends FixtureSection<string, infer Item> ? Item[] : never };

/** What a fixture made, with the ids and credentials a test needs: a list per section. */
export type FixtureResult = { [S in FixtureSections as S['key']]: S extends FixtureSection<string, any, any, infer Made> ? Made[] : never };

/** The whole file's shape, from every section's item schema; compiled once per registry. */
const shapes = new WeakMap<readonly FixtureSection[], ValidateFunction>();
function shapeOf(sections: readonly FixtureSection[]): ValidateFunction {
  let validate = shapes.get(sections);
  if (!validate) {
    const properties = Object.fromEntries(sections.map((section) => [section.key, { type: 'array', items: section.item }]));
    validate = new Ajv({ allErrors: false, strict: false }).compile({ type: 'object', additionalProperties: false, properties });
    shapes.set(sections, validate);
  }
  return validate;
}

/** `/boards/2/name` -> `boards[2].name`: the path as a reader of the file names it. */
function pathOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function fromAjv(error: ErrorObject): ApiError {
  const path = pathOf(error.instancePath);
  if (error.keyword === 'required') return invalidFixture(path ? `${path}.${error.params.missingProperty}` : String(error.params.missingProperty), 'is required');
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params.additionalProperty);
    return invalidFixture(path ? `${path}.${extra}` : extra, 'is not a fixture field');
  }
  if (error.keyword === 'enum') return invalidFixture(path, `must be one of ${(error.params.allowedValues as string[]).join(', ')}`);
  return invalidFixture(path, error.message ?? 'is invalid');
}

/** The names one fixture gives, with the store's lookups for kinds a section can find there. */
class Names implements FixtureNames {
  private readonly made = new Map<string, Set<string>>();
  private readonly ids = new Map<string, string>();

  constructor(private readonly lookups: ReadonlyMap<string, NonNullable<FixtureSection['lookup']>>) {}

  declare(kind: string, name: string): boolean {
    const names = this.made.get(kind) ?? new Set<string>();
    this.made.set(kind, names);
    if (names.has(name)) return false;
    names.add(name);
    return true;
  }

  declared(kind: string, name: string): boolean {
    return this.made.get(kind)?.has(name) ?? false;
  }

  async known(kind: string, name: string, q?: Queryable): Promise<boolean> {
    return this.declared(kind, name) || ((await this.lookups.get(kind)?.find(name, q)) ?? null) !== null;
  }

  record(kind: string, name: string, id: string): void {
    this.ids.set(`${kind}\u0000${name}`, id);
  }

  async idOf(kind: string, name: string, q?: Queryable): Promise<string> {
    const id = this.ids.get(`${kind}\u0000${name}`) ?? (await this.lookups.get(kind)?.find(name, q)) ?? null;
    if (id === null) throw new Error(`fixture: no ${kind} named ${name} was made or stored`);
    return id;
  }
}

/**
 * Reads a fixture file (JSON) and loads it; image files are found relative to it.
 * @example await loadFixtureFile(deps, 'test/fixtures/shop.json')
 */
export async function loadFixtureFile(deps: ControlDeps, file: string): Promise<FixtureResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ApiError('invalid_parameters', `Invalid fixture: ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return loadFixture(deps, parsed, dirname(resolve(file)));
}

/**
 * Loads a fixture: everything in it is checked (shape, references, names already
 * taken, every image fetched and processed) before anything is written, then
 * written in one transaction. A bad fixture is refused with a 400 naming the
 * path in the file (e.g. `boards[2].name`) and leaves no row and no file behind.
 */
export async function loadFixture(deps: ControlDeps, input: unknown, baseDir: string = process.cwd()): Promise<FixtureResult> {
  const sections = deps.families.fixtures;
  const validateShape = shapeOf(sections);
  if (!validateShape(input)) throw fromAjv(validateShape.errors![0]);
  const fixture = input as Record<string, readonly unknown[] | undefined>;
  const { db, blobs } = deps.core;
  const lookups = new Map(sections.flatMap((section) => (section.lookup ? [[section.lookup.kind, section.lookup] as const] : [])));
  const context: FixtureContext = { names: new Names(lookups), baseDir, dev: await findDev(deps, db) };

  // Every section checks (and fetches, reads, processes) before anything is written.
  const prepared: unknown[] = [];
  for (const section of sections) prepared.push(await section.check(fixture[section.key] ?? [], context));

  const result: Record<string, unknown[]> = {};
  await db.transaction(async (tx) => {
    const blobsBefore = new Set(await blobs.list());
    try {
      for (const [i, section] of sections.entries()) result[section.key] = await section.write(tx, fixture[section.key] ?? [], prepared[i], context);
    } catch (error) {
      // The rows roll back; the files written for new pictures go with them.
      for (const key of await blobs.list()) if (!blobsBefore.has(key)) await blobs.delete(key);
      throw error;
    }
  });
  return result as FixtureResult;
}
