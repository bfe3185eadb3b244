import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseCommandArgs, UsageError, type CliCommand, type CommandContext } from '../cli/command.js';
import { parseDuration } from '../kernel/duration.js';
import type { FaultRule } from './faults.js';
import type { JournalEntry } from './journal.js';


const OPTIONS = {
  url: { type: 'string' },
  'admin-key': { type: 'string' },
  user: { type: 'string' },
  path: { type: 'string' },
  method: { type: 'string' },
  status: { type: 'string' },
  since: { type: 'string' },
  limit: { type: 'string' },
  times: { type: 'string' },
  probability: { type: 'string' },
  seed: { type: 'string' },
  latency: { type: 'string' },
  drop: { type: 'boolean' },
  app: { type: 'string' },
  'retry-after': { type: 'string' },
  body: { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  reason: { type: 'string', multiple: true },
  label: { type: 'string', multiple: true },
  // pinbox agents audit
  agent: { type: 'string' },
  decision: { type: 'string' },
} as const;

type Values = ReturnType<typeof parseCtl>['values'];

/** Every control command takes the same flags (each reads the ones it needs). */
function parseCtl(args: string[]) {
  return parseCommandArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
}

/** Talks to one pinbox's `/_pinbox` API with its admin key. */
class ControlClient {
  readonly base: string;
  private readonly key: string;

  constructor(values: Values) {
    this.base = (values.url ?? process.env.PINBOX_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/+$/, '').replace(/\/(v5|_pinbox)$/, '');
    const key = values['admin-key'] ?? process.env.PINBOX_ADMIN_KEY;
    if (!key) throw new UsageError('the control plane needs the admin key pinbox printed on start: --admin-key KEY or PINBOX_ADMIN_KEY');
    this.key = key;
  }

  async call(method: string, path: string, body?: unknown): Promise<Response> {
    const response = await fetch(`${this.base}/_pinbox${path}`, {
      method,
      headers: { 'x-pinbox-admin-key': this.key, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    }).catch((error: unknown) => {
      throw new Error(`no pinbox answered at ${this.base} (${error instanceof Error ? error.message : String(error)}); pass --url`);
    });
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        // not JSON: shown as is
      }
      throw new Error(`${method} /_pinbox${path} answered ${response.status}: ${message}`);
    }
    return response;
  }

  async json(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await this.call(method, path, body);
    return response.status === 204 ? null : response.json();
  }
}

/** Prints an answer: JSON with --json, else the lines a person reads. */
export function print(context: CommandContext, value: unknown, human: (value: any) => string): void {
  if (context.json) {
    if (value !== null) context.out.write(`${JSON.stringify(value)}\n`);
    return;
  }
  context.out.write(`${human(value).replace(/\n*$/, '')}\n`);
}

const clockLine = (state: { at: string; now: number; frozen: boolean; pending: { at: number; name: string }[] }) =>
  `clock: ${state.at} (${state.now} ms), ${state.frozen ? 'frozen' : 'running'}${state.pending.length ? `; due later: ${state.pending.map((task) => `${task.name} at ${new Date(task.at).toISOString()}`).join(', ')}` : ''}`;

function ruleLine(rule: FaultRule): string {
  const what = rule.drop ? 'drop the connection' : rule.status !== null ? `answer ${rule.status}` : 'pass';
  const delay = rule.latency_ms ? ` after ${rule.latency_ms} ms` : '';
  const who = [rule.app && `app ${rule.app}`, rule.user && `user ${rule.user}`].filter(Boolean).join(', ');
  const when = rule.probability !== null ? `, probability ${rule.probability}` : '';
  const left = rule.remaining === null ? '' : `, ${rule.remaining} left`;
  return `${rule.id}  ${rule.method} ${rule.path}${who ? ` (${who})` : ''}: ${what}${delay}${when}${left}; fired ${rule.fired}`;
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new UsageError(`--${flag} must be a number, got '${value}'`);
  return parsed;
}

function journalSearch(values: Values, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  const filters = { path: values.path, method: values.method, status: values.status, since: values.since, limit: values.limit, ...extra };
  for (const [key, value] of Object.entries(filters)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** One journal entry as a line: time, method, path and query, status, duration, caller, rate limits. */
function formatEntry(entry: JournalEntry & { username?: string | null }): string {
  const user = entry.username ?? entry.user;
  const caller = [entry.app && `app=${entry.app}`, user && `user=${user}`].filter(Boolean).join(' ');
  const limit = entry.rate_limit_category ? ` ${entry.rate_limit_category}${entry.rate_limit_remaining === null ? '' : ` left=${entry.rate_limit_remaining}`}` : '';
  const fault = entry.fault ? ` fault=${entry.fault}` : '';
  const query = entry.query ? `?${new URLSearchParams(entry.query).toString().replaceAll('%5Bredacted%5D', '[redacted]')}` : '';
  return `${entry.at} ${entry.method} ${entry.path}${query} ${entry.dropped ? 'dropped' : entry.status} ${entry.duration_ms}ms${caller ? ` ${caller}` : ''}${limit}${fault}`;
}

function printEntries(context: CommandContext, entries: JournalEntry[]): void {
  const json = context.json;
  for (const entry of entries) context.out.write(`${json ? JSON.stringify(entry) : formatEntry(entry)}\n`);
}

const CONTROL_FLAGS = '[--url URL] [--admin-key KEY]';
const CONTROL_HELP = `  --url URL        the pinbox to ask (env PINBOX_URL; default http://127.0.0.1:3000)
  --admin-key KEY  its control plane's key, printed on start (env PINBOX_ADMIN_KEY)
  --json           print the answer as JSON`;

/** One `pinbox ctl` command: its client, flags and positionals parsed. */
function control(
  word: string,
  synopsis: string,
  summary: string,
  run: (client: ControlClient, values: Values, positionals: string[], context: CommandContext) => Promise<void>,
  help = '',
): CliCommand {
  return controlCommand('ctl', word, synopsis, summary, run, help);
}

/** A command under `group` (`ctl`, `agents`) that talks to a running pinbox's control plane. */
export function controlCommand(
  group: string,
  word: string,
  synopsis: string,
  summary: string,
  run: (client: ControlClient, values: Values, positionals: string[], context: CommandContext) => Promise<void>,
  help = '',
): CliCommand {
  return {
    words: [group, word],
    synopsis: `${group} ${synopsis} ${CONTROL_FLAGS}`,
    summary,
    help: `${help ? `${help}\n` : ''}${CONTROL_HELP}`,
    run: async (context) => {
      const { values, positionals } = parseCtl(context.args);
      await run(new ControlClient(values), values, positionals, context);
    },
  };
}

function noMore(positionals: readonly string[], from: number): void {
  if (positionals.length > from) throw new UsageError(`unexpected argument '${positionals[from]}'`);
}

/** The control plane's commands: `pinbox ctl …` against a running pinbox, and `pinbox logs`. */
export const CTL_COMMANDS: readonly CliCommand[] = [
  control(
    'clock',
    'clock [show | freeze [AT] | unfreeze | advance DURATION | set AT]',
    "Shows or moves pinbox's clock (token expiry, rate-limit windows, media processing, analytics lag).",
    async (client, _values, [sub, arg, ...extra], context) => {
      noMore(extra, 0);
      const show = (state: unknown) => print(context, state, clockLine);
      if (sub === undefined || sub === 'show') return noMore(arg === undefined ? [] : [arg], 0), show(await client.json('GET', '/clock'));
      if (sub === 'freeze') return show(await client.json('POST', '/clock/freeze', arg === undefined ? {} : { at: arg }));
      if (sub === 'unfreeze') return noMore(arg === undefined ? [] : [arg], 0), show(await client.json('POST', '/clock/unfreeze', {}));
      if (sub === 'advance' && arg !== undefined) return show(await client.json('POST', '/clock/advance', { by: arg }));
      if (sub === 'set' && arg !== undefined) return show(await client.json('POST', '/clock/set', { at: arg }));
      throw new UsageError(sub === 'advance' || sub === 'set' ? `clock ${sub} needs ${sub === 'advance' ? 'a DURATION' : 'an instant AT'}` : `unknown clock command '${sub}'`);
    },
    '  DURATION: milliseconds or 2d, 90m, 1h30m, 45s; AT: milliseconds or ISO 8601 (2026-12-01T09:00:00Z)',
  ),
  control(
    'reset',
    'reset [--user USERNAME]',
    "Empties the store, keeping the dev identity, or one user's content.",
    async (client, values, positionals, context) => {
      noMore(positionals, 0);
      const answer = await client.json('POST', '/reset', values.user === undefined ? {} : { user: values.user });
      print(context, answer, () => (values.user === undefined ? 'reset: the whole store (the dev identity kept)' : `reset: the content of ${values.user}`));
    },
  ),
  control('console-link', 'console-link', 'Prints a new link that signs a browser in to the console once (good for a day).', async (client, values, positionals, context) => {
    noMore(positionals, 0);
    print(context, await client.json('POST', '/console/links', {}), (link: { url: string }) => `console: ${link.url}`);
  }),
  control('seed', 'seed FILE', 'Loads a JSON fixture (image files are read relative to FILE).', async (client, _values, positionals, context) => {
    if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'seed needs a FILE' : `unexpected argument '${positionals[1]}'`);
    const file = resolve(positionals[0]);
    const text = await readFile(file, 'utf8');
    const made = await client.json('POST', `/fixtures?base_dir=${encodeURIComponent(dirname(file))}`, text);
    print(context, made, (result: Record<string, unknown[]>) => {
      const counts = Object.entries(result).map(([section, items]) => `${items.length} ${section}`);
      const tokens = ((result.tokens ?? []) as { user: string; token: string; scopes: string[] }[]).map((t) => `  token of ${t.user}: ${t.token} (${t.scopes.join(',')})`);
      return [`seeded: ${counts.join(', ')}`, ...tokens].join('\n');
    });
  }),
  control('snapshot', 'snapshot save FILE | snapshot load FILE', 'Saves the whole state to a file, or restores it from one.', async (client, _values, [sub, file, ...extra], context) => {
    noMore(extra, 0);
    if (file === undefined || (sub !== 'save' && sub !== 'load')) throw new UsageError('snapshot takes save FILE or load FILE');
    if (sub === 'save') {
      const response = await client.call('GET', '/snapshot');
      await writeFile(file, Buffer.from(await response.arrayBuffer()));
      return print(context, { saved: file }, () => `snapshot saved to ${file}`);
    }
    const restored = await client.json('PUT', '/snapshot', await readFile(file, 'utf8'));
    print(context, restored, (r: { schemaVersion: number; tables: number; rows: number; blobs: number; unfilled: string[] }) =>
      `restored ${file}: schema version ${r.schemaVersion}, ${r.tables} tables, ${r.rows} rows, ${r.blobs} blobs${r.unfilled.length ? `; left empty: ${r.unfilled.join(', ')}` : ''}`,
    );
  }),
  control(
    'faults',
    'faults [list | add --path P [options] | remove ID | clear]',
    'Lists, adds and removes fault rules: chosen answers (a status, latency, a dropped connection) for matching calls.',
    async (client, values, [sub, arg, ...extra], context) => {
      noMore(extra, 0);
      if (sub === undefined || sub === 'list') {
        return print(context, await client.json('GET', '/faults'), ({ items }: { items: FaultRule[] }) => (items.length ? items.map(ruleLine).join('\n') : 'no fault rules'));
      }
      if (sub === 'clear') return print(context, await client.json('DELETE', '/faults'), () => 'fault rules cleared');
      if (sub === 'remove' && arg !== undefined) return print(context, await client.json('DELETE', `/faults/${encodeURIComponent(arg)}`), () => `fault rule ${arg} removed`);
      if (sub !== 'add') throw new UsageError(sub === 'remove' ? 'faults remove needs an ID' : `unknown faults command '${sub}'`);
      if (!values.path) throw new UsageError('faults add needs --path P');
      let body: unknown;
      if (values.body !== undefined) {
        try {
          body = JSON.parse(values.body);
        } catch {
          throw new UsageError('--body must be JSON');
        }
      }
      const rule = (await client.json('POST', '/faults', {
        path: values.path,
        method: values.method,
        status: number(values.status, 'status'),
        times: number(values.times, 'times'),
        probability: number(values.probability, 'probability'),
        seed: number(values.seed, 'seed'),
        latency: values.latency,
        drop: values.drop,
        app: values.app,
        user: values.user,
        retry_after: number(values['retry-after'], 'retry-after'),
        body,
      })) as FaultRule;
      print(context, rule, (r: FaultRule) => `added ${ruleLine(r)}`);
    },
    `  add: --path P (a path pattern, * for a segment, ... for the rest) [--method M] [--status N]
       [--times N] [--probability P] [--seed S] [--latency D] [--drop] [--app CLIENT_ID]
       [--user USERNAME] [--retry-after S] [--body JSON]`,
  ),
  control(
    'journal',
    'journal [--path P] [--method M] [--status S] [--since T] [--limit N] | journal clear',
    'Shows the calls the pinbox answered (the request journal), newest last, or clears it.',
    async (client, values, [sub, ...extra], context) => {
      noMore(extra, 0);
      if (sub === 'clear') return print(context, await client.json('DELETE', '/journal'), () => 'journal cleared');
      if (sub !== undefined) throw new UsageError(`unknown journal command '${sub}'`);
      const { items } = (await client.json('GET', `/journal${journalSearch(values)}`)) as { items: JournalEntry[] };
      printEntries(context, items);
    },
  ),
  control(
    'ad-roles',
    'ad-roles grant|revoke AD_ACCOUNT_ID USERNAME ROLE',
    'Grants or takes back a Business Access role (ADMIN, ANALYST, CAMPAIGN_MANAGER, …) on an ad account.',
    async (client, _values, [sub, accountId, user, role, ...extra], context) => {
      noMore(extra, 0);
      if ((sub !== 'grant' && sub !== 'revoke') || role === undefined) throw new UsageError('ad-roles takes grant or revoke, then AD_ACCOUNT_ID USERNAME ROLE');
      const answer = await client.json(sub === 'grant' ? 'POST' : 'DELETE', `/ad_accounts/${encodeURIComponent(accountId)}/roles`, { user, role });
      print(context, answer ?? { [sub === 'grant' ? 'granted' : 'revoked']: { ad_account_id: accountId, user, role } }, () =>
        sub === 'grant' ? `${user} holds ${role} on ad account ${accountId}` : `${user} no longer holds ${role} on ad account ${accountId}`,
      );
    },
  ),
  control(
    'ad-review',
    'ad-review AD_ID approve | ad-review AD_ID reject [--reason R]... [--label TEXT]... | ad-review time DURATION',
    "Decides an ad's review now (APPROVED, or REJECTED with reasons and labels), or sets how long a submitted ad stays PENDING.",
    async (client, values, [first, verdict, ...extra], context) => {
      noMore(extra, 0);
      if (first === 'time') {
        if (verdict === undefined) throw new UsageError('ad-review time needs a DURATION (seconds, or 1h, 30m, …)');
        const seconds = /^\d+$/.test(verdict) ? Number(verdict) : Math.round(parseDuration(verdict, 'DURATION') / 1000);
        const answer = (await client.json('PUT', '/ads/review_time', { seconds })) as { seconds: number };
        return print(context, answer, (a: { seconds: number }) => `a submitted ad is reviewed after ${a.seconds} s on pinbox's clock`);
      }
      if (first === undefined || (verdict !== 'approve' && verdict !== 'reject')) throw new UsageError('ad-review takes AD_ID approve, AD_ID reject [--reason R]... [--label TEXT]..., or time DURATION');
      if (verdict === 'approve' && (values.reason || values.label)) throw new UsageError('--reason and --label go with reject');
      const body = verdict === 'approve' ? { review_status: 'APPROVED' } : { review_status: 'REJECTED', rejected_reasons: values.reason ?? ['OTHER'], rejection_labels: values.label ?? [] };
      const answer = await client.json('POST', `/ads/${encodeURIComponent(first)}/review`, body);
      print(context, answer ?? { ad_id: first, ...body }, () => `ad ${first}: ${body.review_status}${verdict === 'reject' ? ` (${(body.rejected_reasons as string[]).join(', ')})` : ''}`);
    },
    `  REASON: one of Pinterest's rejected_reasons (LANDING_PAGE, TARGETING, …); default OTHER
  DURATION: seconds, or 1h, 30m, 45s`,
  ),
  {
    words: ['logs'],
    synopsis: `logs [-f] ${CONTROL_FLAGS} [--path P] [--status S] [--limit N]`,
    summary: "The request journal's recent calls; with -f, then every call as it ends, until interrupted.",
    help: `  -f, --follow     keep printing calls as they end\n${CONTROL_HELP}`,
    run: logs,
  },
];

/**
 * `pinbox logs [-f]`: the journal's recent calls; with -f, then every call as it
 * ends (server-sent events from /_pinbox/journal/stream) until interrupted.
 */
async function logs(context: CommandContext): Promise<void> {
  const { values, positionals } = parseCtl(context.args);
  noMore(positionals, 0);
  const client = new ControlClient(values);
  const { items } = (await client.json('GET', `/journal${journalSearch(values, { limit: values.limit ?? '20' })}`)) as { items: JournalEntry[] };
  printEntries(context, items);
  if (!values.follow) return;
  const after = String(items.at(-1)?.id ?? 0);
  const response = await client.call('GET', `/journal/stream${journalSearch(values, { after, limit: undefined })}`);
  process.stderr.write(`following the journal of ${client.base} (Ctrl-C stops)\n`);
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let end: number;
    while ((end = buffered.indexOf('\n\n')) >= 0) {
      const event = buffered.slice(0, end);
      buffered = buffered.slice(end + 2);
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data) printEntries(context, [JSON.parse(data) as JournalEntry]);
    }
  }
}
