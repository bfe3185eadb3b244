/**
 * The contract of a resource family. A family folder exports one definition
 * (`defineFamily`) saying everything pinbox needs to know of it: its migrations for
 * both engines, how it builds its stores, services and routes from the core and from
 * the families it uses, its pages outside `/v5`, the work it does before the server
 * listens, what it caches beside the store and its sections of a fixture file. The registry (`./index.ts`) is a list
 * of these definitions; `./registry.ts` builds them in order.
 */
import type { FastifyInstance } from 'fastify';
import type { CacheInvalidations } from '../kernel/cache-invalidations.js';
import type { Clock } from '../kernel/clock.js';
import type { IdGenerator } from '../kernel/ids.js';
import type { Bookmarks } from '../kernel/pagination.js';
import type { ApiRoute } from '../kernel/route-policy.js';
import type { BlobStore } from '../storage/blobs/blob-store.js';
import type { Database } from '../storage/database.js';
import type { FetchPolicy } from '../kernel/outbound/fetch-policy.js';
import type { Migration } from '../storage/migrate.js';
import type { FixtureSection } from './fixture-section.js';
import type { FetchLimits } from './media/fetch-image.js';
import type { VideoUploadSettings } from './media/upload-service.js';

/** What every family is built from: the store, the clock, ids, and the instance's settings. */
export interface Core {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  bookmarks: Bookmarks;
  /** This store's random secret (made on first start); families derive their keys from it. */
  instanceSecret: Buffer;
  /** Bytes of images and videos: files beside a --data store, memory otherwise. */
  blobs: BlobStore;
  /** Which addresses pinbox fetches from (image URLs; later feeds and webhooks). */
  fetchPolicy: FetchPolicy;
  /** How pinbox fetches images given by URL. */
  fetchLimits: FetchLimits;
  /** How long video processing takes on the clock, and the largest upload. */
  videoUploads: VideoUploadSettings;
  /**
   * Drops what processes cache beside the store, in this one and (with Redis) in
   * every other at once: a family that caches listens to its topic, and a write that
   * changes what is cached drops it after its commit (`tx.afterCommit`).
   */
  invalidations: CacheInvalidations;
  /** The analytics seed asked for at start (`--analytics-seed`); undefined keeps the stored one. */
  analyticsSeed?: number;
}

/** What a family gives once built. Every part is optional; names of stores and services are unique across families. */
export interface FamilyParts {
  /** Its stores, by name (the control plane and the CLI reach state through them). */
  stores?: Record<string, object>;
  /** Its services, by name: what other families and the control plane call. */
  services?: Record<string, object>;
  /** Its `/v5` routes, each with the spec's operationId, scopes and rate-limit category. */
  routes?: readonly ApiRoute[];
  /** Its routes outside `/v5` (browser pages, upload hosts, served media), registered as given. */
  pages?: (app: FastifyInstance) => void;
  /** Work before the server listens (sweeps left by a stopped process, settings kept in the store). */
  start?: () => Promise<void>;
  /** Forgets what it keeps in this process beside the store, after the store changed under it (reset, restore). */
  forgetCached?: () => void | Promise<void>;
  /** Its sections of a fixture file (`users`, `boards`, …), loaded in the registry's order. */
  fixtures?: readonly FixtureSection[];
}

/** Families a family builds on, by the name it calls them. */
export type FamilyUses = Readonly<Record<string, FamilyDefinition<any, any>>>;

/** The parts each used family was built into. */
export type BuiltUses<U extends FamilyUses> = { readonly [K in keyof U]: U[K] extends FamilyDefinition<any, infer P> ? P : never };

export interface FamilyDefinition<U extends FamilyUses = FamilyUses, P extends FamilyParts = FamilyParts> {
  /** The spec's tag it serves, as its folder is named. */
  name: string;
  /** The families it builds on; the registry lists them before it. */
  uses: U;
  /**
   * Its schema changes, each with the global version it shipped in. The runner
   * orders every family's migrations by version (then by the registry's order) and
   * runs all parts of one version in one transaction, as one step of the store's version.
   */
  migrations: readonly Migration[];
  build(core: Core, uses: BuiltUses<U>): P;
}

/**
 * Declares a family; the function only checks the shape (and keeps its types).
 * @example
 * export const boardsFamily = defineFamily({
 *   name: 'boards',
 *   uses: { users: userAccountFamily },
 *   migrations: BOARD_MIGRATIONS,
 *   build: (core) => { const boards = new BoardStore(core.db); return { stores: { boards }, routes: boardRoutes({ boards }) }; },
 * });
 */
export function defineFamily<U extends FamilyUses, P extends FamilyParts>(definition: FamilyDefinition<U, P>): FamilyDefinition<U, P> {
  return definition;
}
