/** Every `pinbox` command, as data for the runner (./command.ts). */
import { dirname } from 'node:path';
import { AGENT_COMMANDS } from '../agents/cli.js';
import { readStartConfig } from '../config.js';
import { CTL_COMMANDS } from '../control/cli.js';
import { formatDescription, type TokenDescription } from '../families/oauth/token-inspection.js';
import { openPinboxStore, startPinbox, type PinboxOptions } from '../server.js';
import { PINBOX_VERSION } from '../version.js';
import { asUsageError, parseCommandArgs, UsageError, type CliCommand, type CommandContext } from './command.js';

const STORE = '--data FILE|--database-url URL';
const WITH_POSITIONALS = { strict: true, allowPositionals: true } as const;
/** The flags that name the store a command changes. */
const STORE_OPTIONS = { data: { type: 'string' }, 'database-url': { type: 'string' } } as const;

/** What a command made, for a person (aligned lines) or, with --json, for a program. */
function report(context: CommandContext, data: unknown, lines: readonly (readonly [string, string])[]): void {
  if (context.json) {
    context.out.write(`${JSON.stringify(data)}\n`);
    return;
  }
  for (const [label, value] of lines) context.out.write(`${`${label}:`.padEnd(15)}${value}\n`);
}

/** A start-up failure a person can act on: the port or path at fault, and what to do. */
function startupError(error: unknown, options: PinboxOptions): unknown {
  const code = (error as { code?: string }).code;
  if (code === 'EADDRINUSE') {
    return new Error(`port ${options.port} on ${options.host ?? '127.0.0.1'} is in use (another pinbox?): stop it, pass --port N, or --port 0 for a free one`);
  }
  if (code === 'EADDRNOTAVAIL') return new Error(`--host ${options.host} is not an address of this machine: pass --host 127.0.0.1 or 0.0.0.0`);
  if (code === 'EACCES' && options.port !== undefined && options.port < 1024) return new Error(`port ${options.port} needs root: pass --port 3000 (or --port 0 for a free one)`);
  if (options.data && (code === 'SQLITE_CANTOPEN' || /unable to open database|directory does not exist/i.test(String((error as Error).message)))) {
    return new Error(`--data ${options.data}: cannot open the SQLite file (${(error as Error).message}); make sure the folder ${dirname(options.data)} exists and is writable`);
  }
  return error;
}

const START_OPTIONS = `  --port N            port to listen on (env PORT; default 3000; 0 picks a free one)
  --host H            interface to listen on (env HOST; default 127.0.0.1)
  --data FILE         persist to this SQLite file (env PINBOX_DATA; default: in memory)
  --database-url URL  keep state in PostgreSQL instead (env DATABASE_URL), e.g.
                      postgres://127.0.0.1:5432/pinbox; ?schema=NAME keeps this instance in
                      its own schema. Several processes may serve one database:
  --redis-url URL     Redis for what processes share: rate-limit counts (env REDIS_URL);
                      needed on PostgreSQL unless --single-process
  --redis-fail-open   while Redis is unreachable, serve /v5 calls without counting them
                      (env PINBOX_REDIS_FAIL_OPEN=1; default: answer them 503)
  --single-process    on PostgreSQL without Redis: this is the only process (others are refused)
  --pool-size N       PostgreSQL connections of this process (env PINBOX_POOL_SIZE; default 10)
  --blobs DIR         folder for image and video bytes, shared by the processes (env PINBOX_BLOBS;
                      default FILE.blobs beside --data, ./pinbox-blobs with --database-url)
  --video-processing-seconds N  how long an uploaded video is 'processing' on pinbox's clock
                      (env PINBOX_VIDEO_PROCESSING_SECONDS; default 5)
  --max-upload-bytes N  the largest video file an upload takes (env PINBOX_MAX_UPLOAD_BYTES;
                      default and most 2147483648, Pinterest's 2 GB)
  --token T           fix the dev access token string (env PINBOX_TOKEN)
  --client-secret S   fix the dev app's client secret (env PINBOX_CLIENT_SECRET)
  --username U        the dev user's username (env PINBOX_USERNAME; default pinbox_dev)
  --password P        set the dev user's password for the OAuth sign-in page (env PINBOX_PASSWORD)
  --redirect-uri URI  register a redirect URI for the dev app; repeatable
                      (env PINBOX_REDIRECT_URIS, separated by spaces or commas)
  --log-level L       trace|debug|info|warn|error|silent (env PINBOX_LOG_LEVEL; default info)
  --log-format F      pretty (readable lines, the default on a terminal) or json (one object a line,
                      the default otherwise) (env PINBOX_LOG_FORMAT)
  --rate-limits MODE  whose limits apply (env PINBOX_RATE_LIMITS): app (default) each app's
                      access tier; trial or standard that tier for every app; off none
  --rate-limit RULE   change one limit; repeatable (env PINBOX_RATE_LIMIT, comma-separated).
                      RULE is [trial.|standard.]NAME=N/UNIT or NAME=off, NAME a category
                      (org_read, org_write, ...) or all (across every call), UNIT second,
                      minute, hour or day; e.g. org_write=5/minute, standard.all=off
  --rate-limits-file FILE  the same rules as a JSON object, e.g. {"org_write": "5/minute"}
                      (env PINBOX_RATE_LIMITS_FILE); --rate-limit flags win over it
  --analytics-seed N  seed of the analytics generator (env PINBOX_ANALYTICS_SEED; default:
                      the store's own, made at random on first start)
  --admin-key K       the control plane's key (env PINBOX_ADMIN_KEY; default: random, printed)
  --control-remote    let the control plane (/_pinbox) answer other hosts, not only loopback
  --fetch-allow X     fetch image URLs from X even though it is internal (loopback, private,
                      link-local, ...); X an address, a CIDR range or a host name (with its
                      subdomains); repeatable (env PINBOX_FETCH_ALLOW, comma-separated). By default
                      internal addresses are fetched only while --host is loopback
  --fetch-deny X      never fetch from X (same forms); wins over --fetch-allow; repeatable
                      (env PINBOX_FETCH_DENY)
  --seed FILE         load a JSON fixture before listening (env PINBOX_SEED)
  --upstream URL      the agent gateway fronts another v5 server (env PINBOX_UPSTREAM): calls made
                      with agent keys are judged by their policies here, then sent to URL
  --upstream-token T  the Pinterest token the gateway calls --upstream with (env PINBOX_UPSTREAM_TOKEN);
                      agent keys never leave pinbox
  --journal MODE      the request journal: on (default), off, or bodies (keep bodies too)
                      (env PINBOX_JOURNAL)
  --journal-size N    calls the journal keeps (env PINBOX_JOURNAL_SIZE; default 1000)
  --request-timeout S  seconds a request's headers may take (env PINBOX_REQUEST_TIMEOUT; default 30);
                      a body may fall silent for twice as long
  --body-min-rate N   bytes a second a body must average after those seconds, or 408
                      (env PINBOX_BODY_MIN_RATE; default 10000; 0 turns it off)`;

/** A connection URL without its password, for printing. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = 'redacted';
    return parsed.toString();
  } catch {
    return '(unparsable URL)';
  }
}

async function start({ args, json }: CommandContext): Promise<void> {
  let options: PinboxOptions;
  try {
    options = readStartConfig(args, process.env);
  } catch (error) {
    throw asUsageError(error);
  }
  const pinbox = await startPinbox(options).catch((error: unknown) => {
    throw startupError(error, options);
  });
  const { identity } = pinbox;
  const out = process.stdout;
  const unchanged = (flag: string) => `(unchanged since it was made; only its hash is stored; ${flag} sets a new one)`;
  const store = options.databaseUrl
    ? `PostgreSQL ${redactUrl(options.databaseUrl)}; blobs in ${options.blobsDir}; ${options.redisUrl ? `counts shared in Redis ${redactUrl(options.redisUrl)}` : 'single process'}`
    : options.data
      ? `SQLite file ${options.data}`
      : 'in memory (--data FILE to keep it)';
  const stopOnSignals = () => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      if (!json) out.write(`\n${signal}: finishing in-flight requests and closing the store...\n`);
      pinbox.close().then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  };
  if (json) {
    // One line a program reads; secrets shown only where the banner shows them (just made, or given).
    out.write(
      `${JSON.stringify({
        version: PINBOX_VERSION,
        url: pinbox.url,
        api: `${pinbox.url}/v5`,
        store,
        user: { username: identity.user.username, id: identity.user.id, password: identity.user.password ?? null },
        app: { client_id: identity.app.id, client_secret: identity.app.secret ?? null, redirect_uris: identity.app.redirectUris },
        access_token: identity.token,
        access_token_expires_at: new Date(identity.tokenExpiresAt).toISOString(),
        admin_key: pinbox.adminKey,
        console_url: `${pinbox.url}/console/sign-in?ticket=${pinbox.control.consoleSessions.ticket()}`,
        seeded: pinbox.seeded,
      })}\n`,
    );
    stopOnSignals();
    return;
  }
  out.write(`pinbox ${PINBOX_VERSION}: Pinterest API v5 at ${pinbox.url}/v5\n`);
  out.write(`  store:         ${store}\n`);
  out.write(`  user:          ${identity.user.username} (id ${identity.user.id}, business account)\n`);
  out.write(`  password:      ${identity.user.password ?? unchanged('--password')}\n`);
  out.write(`  app client id: ${identity.app.id}\n`);
  out.write(`  client secret: ${identity.app.secret ?? unchanged('--client-secret')}\n`);
  out.write(
    `  redirect URIs: ${identity.app.redirectUris.length ? identity.app.redirectUris.join(' ') : '(none: --redirect-uri URI registers one for the OAuth flow)'}\n`,
  );
  out.write(`  access token:  ${identity.token} (every scope, expires ${new Date(identity.tokenExpiresAt).toISOString()})\n`);
  out.write(`  admin key:     ${pinbox.adminKey} (control plane ${pinbox.url}/_pinbox/, pinbox ctl --admin-key)\n`);
  out.write(`  console:       ${pinbox.url}/console/sign-in?ticket=${pinbox.control.consoleSessions.ticket()} (signs a browser in once)\n`);
  if (pinbox.seeded) {
    const { users, boards, pins, tokens } = pinbox.seeded;
    out.write(`  seeded:        ${options.seed} (${users.length} users, ${boards.length} boards, ${pins.length} Pins)\n`);
    for (const token of tokens) out.write(`  token of ${token.user}: ${token.token} (${token.scopes.join(',')})\n`);
  }
  out.write(`  rate limits:   ${describeRateLimits(options.rateLimits ?? 'app', options.rateLimitOverrides ?? {})}\n\n`);
  if (identity.app.redirectUris.length) {
    const authorize = new URL(`${pinbox.url}/oauth/`);
    authorize.search = new URLSearchParams({
      client_id: identity.app.id,
      redirect_uri: identity.app.redirectUris[0],
      response_type: 'code',
      scope: 'boards:read,pins:read,user_accounts:read',
      state: 'xyz',
    }).toString();
    out.write(`Sign in and authorize an app (OAuth 2.0, token endpoint ${pinbox.url}/v5/oauth/token):\n  ${authorize.toString()}\n\n`);
  }
  out.write(`Try it:\n  curl -H 'Authorization: Bearer ${identity.token}' ${pinbox.url}/v5/user_account\n\n`);

  stopOnSignals();
}

function describeRateLimits(mode: string, overrides: Record<string, string>): string {
  const changed = Object.entries(overrides).map(([key, value]) => `${key}=${value}`);
  const base =
    mode === 'off'
      ? 'off (--rate-limits app|trial|standard turns them on)'
      : mode === 'app'
        ? "each app's access tier (the dev app has standard access; --rate-limits off|trial|standard)"
        : `${mode} limits for every app (--rate-limits app uses each app's tier)`;
  return changed.length && mode !== 'off' ? `${base}; changed: ${changed.join(', ')}` : base;
}

/** The store a command changes: `--database-url` (PostgreSQL) or `--data` (a SQLite file), or their environment variables. */
function requireStore(values: { data?: string; 'database-url'?: string }, command: string): { data?: string; databaseUrl?: string } {
  const databaseUrl = values['database-url'] ?? (values.data ? undefined : process.env.DATABASE_URL);
  if (databaseUrl) return { databaseUrl };
  const file = values.data ?? process.env.PINBOX_DATA;
  if (!file) throw new UsageError(`${command} needs --data FILE or --database-url URL: the store of the pinbox to change`);
  return { data: file };
}

async function appsCreate(context: CommandContext): Promise<void> {
  const { values } = parseCommandArgs({ args: context.args, strict: true, options: {
      ...STORE_OPTIONS,
      'redirect-uri': { type: 'string', multiple: true },
      name: { type: 'string' },
      owner: { type: 'string' },
      tier: { type: 'string' },
      sandbox: { type: 'boolean' },
  } });
  const tier = readTier(values.tier);
  const store = await openPinboxStore(requireStore(values, 'apps create'));
  try {
    const app = await store.admin.createApp({
      name: values.name,
      owner: values.owner,
      redirectUris: values['redirect-uri'],
      tier,
      sandbox: values.sandbox ?? false,
    });
    report(context, app, [
      ['app', app.name],
      ['client id', app.id],
      ['client secret', app.secret],
      ['owner', app.owner],
      ['tier', app.tier],
      ['environment', app.sandbox ? 'sandbox' : 'production'],
      ['redirect URIs', app.redirectUris.join(' ') || '(none)'],
    ]);
  } finally {
    await store.close();
  }
}

function readTier(tier: string | undefined): 'trial' | 'standard' | undefined {
  if (tier !== undefined && tier !== 'trial' && tier !== 'standard') throw new UsageError('--tier must be trial or standard');
  return tier;
}

async function appsUpdate(context: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs({
    ...WITH_POSITIONALS,
    args: context.args,
    options: {
      ...STORE_OPTIONS,
      tier: { type: 'string' },
      sandbox: { type: 'boolean' },
      production: { type: 'boolean' },
    },
  });
  const appId = positionals[0];
  if (!appId || positionals.length > 1) throw new UsageError('apps update takes one CLIENT_ID');
  if (values.sandbox && values.production) throw new UsageError('apps update takes --sandbox or --production, not both');
  const tier = readTier(values.tier);
  const sandbox = values.sandbox ? true : values.production ? false : undefined;
  if (tier === undefined && sandbox === undefined) throw new UsageError('apps update needs --tier, --sandbox or --production');
  const store = await openPinboxStore(requireStore(values, 'apps update'));
  try {
    const app = await store.admin.setAppAccess(appId, { tier, sandbox });
    report(context, app, [
      ['client id', app.id],
      ['tier', app.tier],
      ['environment', app.sandbox ? 'sandbox' : 'production'],
    ]);
  } finally {
    await store.close();
  }
}

async function usersCreate(context: CommandContext): Promise<void> {
  const { values } = parseCommandArgs({ args: context.args, strict: true, options: {
    ...STORE_OPTIONS,
    username: { type: 'string' },
    password: { type: 'string' },
    'account-type': { type: 'string' },
  } });
  if (!values.username) throw new UsageError('users create needs --username U');
  const accountType = values['account-type']?.toLowerCase();
  if (accountType !== undefined && accountType !== 'personal' && accountType !== 'business') {
    throw new UsageError('--account-type must be personal or business');
  }
  const store = await openPinboxStore(requireStore(values, 'users create'));
  try {
    const user = await store.admin.createUser({
      username: values.username,
      password: values.password,
      accountType: accountType === 'business' ? 'BUSINESS' : 'PINNER',
      businessName: accountType === 'business' ? values.username : undefined,
    });
    report(context, { username: user.username, id: user.id, account_type: accountType ?? 'personal', password: values.password !== undefined }, [
      ['user', user.username],
      ['id', user.id],
      ['account type', accountType ?? 'personal'],
      ['password', values.password ? '(set; only its hash is stored)' : '(none: this user cannot sign in to the OAuth pages)'],
    ]);
  } finally {
    await store.close();
  }
}

async function tokenInspect(context: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs({
    args: context.args,
    strict: true,
    allowPositionals: true,
    options: { url: { type: 'string' }, 'client-id': { type: 'string' }, 'client-secret': { type: 'string' }, ...STORE_OPTIONS },
  });
  const token = positionals[0];
  if (!token || positionals.length > 1) throw new UsageError('token inspect takes one TOKEN');
  if (values.url && (values.data || values['database-url'])) throw new UsageError('token inspect takes --url, --data or --database-url, one of them');
  const clientId = values['client-id'];
  const clientSecret = values['client-secret'];
  if ((clientId === undefined) !== (clientSecret === undefined)) throw new UsageError('token inspect takes --client-id and --client-secret together');
  if (clientId !== undefined && (values.data || values['database-url'])) throw new UsageError('--client-id and --client-secret are for --url; a store is read without them');
  let description: TokenDescription;
  if (values.data || values['database-url']) {
    const store = await openPinboxStore(requireStore(values, 'token inspect'));
    try {
      description = await store.admin.inspectToken(token);
    } finally {
      await store.close();
    }
  } else {
    const base = (values.url ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/+$/, '').replace(/\/v5$/, '');
    // The inspector answers an app, about its own tokens (RFC 7662): the app authenticates as at the token endpoint.
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    if (clientId !== undefined) headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
    const response = await fetch(`${base}/oauth/introspect`, { method: 'POST', headers, body: new URLSearchParams({ token }).toString() }).catch(
      (error: unknown) => {
        throw new Error(`no pinbox answered at ${base} (${error instanceof Error ? error.message : String(error)}); pass --url or --data`);
      },
    );
    if (response.status === 401) {
      throw new Error(
        `${base}/oauth/introspect answered 401: ${await response.text()}; pass --client-id and --client-secret of the app the token was issued to, or read the store with --data`,
      );
    }
    if (!response.ok) throw new Error(`${base}/oauth/introspect answered ${response.status}: ${await response.text()}`);
    description = (await response.json()) as TokenDescription;
  }
  context.out.write(context.json ? `${JSON.stringify(description)}\n` : formatDescription(description));
  if (!description.active) process.exitCode = 1;
}

async function analyticsSet(context: CommandContext): Promise<void> {
  const { values, positionals } = parseCommandArgs({
    ...WITH_POSITIONALS,
    args: context.args,
    options: {
      ...STORE_OPTIONS,
      date: { type: 'string', multiple: true },
      from: { type: 'string' },
      to: { type: 'string' },
      metric: { type: 'string', multiple: true },
    },
  });
  const pinId = positionals[0];
  if (!pinId || positionals.length > 1) throw new UsageError('analytics set takes one PIN_ID');
  const dates = [...(values.date ?? []), ...dateRange(values.from, values.to)];
  if (dates.length === 0) throw new UsageError('analytics set needs --date D (repeatable) or --from D --to D');
  const metrics: Record<string, number | null> = {};
  for (const rule of values.metric ?? []) {
    const match = /^([A-Z0-9_]+)=(\d+|model)$/.exec(rule);
    if (!match) throw new UsageError(`--metric '${rule}' must look like IMPRESSION=500 or SAVE=model`);
    metrics[match[1]] = match[2] === 'model' ? null : Number(match[2]);
  }
  if (Object.keys(metrics).length === 0) throw new UsageError('analytics set needs --metric NAME=N');
  const store = await openPinboxStore(requireStore(values, 'analytics set'));
  try {
    await store.admin.setPinMetrics(pinId, { dates, metrics });
    const shown = Object.entries(metrics).map(([name, value]) => `${name}=${value ?? 'model'}`);
    report(context, { pin: pinId, days: dates, metrics }, [
      ['pin', pinId],
      ['days', dates.join(' ')],
      ['metrics', shown.join(' ')],
    ]);
  } finally {
    await store.close();
  }
}

/** Every day from `from` to `to` (YYYY-MM-DD, UTC), both included. */
function dateRange(from: string | undefined, to: string | undefined): string[] {
  if (from === undefined && to === undefined) return [];
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(from ?? '') || !/^\d{4}-\d{2}-\d{2}$/.test(to ?? '') || Number.isNaN(start) || Number.isNaN(end)) {
    throw new UsageError('--from and --to go together, each a date YYYY-MM-DD');
  }
  if (end < start) throw new UsageError('--to must not come before --from');
  if (end - start > 366 * 86_400_000) throw new UsageError('--from and --to may span a year at most');
  const days: string[] = [];
  for (let at = start; at <= end; at += 86_400_000) days.push(new Date(at).toISOString().slice(0, 10));
  return days;
}

export const COMMANDS: readonly CliCommand[] = [
  {
    words: ['start'],
    synopsis: 'start [--port N] [--host H] [--data FILE | --database-url URL [--redis-url URL]] [--token T] [--seed FILE] [...]',
    summary: 'Starts pinbox: the Pinterest API v5 at http://HOST:PORT/v5, its OAuth pages and its control plane (/_pinbox). --json prints the dev identity as one JSON line.',
    help: `options:
${START_OPTIONS}`,
    run: start,
  },
  {
    words: ['apps', 'create'],
    synopsis: `apps create ${STORE} --redirect-uri URI [--redirect-uri URI ...] [--name NAME] [--owner USERNAME] [--tier trial|standard] [--sandbox]`,
    summary: 'Registers a developer app in the store and prints its client id and secret (a running pinbox on the store sees it at once).',
    help: `  New apps have trial access in production, as on Pinterest: trial apps may create Pins only
  in sandbox mode (--sandbox). --owner defaults to the dev user.`,
    run: appsCreate,
  },
  {
    words: ['apps', 'update'],
    synopsis: `apps update CLIENT_ID ${STORE} [--tier trial|standard] [--sandbox | --production]`,
    summary: "Changes an app's access tier or environment.",
    run: appsUpdate,
  },
  {
    words: ['users', 'create'],
    synopsis: `users create ${STORE} --username U [--password P] [--account-type personal|business]`,
    summary: 'Adds a user; with --password it can sign in on the OAuth pages (only a hash is stored).',
    run: usersCreate,
  },
  {
    words: ['token', 'inspect'],
    synopsis: 'token inspect TOKEN [--url URL --client-id ID --client-secret S | --data FILE | --database-url URL]',
    summary: "Shows a token's user, app, scopes and expiry, asking the pinbox at URL (default http://127.0.0.1:3000) or reading the store.",
    help: `  Asking a pinbox, the token's app authenticates (--client-id, --client-secret) and sees only its own
  tokens; reading the store shows any token. Exits 1 when the token is not active (unknown, expired,
  revoked, or another app's).`,
    run: tokenInspect,
  },
  {
    words: ['analytics', 'set'],
    synopsis: `analytics set PIN_ID ${STORE} (--date YYYY-MM-DD ... | --from D --to D) --metric NAME=N ...`,
    summary: "Fixes a Pin's analytics for the days given (UTC) in place of the generated numbers.",
    help: `  e.g. --metric IMPRESSION=500 --metric SAVE=12; NAME=model gives it back to the generator.
  Saves through the API still count on top; account figures follow. Days before the Pin was
  created are refused (they show BEFORE_PIN_CREATED).`,
    run: analyticsSet,
  },
  ...CTL_COMMANDS,
  ...AGENT_COMMANDS,
  {
    words: ['version'],
    synopsis: 'version',
    summary: "Prints pinbox's version.",
    run: async ({ args, out, json }) => {
      parseCommandArgs({ args, options: {}, strict: true });
      out.write(json ? `${JSON.stringify({ version: PINBOX_VERSION })}\n` : `${PINBOX_VERSION}\n`);
    },
  },
];

/** What `pinbox` and `pinbox --help` print: every command's synopsis and summary. */
export function overview(): string {
  const lines = COMMANDS.map((command) => `  pinbox ${command.synopsis}\n      ${command.summary}`);
  return `pinbox ${PINBOX_VERSION}: a stateful Pinterest API v5 for development and tests

commands:
${lines.join('\n')}

pinbox COMMAND --help shows a command's options; --json makes a command print JSON for programs.
`;
}

