import { readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { JournalEntry } from './journal.js';

/** A mistake in how the command was called (the CLI prints its usage). */
export class CtlUsageError extends Error {}

export const CTL_USAGE = `  pinbox ctl COMMAND [--url URL] [--admin-key KEY]   (a running pinbox's control plane)
    clock                          show the clock
    clock freeze [AT] | clock unfreeze | clock advance DURATION | clock set AT
                                   DURATION: ms or 2d, 90m, 1h30m, 45s; AT: ms or ISO 8601
    reset [--user USERNAME]        empty the store (keeping the dev identity), or one user's content
    seed FILE                      load a JSON fixture (image files relative to FILE)
    snapshot save FILE | snapshot load FILE
    faults                         list fault rules
    faults add --path P [--method M] [--status N] [--times N] [--probability P] [--seed S]
               [--latency D] [--drop] [--app CLIENT_ID] [--user USERNAME] [--retry-after S] [--body JSON]
    faults remove ID | faults clear
    journal [--path P] [--method M] [--status S] [--since T] [--limit N] [--json]
    journal clear
  pinbox logs [-f] [--url URL] [--admin-key KEY] [--path P] [--status S] [--json]
                                   the request journal; -f follows it live
`;

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
  json: { type: 'boolean' },
  follow: { type: 'boolean', short: 'f' },
} as const;

type Values = ReturnType<typeof parseCtl>['values'];

function parseCtl(argv: string[]) {
  return parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: true });
}

/** Talks to one pinbox's `/_pinbox` API with its admin key. */
class ControlClient {
  readonly base: string;
  private readonly key: string;

  constructor(values: Values) {
    this.base = (values.url ?? process.env.PINBOX_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/+$/, '').replace(/\/(v5|_pinbox)$/, '');
    const key = values['admin-key'] ?? process.env.PINBOX_ADMIN_KEY;
    if (!key) throw new CtlUsageError('the control plane needs the admin key pinbox printed on start: --admin-key KEY or PINBOX_ADMIN_KEY');
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

function print(value: unknown): void {
  if (value !== null) process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function number(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new CtlUsageError(`--${flag} must be a number, got '${value}'`);
  return parsed;
}

function journalSearch(values: Values, extra: Record<string, string | undefined> = {}): string {
  const params = new URLSearchParams();
  const filters = { path: values.path, method: values.method, status: values.status, since: values.since, limit: values.limit, ...extra };
  for (const [key, value] of Object.entries(filters)) if (value !== undefined) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** One journal entry as a line: time, method, path, status, duration, caller, rate limits. */
function formatEntry(entry: JournalEntry): string {
  const caller = [entry.app && `app=${entry.app}`, entry.user && `user=${entry.user}`].filter(Boolean).join(' ');
  const limit = entry.rate_limit_category ? ` ${entry.rate_limit_category}${entry.rate_limit_remaining === null ? '' : ` left=${entry.rate_limit_remaining}`}` : '';
  const fault = entry.fault ? ` fault=${entry.fault}` : '';
  return `${entry.at} ${entry.method} ${entry.path} ${entry.status} ${entry.duration_ms}ms${caller ? ` ${caller}` : ''}${limit}${fault}`;
}

function printEntries(entries: JournalEntry[], json: boolean | undefined): void {
  for (const entry of entries) process.stdout.write(`${json ? JSON.stringify(entry) : formatEntry(entry)}\n`);
}

/** `pinbox ctl ...` */
export async function ctl(argv: string[]): Promise<void> {
  const { values, positionals } = parseCtl(argv);
  const [command, sub, arg, ...extra] = positionals;
  const client = new ControlClient(values);
  const none = (what: string, got: unknown) => {
    if (got !== undefined) throw new CtlUsageError(`${what} takes no more arguments`);
  };
  switch (command) {
    case 'clock': {
      none('ctl clock', extra[0]);
      if (sub === undefined || sub === 'show') return print(await client.json('GET', '/clock'));
      if (sub === 'freeze') return print(await client.json('POST', '/clock/freeze', arg === undefined ? {} : { at: arg }));
      if (sub === 'unfreeze') return print(await client.json('POST', '/clock/unfreeze', {}));
      if (sub === 'advance' && arg !== undefined) return print(await client.json('POST', '/clock/advance', { by: arg }));
      if (sub === 'set' && arg !== undefined) return print(await client.json('POST', '/clock/set', { at: arg }));
      throw new CtlUsageError('ctl clock takes show, freeze [AT], unfreeze, advance DURATION or set AT');
    }
    case 'reset':
      none('ctl reset', sub);
      return print(await client.json('POST', '/reset', values.user === undefined ? {} : { user: values.user }));
    case 'seed': {
      if (sub === undefined || arg !== undefined) throw new CtlUsageError('ctl seed takes one FILE');
      const file = resolve(sub);
      const text = await readFile(file, 'utf8');
      return print(await client.json('POST', `/fixtures?base_dir=${encodeURIComponent(dirname(file))}`, text));
    }
    case 'snapshot': {
      if (arg === undefined || extra[0] !== undefined) throw new CtlUsageError('ctl snapshot takes save FILE or load FILE');
      if (sub === 'save') {
        const response = await client.call('GET', '/snapshot');
        await writeFile(arg, Buffer.from(await response.arrayBuffer()));
        process.stdout.write(`snapshot saved to ${arg}\n`);
        return;
      }
      if (sub === 'load') return print(await client.json('PUT', '/snapshot', await readFile(arg, 'utf8')));
      throw new CtlUsageError('ctl snapshot takes save FILE or load FILE');
    }
    case 'faults': {
      if (sub === undefined || sub === 'list') return print(await client.json('GET', '/faults'));
      if (sub === 'clear') return print(await client.json('DELETE', '/faults'));
      if (sub === 'remove' && arg !== undefined) return print(await client.json('DELETE', `/faults/${encodeURIComponent(arg)}`));
      if (sub === 'add') {
        if (!values.path) throw new CtlUsageError('ctl faults add needs --path P');
        let body: unknown;
        if (values.body !== undefined) {
          try {
            body = JSON.parse(values.body);
          } catch {
            throw new CtlUsageError('--body must be JSON');
          }
        }
        return print(
          await client.json('POST', '/faults', {
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
          }),
        );
      }
      throw new CtlUsageError('ctl faults takes list, add, remove ID or clear');
    }
    case 'journal': {
      if (sub === 'clear') return print(await client.json('DELETE', '/journal'));
      none('ctl journal', sub);
      const { items } = (await client.json('GET', `/journal${journalSearch(values)}`)) as { items: JournalEntry[] };
      return printEntries(items, values.json);
    }
    default:
      throw new CtlUsageError(command === undefined ? 'ctl needs a COMMAND' : `unknown ctl command '${command}'`);
  }
}

/**
 * `pinbox logs [-f]`: the journal's recent calls; with -f, then every call as it
 * ends (server-sent events from /_pinbox/journal/stream) until interrupted.
 */
export async function logs(argv: string[]): Promise<void> {
  const { values, positionals } = parseCtl(argv);
  if (positionals.length > 0) throw new CtlUsageError('logs takes no arguments');
  const client = new ControlClient(values);
  const { items } = (await client.json('GET', `/journal${journalSearch(values, { limit: values.limit ?? '20' })}`)) as { items: JournalEntry[] };
  printEntries(items, values.json);
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
      if (data) printEntries([JSON.parse(data) as JournalEntry], values.json);
    }
  }
}
