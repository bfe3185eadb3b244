import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp, type RegisteredRoute } from './app.js';
import { Admin } from './control/admin.js';
import { Control, instanceAdminKey } from './control/control.js';
import type { Fixture, FixtureResult } from './control/fixtures.js';
import type { JournalSettings } from './control/journal.js';
import { buildFamilies, MIGRATIONS, type Core, type Families } from './families/registry.js';
import { DEV_APP_NAME, DEV_USERNAME, ensureDevIdentity, type DevIdentity } from './families/oauth/dev-identity.js';
import { isBearerToken, newToken } from './kernel/auth.js';
import { CacheInvalidations, STORE_TOPIC } from './kernel/cache-invalidations.js';
import { Clock } from './kernel/clock.js';
import { RedisInvalidationChannel } from './kernel/redis-invalidation-channel.js';
import { ID_NODES, IdGenerator } from './kernel/ids.js';
import { Bookmarks } from './kernel/pagination.js';
import { InProcessRateLimiter, type RateLimiter } from './kernel/rate-limits/limiter.js';
import { RateLimitPolicy, type RateLimitMode, type RateLimitOverrides } from './kernel/rate-limits/policy.js';
import { RateLimits } from './kernel/rate-limits/rate-limits.js';
import { RedisRateLimiter } from './kernel/rate-limits/redis-limiter.js';
import { RedisAttemptCounter } from './kernel/redis-attempt-counter.js';
import { LOG_REDACT_PATHS } from './kernel/secret-names.js';
import { shareClock } from './kernel/shared-clock.js';
import { RedisFaultShare } from './control/shared-faults.js';
import { SharedStoreHealth } from './kernel/shared-store.js';
import type { Redis } from 'ioredis';
import type { Database } from './storage/database.js';
import { migrate } from './storage/migrate.js';
import type { PostgresDatabase } from './storage/postgres/postgres-database.js';
import { SqliteDatabase } from './storage/sqlite/sqlite-database.js';
import { FileBlobStore, MemoryBlobStore } from './storage/blobs/blob-store.js';
import { DEFAULT_FETCH_LIMITS, type FetchLimits } from './families/media/fetch-image.js';
import { FetchPolicy } from './kernel/outbound/fetch-policy.js';
import type { VideoUploadSettings } from './families/media/upload-service.js';
import { VIDEO_LIMITS } from './families/media/video-probe.js';
import { PINBOX_VERSION } from './version.js';

export interface PinboxOptions {
  /** TCP port; 0 picks a free one. Default 0. */
  port?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** A SQLite file to persist to; without it (and without `databaseUrl`) the store lives in memory. */
  data?: string;
  /**
   * A PostgreSQL database to keep state in instead of SQLite, e.g.
   * `postgres://127.0.0.1:5432/pinbox`; `?schema=NAME` keeps this instance in its own schema.
   */
  databaseUrl?: string;
  /** Connections in the PostgreSQL pool of this process. Default 10. */
  poolSize?: number;
  /**
   * Redis for what several processes must share (rate-limit counts), e.g.
   * `redis://127.0.0.1:6379`. Needed on PostgreSQL unless `singleProcess`.
   */
  redisUrl?: string;
  /** Prefix of this instance's Redis keys. Default `pinbox:<schema>:`. */
  redisPrefix?: string;
  /**
   * While Redis is unreachable, serve `/v5` calls without counting them against the
   * rate limits (a warning is logged once per outage) instead of answering them 503.
   * Default false.
   */
  redisFailOpen?: boolean;
  /**
   * On PostgreSQL without Redis: this is the only pinbox process on the database
   * (it holds a lock that keeps others from starting).
   */
  singleProcess?: boolean;
  /**
   * A folder for the bytes of images and videos, which several processes can share.
   * Default: `<data>.blobs` beside a SQLite file, memory otherwise.
   */
  blobsDir?: string;
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
  /** `json` (default): one JSON object a line; `pretty`: pino-pretty's readable lines, for a terminal. */
  logFormat?: 'json' | 'pretty';
  /** Where log lines go, one JSON object a line (default stdout). */
  logStream?: { write(line: string): void };
  /**
   * How long a request's headers may take to arrive before it is answered 408 and its
   * connection closed; a body may pause for twice as long, and must arrive within it
   * plus a second for every `bodyMinBytesPerSecond` bytes. Default 30,000 ms.
   */
  requestTimeoutMs?: number;
  /** The slowest average rate a request body may arrive at, in bytes a second (default 10,000); 0 turns the check off. */
  bodyMinBytesPerSecond?: number;
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
  /**
   * Addresses, CIDR ranges or host names pinbox may fetch from even when internal
   * (loopback, private, link-local, ...). By default internal addresses are fetched
   * only while pinbox listens on loopback. A host name covers its subdomains.
   * @example ['10.1.0.0/16', 'images.corp.example']
   */
  fetchAllow?: readonly string[];
  /** Addresses, CIDR ranges or host names pinbox never fetches from; they win over `fetchAllow`. */
  fetchDeny?: readonly string[];
  /**
   * Video uploads: how long processing takes on pinbox's clock once the file has
   * arrived (default 5 s), and the largest file an upload form allows (default 2 GB, Pinterest's).
   */
  videoUploads?: Partial<VideoUploadSettings>;
  /**
   * The instance seed of the analytics generator: the same seed and Pin id give the
   * same figures. Default: the one stored, made at random on first start.
   */
  analyticsSeed?: number;
  /** The control plane's admin key (default: a random one, printed on start). */
  adminKey?: string;
  /** Let the control plane (`/_pinbox`) answer other hosts too; by default it answers loopback only. */
  controlRemote?: boolean;
  /** The request journal: on or off, with bodies, and how many calls it keeps (default on, no bodies, 1000). */
  journal?: Partial<JournalSettings>;
  /** A fixture (object, or path of a JSON file) loaded before the server listens. */
  seed?: Fixture | string;
  /**
   * The agent gateway fronts another v5 server (the real Pinterest, or another
   * pinbox): calls made with agent keys are judged here, then sent there with this
   * Pinterest token; calls made with this pinbox's own tokens are served here.
   */
  upstream?: { url: string; token: string };
}

/** Processing time of an uploaded video on pinbox's clock, unless told otherwise. */
const DEFAULT_VIDEO_PROCESSING_MS = 5_000;


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
 * A node number for this process's ids, different from every other process that
 * opened the store since (up to ID_NODES of them at once).
 */
async function idNode(db: Database): Promise<number> {
  return db.transaction(async (tx) => {
    const row = await tx.get<{ value: string }>("SELECT value FROM meta WHERE key = 'next_id_node'");
    const node = row ? Number(row.value) % ID_NODES : 0;
    await tx.run("INSERT INTO meta (key, value) VALUES ('next_id_node', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", [
      String((node + 1) % ID_NODES),
    ]);
    return node;
  });
}

type StoreOptions = Pick<
  PinboxOptions,
  'data' | 'databaseUrl' | 'poolSize' | 'blobsDir' | 'imageFetch' | 'videoUploads' | 'analyticsSeed' | 'host' | 'fetchAllow' | 'fetchDeny'
>;

/** Opens (and migrates) a store and builds every family on it. */
async function openCore(options: StoreOptions, clock: Clock): Promise<{ core: Core; families: Families }> {
  // The policy judges where pinbox listens (a store opened by the CLI listens nowhere:
  // the default, loopback); a bad entry stops start-up before a store is opened.
  const fetchPolicy = FetchPolicy.create({ listenHost: options.host, allow: options.fetchAllow, deny: options.fetchDeny });
  // pg (and ioredis, below) are loaded only when asked for: a SQLite pinbox starts without them.
  const db = options.databaseUrl
    ? await (await import('./storage/postgres/postgres-database.js')).PostgresDatabase.open(options.databaseUrl, { poolSize: options.poolSize })
    : SqliteDatabase.open(options.data);
  try {
    // Several processes may start on one PostgreSQL database together: one migrates at a time.
    const { secret, node } = await db.exclusively('startup', async () => {
      await migrate(db, MIGRATIONS);
      return { secret: await instanceSecret(db), node: await idNode(db) };
    });
    const blobsDir = options.blobsDir ?? (options.data && !options.databaseUrl ? `${options.data}.blobs` : undefined);
    const core: Core = {
      db,
      clock,
      ids: new IdGenerator(clock, node),
      bookmarks: new Bookmarks(secret),
      instanceSecret: secret,
      // Images and videos live as files in a folder (beside the SQLite file by default).
      blobs: blobsDir ? new FileBlobStore(blobsDir) : new MemoryBlobStore(),
      fetchPolicy,
      fetchLimits: { ...DEFAULT_FETCH_LIMITS, ...options.imageFetch },
      videoUploads: { processingMs: DEFAULT_VIDEO_PROCESSING_MS, maxBytes: VIDEO_LIMITS.maxBytes, ...options.videoUploads },
      analyticsSeed: options.analyticsSeed,
      invalidations: new CacheInvalidations(),
    };
    const families = buildFamilies(core);
    // A reset or restore through any process: every process forgets what it kept of the store, and
    // signs bookmarks with the store's secret as it is now (a restore brings the snapshot's).
    core.invalidations.on(STORE_TOPIC, async () => {
      await families.forgetCached();
      const row = await db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'instance_secret'");
      if (row) core.bookmarks.rekey(Buffer.from(row.value, 'hex'));
    });
    return { core, families };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/**
 * Opens a pinbox store without serving it, for the CLI's `apps create`,
 * `users create` and `token inspect` on a `--data` file or a `--database-url`
 * (a running pinbox on the same store sees the changes: SQLite in WAL mode takes
 * writers from several processes, and PostgreSQL is made for it).
 * @example
 * const store = await openPinboxStore({ data: 'pinbox.db' });
 * const app = await store.admin.createApp({ redirectUris: ['http://127.0.0.1:8080/callback'] });
 * await store.close();
 */
export async function openPinboxStore(options: StoreOptions): Promise<{ admin: Admin; close(): Promise<void> }> {
  const { core, families } = await openCore(options, new Clock());
  const devApp = await families.stores.users
    .getByUsername(DEV_USERNAME)
    .then((user) => (user ? families.stores.apps.findByOwner(user.id, DEV_APP_NAME) : null));
  return {
    admin: new Admin(core, families, devApp?.id ?? null),
    // A pinbox serving the same store drops what it cached from it on its next call.
    close: async () => {
      await core.db.announceWrite().catch(() => undefined);
      await core.db.close();
    },
  };
}

/**
 * On PostgreSQL, makes sure the processes sharing the database also share their
 * counts: with Redis a process joins the others (a shared lock); without, it must
 * be told it is alone, and then keeps others out (an exclusive lock).
 */
async function joinProcesses(db: Database, options: PinboxOptions): Promise<void> {
  if (!isPostgres(db)) return;
  if (options.redisUrl) {
    if (!(await db.holdProcessLock('shared'))) {
      throw new Error('a pinbox started with --single-process is using this database; stop it, or start every process with --redis-url');
    }
    return;
  }
  if (!options.singleProcess) {
    throw new Error(
      'on PostgreSQL, pinbox processes share rate-limit counts through Redis: pass --redis-url (several processes), or --single-process if this is the only one',
    );
  }
  if (!(await db.holdProcessLock('alone'))) throw new Error('other pinbox processes are using this database; --single-process must be the only one');
}

function isPostgres(db: Database): db is PostgresDatabase {
  return db.dialect === 'postgres';
}

/** The store in words, for the landing page. */
function describeStore(db: Database, options: PinboxOptions): string {
  if (isPostgres(db)) return `PostgreSQL, schema ${db.schema}${options.redisUrl ? ', shared through Redis' : ', single process'}`;
  return options.data ? `SQLite file ${options.data}` : 'SQLite in memory';
}

/** How long a Redis command may take before it counts as Redis being unreachable. */
const REDIS_COMMAND_TIMEOUT_MS = 1_000;

/** Connects to Redis, or says clearly why it cannot. */
async function connectRedis(url: string): Promise<Redis> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 5_000,
    // While Redis is away a command fails at once instead of waiting in ioredis's
    // queue for a reconnection (calls would grow slower and slower, then all run late),
    // and no command waits more than a second for an answer (a Redis that hangs).
    enableOfflineQueue: false,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    maxRetriesPerRequest: 0,
    // Reconnects on its own, soon after Redis is back (ioredis's default waits up to 2 s).
    retryStrategy: (attempt) => Math.min(attempt * 100, 1_000),
  });
  // Outages are logged by SharedStoreHealth, once each; ioredis's own 'error' events repeat every retry.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await redis.ping();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new Error(`--redis-url ${url}: cannot reach Redis (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * Starts pinbox: config -> store -> app -> listen.
 * @example
 * import { startPinbox } from 'pinbox';
 * const pinbox = await startPinbox();
 * await fetch(`${pinbox.url}/v5/user_account`, { headers: { authorization: `Bearer ${pinbox.token}` } });
 * await pinbox.close();
 */
export async function startPinbox(options: PinboxOptions = {}): Promise<Pinbox> {
  // Bad settings are refused before a store is opened.
  if (options.token !== undefined && !isBearerToken(options.token)) {
    throw new Error(`--token: a bearer token is letters, digits and - . _ ~ + / (then = only), so '${options.token}' could never be sent (RFC 6750)`);
  }
  if (options.upstream && (options.upstream.token.startsWith('pbx_') || !isBearerToken(options.upstream.token))) {
    throw new Error('--upstream-token must be a Pinterest access token (an agent key is never passed on)');
  }
  const rateLimitPolicy = new RateLimitPolicy(options.rateLimits ?? 'app', options.rateLimitOverrides);
  const { core, families } = await openCore(options, options.clock ?? new Clock());
  const { db, clock } = core;
  let redis: Redis | null = null;
  let stopSharingClock = () => {};
  let faultShare: RedisFaultShare | null = null;
  let redisHealth: SharedStoreHealth | null = null;
  let identityMade: Promise<DevIdentity> | null = null;
  /** Where a change that could not be announced is reported (the process's logger, once it exists). */
  let invalidationLog: { warn(details: object, message: string): void } = { warn: () => undefined };
  try {
    await joinProcesses(db, options);
    redis = options.redisUrl ? await connectRedis(options.redisUrl) : null;
    const schema = isPostgres(db) ? db.schema : 'sqlite';
    const redisPrefix = options.redisPrefix ?? `pinbox:${schema}:`;
    redisHealth = redis
      ? new SharedStoreHealth(
          redis,
          options.redisFailOpen
            ? 'rate limits fail open (--redis-fail-open): /v5 calls are served and not counted'
            : '/v5 calls answer 503 (--redis-fail-open would serve them uncounted)',
        )
      : null;
    const limiter =
      options.rateLimiter ?? (redis && redisHealth ? new RedisRateLimiter(redis, redisPrefix, redisHealth, options.redisFailOpen) : new InProcessRateLimiter());
    // Processes that share counts share the clock too: a move through one moves them all.
    if (redis && redisHealth) stopSharingClock = await shareClock(clock, redis, redisPrefix, { adoptStored: options.clock === undefined, health: redisHealth });
    const rateLimits = new RateLimits(rateLimitPolicy, limiter, clock);
    // What processes cache beside the store is dropped in all of them at once when it changes.
    if (redis && redisHealth) {
      const health = redisHealth;
      await core.invalidations.shareThrough(new RedisInvalidationChannel(redis, redisPrefix, health), (error) =>
        invalidationLog.warn({ err: error }, 'Redis: a change could not be announced to the other processes; they hold what they cached of it for at most a second'),
      );
    }
    // Failed client authentications and sign-ins are counted where rate limits are: across the processes with Redis.
    if (redis && redisHealth) families.services.authAttempts.countIn(new RedisAttemptCounter(redis, redisPrefix, redisHealth, options.redisFailOpen));
    const identityOptions = {
      // Made here rather than by ensureDevIdentity, so the control plane and the app
      // can be built while the dev identity is made (below).
      token: options.token ?? newToken('access'),
      clientSecret: options.clientSecret,
      username: options.username,
      password: options.password,
      redirectUris: options.redirectUris,
    };
    // Making the dev identity waits mostly for the password's scrypt hash, on libuv's
    // threads; the control plane and the app are built and readied meanwhile (they
    // touch no state), so start-up does not wait for both in turn.
    identityMade = db.exclusively('startup', () => ensureDevIdentity(core, families, identityOptions));
    identityMade.catch(() => undefined); // awaited below; a failure is not unhandled meanwhile
    const control = new Control(
      { core, families, rateLimits, dev: identityOptions },
      {
        adminKey: options.adminKey ?? instanceAdminKey(core.instanceSecret),
        remote: options.controlRemote,
        journal: options.journal,
        version: PINBOX_VERSION,
        store: describeStore(db, options),
      },
    );
    const logLevel = options.logLevel ?? 'silent';
    // Loaded only when asked for: a terminal's readable lines, redacted like the JSON ones.
    const logStream =
      options.logStream ??
      (options.logFormat === 'pretty' && logLevel !== 'silent'
        ? (await import('pino-pretty')).default({ colorize: true, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' })
        : undefined);
    const app = buildApp({
      tokens: families.stores.tokens,
      clients: families.stores.apps,
      clientAttempts: families.services.authAttempts,
      rateLimits,
      routes: families.routes,
      agents: families.services.agentGateway,
      operationUser: (auth, adAccountId, write, operationId) => families.services.adAccounts.operationUser(auth, adAccountId, write, operationId),
      extraRoutes: families.publicRoutes,
      control: (app) => control.install(app),
      version: PINBOX_VERSION,
      requestTimeoutMs: options.requestTimeoutMs,
      bodyMinBytesPerSecond: options.bodyMinBytesPerSecond,
      logger:
        logLevel === 'silent'
          ? false
          : {
              level: logLevel,
              ...(logStream ? { stream: logStream } : {}),
              redact: {
                paths: [...LOG_REDACT_PATHS],
                censor: '[redacted]',
              },
            },
    });
    await app.ready();
    families.services.agents.serve(app.v5Routes);
    if (options.upstream) {
      families.services.agentGateway.upstream = options.upstream;
      families.services.agents.upstreamed = true;
    }
    // The agents' admin-only MCP tools reach the control plane.
    families.services.agents.admin = {
      reset: (user) => control.reset({ user }),
      advanceClock: async (by) => {
        await control.clock.advance(by);
        return { at: control.clockState().at };
      },
      addFault: (rule) => control.faults.add(rule as never),
    };
    // Lost connections, outages and recoveries go to the process's log.
    if (isPostgres(db)) db.useLog(app.log);
    invalidationLog = app.log;
    redisHealth?.useLog(app.log);
    const identity = await identityMade;
    if (redis && redisHealth) {
      // Fault rules, like the clock, are the instance's, whichever process a tester asks.
      faultShare = new RedisFaultShare(redis, redisPrefix, redisHealth);
      await control.faults.shareWith(faultShare);
    }
    // Each family's work before listening (the media sweep, the analytics seed).
    await families.start();
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
          await app.closeDrained();
          stopSharingClock();
          faultShare?.close();
          core.invalidations.close();
          redisHealth?.close();
          redis?.disconnect();
          await db.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    // The dev identity's transaction may still be running: let it end before closing the store.
    await identityMade?.catch(() => undefined);
    stopSharingClock();
    faultShare?.close();
    core.invalidations.close();
    redisHealth?.close();
    redis?.disconnect();
    await db.close();
    throw error;
  }
}
