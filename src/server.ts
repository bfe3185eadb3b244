import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp, type RegisteredRoute } from './app.js';
import { Admin } from './control/admin.js';
import { Control, newAdminKey } from './control/control.js';
import type { Fixture, FixtureResult } from './control/fixtures.js';
import type { JournalSettings } from './control/journal.js';
import { buildFamilies, type Core, type Families } from './families/index.js';
import { DEV_APP_NAME, DEV_USERNAME, ensureDevIdentity, type DevIdentity } from './families/oauth/dev-identity.js';
import { Clock } from './kernel/clock.js';
import { IdGenerator } from './kernel/ids.js';
import { Bookmarks } from './kernel/pagination.js';
import { InProcessRateLimiter, type RateLimiter } from './kernel/rate-limits/limiter.js';
import { RateLimitPolicy, type RateLimitMode, type RateLimitOverrides } from './kernel/rate-limits/policy.js';
import { RateLimits } from './kernel/rate-limits/rate-limits.js';
import type { Database } from './storage/database.js';
import { migrate } from './storage/migrate.js';
import { SqliteDatabase } from './storage/sqlite/sqlite-database.js';
import { FileBlobStore, MemoryBlobStore } from './storage/blobs/blob-store.js';
import { DEFAULT_FETCH_LIMITS, type FetchLimits } from './families/media/fetch-image.js';
import { PINBOX_VERSION } from './version.js';

export interface PinboxOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** A SQLite file to persist to; without it the store lives in memory. */
  data?: string;
  /** Fixes the dev access token string, so scripts can rely on it. */
  token?: string;
  /** Fixes the dev app's client secret. */
  clientSecret?: string;
  /** Username of the dev user (default `pinbox_dev`). */
  username?: string;
  /** Sets the dev user's password for the OAuth sign-in page (default: random, made once). */
  password?: string;
  /** Redirect URIs to register for the dev app, so a local app can run the OAuth flow at once. */
  redirectUris?: readonly string[];
  /** pino log level, or 'silent'. Default 'silent'. */
  logLevel?: string;
  /** A clock to share (tests); default a new running clock. */
  clock?: Clock;
  /**
   * Whose limits apply: `app` (default) each app's own access tier, `trial` or
   * `standard` that tier for every app, `off` none (and no x-ratelimit headers).
   */
  rateLimits?: RateLimitMode;
  /**
   * Changes to Pinterest's limits, `[tier.]category` or `[tier.]all` to `N/unit` or `off`.
   * @example { org_write: '5/minute', 'standard.all': 'off' }
   */
  rateLimitOverrides?: RateLimitOverrides;
  /** Where counts are kept; default this process's memory. */
  rateLimiter?: RateLimiter;
  /** How images given by URL are fetched: time-out, size cap, redirects (default 10 s, 20 MB, 5). */
  imageFetch?: Partial<FetchLimits>;
  /** The control plane's admin key (default: a random one, printed on start). */
  adminKey?: string;
  /** Let the control plane (`/_pinbox`) answer other hosts too; by default it answers loopback only. */
  controlRemote?: boolean;
  /** The request journal: on or off, with bodies, and how many calls it keeps (default on, no bodies, 1000). */
  journal?: Partial<JournalSettings>;
  /** A fixture (object, or path of a JSON file) loaded before the server listens. */
  seed?: Fixture | string;
}


export interface Pinbox {
  /** Base URL of the server, e.g. http://127.0.0.1:3000 (the API is under /v5). */
  url: string;
  /** The dev access token (every scope). */
  token: string;
  identity: DevIdentity;
  clock: Clock;
  admin: Admin;
  /** The rate limits in force (mode, plans) and their counts. */
  rateLimits: RateLimits;
  /** The Fastify instance, for embedding. */
  app: FastifyInstance;
  /** Every route Fastify serves under `/v5`, with the policy (operationId, scopes, rate-limit category) the kernel enforces. */
  routes: readonly RegisteredRoute[];
  /** The key of the control plane (`/_pinbox` and `pinbox ctl`). */
  adminKey: string;
  /** The control plane: reset, fixtures, snapshots, clock, faults, journal. */
  control: Control;
  /** Empties the store (or one user's content); see Control.reset. */
  reset: Control['reset'];
  /** Loads a fixture; see Control.seed. */
  seed: Control['seed'];
  /** What the start-up fixture (`seed`) made, or null. */
  seeded: FixtureResult | null;
  snapshot: Control['snapshot'];
  restore: Control['restore'];
  faults: Control['faults'];
  journal: Control['journal'];
  /** Stops accepting connections, finishes in-flight requests and closes the store. */
  close(): Promise<void>;
}

async function instanceSecret(db: Database): Promise<Buffer> {
  return db.transaction(async (tx) => {
    const row = await tx.get<{ value: string }>("SELECT value FROM meta WHERE key = 'instance_secret'");
    if (row) return Buffer.from(row.value, 'hex');
    const secret = randomBytes(32);
    await tx.run("INSERT INTO meta (key, value) VALUES ('instance_secret', ?)", [secret.toString('hex')]);
    return secret;
  });
}

/**
 * Starts pinbox: config -> store -> app -> listen.
 * @example
 * import { startPinbox } from 'pinbox';
 * const pinbox = await startPinbox();
 * await fetch(`${pinbox.url}/v5/user_account`, { headers: { authorization: `Bearer ${pinbox.token}` } });
 * await pinbox.close();
 */
/** Opens (and migrates) a store and builds every family on it. */
async function openCore(data: string | undefined, clock: Clock, fetchLimits: Partial<FetchLimits> = {}): Promise<{ core: Core; families: Families }> {
  const db = SqliteDatabase.open(data);
  try {
    await migrate(db);
    const secret = await instanceSecret(db);
    const core: Core = {
      db,
      clock,
      ids: new IdGenerator(clock),
      bookmarks: new Bookmarks(secret),
      instanceSecret: secret,
      // Images and videos live as files in a folder beside the SQLite file.
      blobs: data ? new FileBlobStore(`${data}.blobs`) : new MemoryBlobStore(),
      fetchLimits: { ...DEFAULT_FETCH_LIMITS, ...fetchLimits },
    };
    return { core, families: buildFamilies(core) };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Opens a pinbox store without serving it, for the CLI's `apps create`,
 * `users create` and `token inspect` on a `--data` file (a running pinbox on the
 * same file sees the changes: SQLite in WAL mode takes writers from several processes).
 * @example
 * const store = await openPinboxStore('pinbox.db');
 * const app = await store.admin.createApp({ redirectUris: ['http://127.0.0.1:8080/callback'] });
 * await store.close();
 */
export async function openPinboxStore(data: string): Promise<{ admin: Admin; close(): Promise<void> }> {
  const { core, families } = await openCore(data, new Clock());
  const devApp = await families.stores.users
    .getByUsername(DEV_USERNAME)
    .then((user) => (user ? families.stores.apps.findByOwner(user.id, DEV_APP_NAME) : null));
  return { admin: new Admin(core, families, devApp?.id ?? null), close: () => core.db.close() };
}

export async function startPinbox(options: PinboxOptions = {}): Promise<Pinbox> {
  // Bad limit settings are refused before a store is opened.
  const rateLimitPolicy = new RateLimitPolicy(options.rateLimits ?? 'app', options.rateLimitOverrides);
  const { core, families } = await openCore(options.data, options.clock ?? new Clock(), options.imageFetch);
  const { db, clock } = core;
  const rateLimits = new RateLimits(rateLimitPolicy, options.rateLimiter ?? new InProcessRateLimiter(), clock);
  try {
    const identityOptions = {
      token: options.token,
      clientSecret: options.clientSecret,
      username: options.username,
      password: options.password,
      redirectUris: options.redirectUris,
    };
    const identity = await ensureDevIdentity(core, families, identityOptions);
    const control = new Control(
      { core, families, rateLimits, dev: { ...identityOptions, token: identity.token } },
      { adminKey: options.adminKey ?? newAdminKey(), remote: options.controlRemote, journal: options.journal, version: PINBOX_VERSION },
    );
    // Pictures left unused by a process that stopped between a delete and its sweep.
    await families.stores.images.sweep();
    const logLevel = options.logLevel ?? 'silent';
    const app = buildApp({
      tokens: families.stores.tokens,
      clients: families.stores.apps,
      rateLimits,
      routes: families.routes,
      extraRoutes: families.publicRoutes,
      control: (app) => control.install(app),
      version: PINBOX_VERSION,
      logger:
        logLevel === 'silent'
          ? false
          : {
              level: logLevel,
              redact: {
                paths: ['req.headers.authorization', 'req.headers.cookie', '*.token', '*.access_token', '*.refresh_token', '*.client_secret', '*.password', '*.code', '*.code_verifier'],
                censor: '[redacted]',
              },
            },
    });
    const seeded = options.seed === undefined ? null : await control.seed(options.seed);
    await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const host = options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : '127.0.0.1';
    let closing: Promise<void> | null = null;
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      token: identity.token,
      identity,
      clock,
      admin: new Admin(core, families, identity.app.id),
      rateLimits,
      app,
      routes: app.v5Routes,
      adminKey: control.options.adminKey,
      control,
      reset: (resetOptions) => control.reset(resetOptions),
      seed: (fixture, seedOptions) => control.seed(fixture, seedOptions),
      seeded,
      snapshot: () => control.snapshot(),
      restore: (snapshot) => control.restore(snapshot),
      faults: control.faults,
      journal: control.journal,
      close() {
        closing ??= (async () => {
          await app.close();
          await db.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}
