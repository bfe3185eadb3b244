import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { VIDEO_LIMITS } from './families/media/video-probe.js';
import { RATE_LIMIT_MODES, type RateLimitMode } from './kernel/rate-limits/policy.js';
import type { PinboxOptions } from './server.js';

/** Default port of `pinbox start`. */
export const DEFAULT_PORT = 3000;

/**
 * One place that reads flags and the environment for `pinbox start`.
 * Flags win over environment variables, which win over defaults.
 */
export function readStartConfig(argv: string[], env: NodeJS.ProcessEnv): PinboxOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      data: { type: 'string' },
      'database-url': { type: 'string' },
      'pool-size': { type: 'string' },
      'redis-url': { type: 'string' },
      'redis-fail-open': { type: 'boolean' },
      'single-process': { type: 'boolean' },
      blobs: { type: 'string' },
      token: { type: 'string' },
      'client-secret': { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'log-level': { type: 'string' },
      'log-format': { type: 'string' },
      'rate-limits': { type: 'string' },
      'rate-limit': { type: 'string', multiple: true },
      'rate-limits-file': { type: 'string' },
      'video-processing-seconds': { type: 'string' },
      'max-upload-bytes': { type: 'string' },
      'analytics-seed': { type: 'string' },
      'admin-key': { type: 'string' },
      'control-remote': { type: 'boolean' },
      seed: { type: 'string' },
      journal: { type: 'string' },
      'journal-size': { type: 'string' },
      'request-timeout': { type: 'string' },
      'body-min-rate': { type: 'string' },
      'fetch-allow': { type: 'string', multiple: true },
      'fetch-deny': { type: 'string', multiple: true },
      upstream: { type: 'string' },
      'upstream-token': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const portText = values.port ?? env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got '${portText}'`);
  const mode = values['rate-limits'] ?? env.PINBOX_RATE_LIMITS ?? 'app';
  if (!RATE_LIMIT_MODES.includes(mode as RateLimitMode)) {
    throw new Error(`--rate-limits must be one of ${RATE_LIMIT_MODES.join(', ')}, got '${mode}'`);
  }
  const file = values['rate-limits-file'] ?? env.PINBOX_RATE_LIMITS_FILE;
  const rules = values['rate-limit'] ?? (env.PINBOX_RATE_LIMIT ? env.PINBOX_RATE_LIMIT.split(/[\s,]+/).filter(Boolean) : []);
  const processingSeconds = numberFlag('video-processing-seconds', values['video-processing-seconds'] ?? env.PINBOX_VIDEO_PROCESSING_SECONDS, {
    min: 0,
    whole: false,
    expected: 'a number of seconds, 0 or more',
  });
  // Lower than Pinterest's 2 GB to spare a small disk; never higher, as Pinterest takes no bigger file.
  const maxUploadBytes = numberFlag('max-upload-bytes', values['max-upload-bytes'] ?? env.PINBOX_MAX_UPLOAD_BYTES, {
    min: 1,
    max: VIDEO_LIMITS.maxBytes,
    expected: `a whole number of bytes from 1 to ${VIDEO_LIMITS.maxBytes} (Pinterest's 2 GB)`,
  });
  const databaseUrl = values['database-url'] ?? env.DATABASE_URL ?? undefined;
  const data = values.data ?? env.PINBOX_DATA ?? undefined;
  if (databaseUrl && data) throw new Error('--data (SQLite) and --database-url (PostgreSQL) name two stores; give one');
  // Two at least: start-up holds one connection for its lock while its transactions use another.
  const poolSize = numberFlag('pool-size', values['pool-size'] ?? env.PINBOX_POOL_SIZE, { min: 2, max: 1000, expected: 'a whole number from 2 to 1000' });
  const redisUrl = values['redis-url'] ?? env.REDIS_URL ?? undefined;
  const analyticsSeed = numberFlag('analytics-seed', values['analytics-seed'] ?? env.PINBOX_ANALYTICS_SEED, { min: 0, expected: 'a whole number, 0 or more' });
  const journal = values.journal ?? env.PINBOX_JOURNAL ?? 'on';
  if (!['on', 'off', 'bodies'].includes(journal)) throw new Error(`--journal must be on, off or bodies, got '${journal}'`);
  const journalSize = numberFlag('journal-size', values['journal-size'] ?? env.PINBOX_JOURNAL_SIZE, {
    min: 1,
    max: 1_000_000,
    expected: 'a whole number from 1 to 1000000',
  });
  const requestTimeoutSeconds = numberFlag('request-timeout', values['request-timeout'] ?? env.PINBOX_REQUEST_TIMEOUT, {
    min: 0.1,
    max: 3600,
    whole: false,
    expected: 'a number of seconds from 0.1 to 3600',
  });
  const bodyMinRate = numberFlag('body-min-rate', values['body-min-rate'] ?? env.PINBOX_BODY_MIN_RATE, {
    min: 0,
    expected: 'a whole number of bytes a second, 0 or more',
  });
  return {
    port,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    data,
    databaseUrl,
    poolSize,
    redisUrl,
    redisFailOpen: values['redis-fail-open'] ?? env.PINBOX_REDIS_FAIL_OPEN === '1',
    singleProcess: values['single-process'] ?? env.PINBOX_SINGLE_PROCESS === '1',
    // Several processes on PostgreSQL must share one folder of blobs; one is made in the working directory unless named.
    blobsDir: values.blobs ?? env.PINBOX_BLOBS ?? (databaseUrl ? 'pinbox-blobs' : undefined),
    token: values.token ?? env.PINBOX_TOKEN ?? undefined,
    clientSecret: values['client-secret'] ?? env.PINBOX_CLIENT_SECRET ?? undefined,
    username: values.username ?? env.PINBOX_USERNAME ?? undefined,
    password: values.password ?? env.PINBOX_PASSWORD ?? undefined,
    // The environment takes several URIs separated by spaces or commas (a URI has neither unescaped).
    redirectUris: values['redirect-uri'] ?? (env.PINBOX_REDIRECT_URIS ? env.PINBOX_REDIRECT_URIS.split(/[\s,]+/).filter(Boolean) : undefined),
    logLevel: values['log-level'] ?? env.PINBOX_LOG_LEVEL ?? 'info',
    logFormat: logFormatOf(values['log-format'] ?? env.PINBOX_LOG_FORMAT),
    rateLimits: mode as RateLimitMode,
    // Rules given as flags win over the same rules in the file.
    rateLimitOverrides: { ...(file ? readRateLimitFile(file) : {}), ...parseRateLimitRules(rules) },
    videoUploads: {
      ...(processingSeconds === undefined ? {} : { processingMs: Math.round(processingSeconds * 1000) }),
      ...(maxUploadBytes === undefined ? {} : { maxBytes: maxUploadBytes }),
    },
    analyticsSeed,
    adminKey: values['admin-key'] ?? env.PINBOX_ADMIN_KEY ?? undefined,
    controlRemote: values['control-remote'] ?? env.PINBOX_CONTROL_REMOTE === '1',
    seed: values.seed ?? env.PINBOX_SEED ?? undefined,
    journal: { enabled: journal !== 'off', bodies: journal === 'bodies', size: journalSize },
    requestTimeoutMs: requestTimeoutSeconds === undefined ? undefined : Math.round(requestTimeoutSeconds * 1000),
    bodyMinBytesPerSecond: bodyMinRate,
    // The environment takes several entries separated by spaces or commas (none holds either).
    fetchAllow: values['fetch-allow'] ?? listOf(env.PINBOX_FETCH_ALLOW),
    fetchDeny: values['fetch-deny'] ?? listOf(env.PINBOX_FETCH_DENY),
    upstream: upstreamOf(values.upstream ?? env.PINBOX_UPSTREAM, values['upstream-token'] ?? env.PINBOX_UPSTREAM_TOKEN),
  };
}

/** The agent gateway's upstream: a v5 server's URL and the Pinterest token it is called with. */
function upstreamOf(url: string | undefined, token: string | undefined): { url: string; token: string } | undefined {
  if (url === undefined) {
    if (token !== undefined) throw new Error('--upstream-token needs --upstream URL');
    return undefined;
  }
  if (!/^https?:\/\/[^\s]+$/.test(url)) throw new Error(`--upstream must be an http(s) URL, got '${url}'`);
  if (!token) throw new Error('--upstream needs the Pinterest token to call it with: --upstream-token T (env PINBOX_UPSTREAM_TOKEN)');
  return { url: url.replace(/\/+$/, '').replace(/\/v5$/, ''), token };
}

function listOf(text: string | undefined): string[] | undefined {
  return text ? text.split(/[\s,]+/).filter(Boolean) : undefined;
}

/**
 * Reads a numeric flag (or its environment variable): undefined when not given.
 * @example numberFlag('pool-size', '10', { min: 2, max: 1000, expected: 'a whole number from 2 to 1000' }) // 10
 */
function numberFlag(
  name: string,
  text: string | undefined,
  rule: { min: number; max?: number; whole?: boolean; expected: string },
): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  const whole = rule.whole ?? true;
  const fits = (whole ? Number.isSafeInteger(value) : Number.isFinite(value)) && value >= rule.min && value <= (rule.max ?? Number.MAX_SAFE_INTEGER);
  if (!fits) throw new Error(`--${name} must be ${rule.expected}, got '${text}'`);
  return value;
}

/**
 * Reads `--rate-limit` rules, each `[tier.]name=N/unit` or `[tier.]name=off`.
 * @example parseRateLimitRules(['org_write=5/minute']) // { org_write: '5/minute' }
 */
export function parseRateLimitRules(rules: readonly string[]): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const rule of rules) {
    const at = rule.indexOf('=');
    if (at <= 0) throw new Error(`--rate-limit '${rule}' must look like org_write=5/minute or standard.all=off`);
    overrides[rule.slice(0, at).trim()] = rule.slice(at + 1).trim();
  }
  return overrides;
}

/**
 * Reads a JSON file of limit overrides: an object of rules,
 * e.g. `{ "org_write": "5/minute", "standard.all": "off" }`. Their meaning is
 * checked when pinbox starts.
 */
function readRateLimitFile(file: string): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(`--rate-limits-file ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error(`--rate-limits-file ${file}: expected a JSON object like { "org_write": "5/minute" }`);
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value !== 'string') throw new Error(`--rate-limits-file ${file}: '${key}' must be a string like "5/minute" or "off"`);
  }
  return parsed as Record<string, string>;
}

/** How the log reads: pino's pretty lines for a person at a terminal, one JSON object a line for anything else. */
function logFormatOf(text: string | undefined): 'json' | 'pretty' {
  if (text === undefined) return process.stdout.isTTY ? 'pretty' : 'json';
  if (text !== 'json' && text !== 'pretty') throw new Error(`--log-format must be json or pretty, got '${text}'`);
  return text;
}
