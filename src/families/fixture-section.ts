/**
 * The contract of a family's section of a fixture file (`users`, `boards`, …).
 * The control plane's loader (src/control/fixtures.ts) checks the whole file's shape
 * from every section's item schema, then asks each section, in the registry's order,
 * to check its items against the store and the names the fixture gives (fetching
 * and processing what it must: nothing is written yet), then to write them, all in
 * one transaction. A bad item is refused with a 400 naming its path in the file.
 */
import { ApiError } from '../kernel/errors.js';
import type { Queryable, Transaction } from '../storage/database.js';

/**
 * Names that fixture items give one another (a Pin names its board `owner/board`,
 * a token its user and app), by kind. A section declares the names it makes while
 * checking and records their ids while writing; any section may ask for a name
 * made by the fixture or, where the owning section can look it up, kept in the store.
 */
export interface FixtureNames {
  /** Declares a name the fixture makes; false when the fixture made it already. */
  declare(kind: string, name: string): boolean;
  /** Whether the fixture makes this name (declared by an earlier section or item). */
  declared(kind: string, name: string): boolean;
  /** Whether the fixture makes this name or the store holds it. */
  known(kind: string, name: string, q?: Queryable): Promise<boolean>;
  /** Records the id a written item got under its name. */
  record(kind: string, name: string, id: string): void;
  /** The id of a name the fixture made or the store holds (throws when neither). */
  idOf(kind: string, name: string, q?: Queryable): Promise<string>;
}

/** What every section's check and write see. */
export interface FixtureContext {
  names: FixtureNames;
  /** The folder a fixture's relative file paths are read from. */
  baseDir: string;
  /** The dev user and app as they are in the store, or null (pinbox started without them). */
  dev: { userId: string; appId: string | null } | null;
}

export interface FixtureSection<Key extends string = string, Item = any, Prepared = any, Made = any> {
  /** The section's key in the fixture file. */
  key: Key;
  /** JSON Schema of one item (the file's shape is checked from these before anything else). */
  item: object;
  /** How the section's names are found in the store, for items of other sections that name them. */
  lookup?: { kind: string; find(name: string, q?: Queryable): Promise<string | null> };
  /**
   * Checks the items against the store and the fixture's names and prepares what
   * writing needs (fetched and processed images, password hashes); writes nothing.
   */
  check(items: readonly Item[], context: FixtureContext): Promise<Prepared>;
  /** Writes the items inside the fixture's transaction; returns what the result lists for the section. */
  write(tx: Transaction, items: readonly Item[], prepared: Prepared, context: FixtureContext): Promise<Made[]>;
}

/** Declares a fixture section (keeping its key and item types for the Fixture type). */
export function defineFixtureSection<Key extends string, Item, Prepared, Made>(
  section: FixtureSection<Key, Item, Prepared, Made>,
): FixtureSection<Key, Item, Prepared, Made> {
  return section;
}

/**
 * A fixture's mistake at a path in the file, e.g. `invalidFixture('boards[2].name', 'appears twice')`.
 * @example throw invalidFixture(`pins[${i}].board`, 'names no board of the fixture');
 */
export function invalidFixture(path: string, problem: string): ApiError {
  return new ApiError('invalid_parameters', `Invalid fixture: '${path || '(document)'}' ${problem}.`);
}

/** An error of the API's own checks (an image that cannot be read), reworded as the fixture's. */
export function asFixtureError(error: unknown): never {
  if (error instanceof ApiError) throw new ApiError('invalid_parameters', error.message.replace(/^Invalid parameters:/, 'Invalid fixture:'));
  throw error;
}
