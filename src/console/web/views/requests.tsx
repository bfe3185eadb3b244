/**
 * The request journal, live: what `GET /_pinbox/journal` holds, then every call as
 * it ends (`/journal/stream`), filtered on the server. It keeps up with a thousand
 * calls a second: events are batched and rendered once per animation frame, only
 * the newest WINDOW entries are kept, and only the rows in view are in the DOM.
 */
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { control, listen } from '../api.js';
import { CopyButton, ErrorNote, useAction, useLoad, when } from '../parts/common.js';
import { href } from '../router.js';

export interface JournalEntry {
  id: number;
  time: number;
  at: string;
  request_id: string;
  method: string;
  path: string;
  query: Record<string, string> | null;
  status: number;
  app: string | null;
  user: string | null;
  username: string | null;
  agent?: string | null;
  scopes: string[];
  rate_limit_category: string | null;
  rate_limit_remaining: number | null;
  duration_ms: number;
  fault: string | null;
  dropped: boolean;
  request_headers?: Record<string, unknown>;
  request_body?: unknown;
  response_body?: unknown;
}

interface Settings {
  enabled: boolean;
  bodies: boolean;
  size: number;
}

interface Filters {
  path: string;
  method: string;
  status: string;
  app: string;
  user: string;
  agent: string;
}

/** Entries kept in the page: the newest ones. */
export const WINDOW = 2000;
const ROW_HEIGHT = 30;
const VIEWPORT_HEIGHT = 480;
/** Rows rendered above and below those in view. */
const OVERSCAN = 8;
const EMPTY: Filters = { path: '', method: '', status: '', app: '', user: '', agent: '' };

function searchOf(filters: Filters, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams(extra);
  for (const [name, value] of Object.entries(filters)) if (value.trim()) params.set(name, value.trim());
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** What a call touched, as a link to the view that shows it (a board or Pin of its user). */
function targetOf(entry: JournalEntry): string | null {
  if (!entry.username) return null;
  const match = /^\/v5\/(boards|pins)\/([^/]+)/.exec(entry.path);
  if (!match || !/^\d+$/.test(match[2])) return null;
  return href('content', entry.username, match[1], match[2]);
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

const SKIPPED_HEADERS = new Set(['host', 'content-length', 'connection', 'accept-encoding', 'authorization', 'transfer-encoding']);

/**
 * The call as a curl command: its method, URL, headers and body as the journal
 * shows them, the (redacted) token as `$TOKEN`.
 * @example curlOf(entry, 'http://127.0.0.1:3000') // curl -X POST 'http://…/v5/boards' -H "Authorization: Bearer $TOKEN" …
 */
export function curlOf(entry: JournalEntry, origin: string): string {
  const query = entry.query ? `?${new URLSearchParams(entry.query).toString()}` : '';
  const lines = [`curl -X ${entry.method} ${quote(`${origin}${entry.path}${query}`)}`];
  const headers = entry.request_headers ?? {};
  const authorization = headers.authorization;
  if (authorization === undefined ? entry.user !== null : String(authorization).toLowerCase().startsWith('bearer')) lines.push(`-H "Authorization: Bearer $TOKEN"`);
  else if (authorization !== undefined) lines.push(`-H ${quote(`Authorization: ${String(authorization)}`)}`);
  for (const [name, value] of Object.entries(headers)) {
    if (SKIPPED_HEADERS.has(name.toLowerCase()) || name.toLowerCase().startsWith('sec-fetch-')) continue;
    lines.push(`-H ${quote(`${name}: ${Array.isArray(value) ? value.join(', ') : String(value)}`)}`);
  }
  const body = entry.request_body;
  if (body !== undefined && body !== null && body !== '') lines.push(`--data ${quote(typeof body === 'string' ? body : JSON.stringify(body))}`);
  return lines.join(' \\\n  ');
}

function statusClass(entry: JournalEntry): string {
  if (entry.dropped || entry.status >= 500) return 'badge bad';
  if (entry.status >= 400) return 'badge warn';
  return 'badge ok';
}

export function Requests() {
  const users = useLoad(() => control<{ items: { id: string; username: string }[] }>('GET', '/users'));
  const settings = useLoad(() => control<Settings>('GET', '/journal/settings'));
  const [filters, setFilters] = useState<Filters>(EMPTY);
  const [draft, setDraft] = useState<Filters>(EMPTY);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(false);
  // The entries, newest first, held outside state: a burst changes them many times per frame.
  const entries = useRef<JournalEntry[]>([]);
  const received = useRef(0);
  const [, setFrame] = useState(0);
  const [selected, setSelected] = useState<JournalEntry | null>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const action = useAction();
  // The bodies setting as last asked for (null: as loaded).
  const [bodies, setBodies] = useState<boolean | null>(null);

  useEffect(() => {
    let stopped = false;
    let stop: (() => void) | null = null;
    let pending: JournalEntry[] = [];
    let frame = 0;
    let last = 0;
    entries.current = [];
    received.current = 0;
    setFrame((n) => n + 1);
    const flush = () => {
      frame = 0;
      if (pending.length === 0) return;
      const batch = pending.reverse();
      pending = [];
      const next = batch.concat(entries.current);
      entries.current = next.length > WINDOW ? next.slice(0, WINDOW) : next;
      setFrame((n) => n + 1);
    };
    const take = (entry: JournalEntry) => {
      if (entry.id <= last) return;
      last = entry.id;
      received.current++;
      pending.push(entry);
      if (!frame) frame = requestAnimationFrame(flush);
    };
    setError(null);
    setLive(false);
    control<{ items: JournalEntry[] }>('GET', `/journal${searchOf(filters, { limit: '500' })}`).then(
      ({ items }) => {
        if (stopped) return;
        items.forEach(take);
        stop = listen<JournalEntry>(`/journal/stream${searchOf(filters, { after: String(last) })}`, take, () => setLive(true));
      },
      (caught) => !stopped && setError(caught),
    );
    return () => {
      stopped = true;
      stop?.();
      if (frame) cancelAnimationFrame(frame);
    };
  }, [filters]);

  const shown = entries.current;
  const first = Math.max(0, Math.floor(scrollTop / ROW_HEIGHT) - OVERSCAN);
  const count = Math.ceil(VIEWPORT_HEIGHT / ROW_HEIGHT) + 2 * OVERSCAN;
  const rows = shown.slice(first, first + count);
  const below = Math.max(0, shown.length - first - rows.length);
  const usernames = useMemo(() => users.data?.items ?? [], [users.data]);

  const set = (name: keyof Filters) => (event: Event) => setDraft({ ...draft, [name]: (event.currentTarget as HTMLInputElement).value });

  return (
    <>
      <h1>Requests</h1>
      <form
        class="row filters"
        id="requests-filters"
        aria-label="Filters"
        onSubmit={(event) => {
          event.preventDefault();
          setFilters({ ...draft });
        }}
      >
        <label for="filter-path">Path</label>
        <input id="filter-path" value={draft.path} placeholder="/v5/boards/**" size={18} onInput={set('path')} />
        <label for="filter-method">Method</label>
        <select id="filter-method" value={draft.method} onChange={set('method')}>
          <option value="">any</option>
          {['GET', 'POST', 'PATCH', 'PUT', 'DELETE'].map((method) => (
            <option key={method} value={method}>
              {method}
            </option>
          ))}
        </select>
        <label for="filter-status">Status</label>
        <input id="filter-status" value={draft.status} placeholder="4xx" size={5} onInput={set('status')} />
        <label for="filter-app">App</label>
        <input id="filter-app" value={draft.app} placeholder="client id" size={12} onInput={set('app')} />
        <label for="filter-user">User</label>
        <select id="filter-user" value={draft.user} onChange={set('user')} onFocus={users.reload}>
          <option value="">any</option>
          {usernames.map((user) => (
            <option key={user.id} value={user.id}>
              {user.username}
            </option>
          ))}
        </select>
        <label for="filter-agent">Agent</label>
        <input id="filter-agent" value={draft.agent} placeholder="agent name" size={12} onInput={set('agent')} />
        <button type="submit" id="filter-apply" class="primary">
          Apply
        </button>
        <button
          type="button"
          id="filter-clear"
          onClick={() => {
            setDraft(EMPTY);
            setFilters(EMPTY);
          }}
        >
          Clear
        </button>
      </form>
      <ErrorNote error={error} />
      <div class="row">
        <span id="requests-live" class={`badge ${live ? 'ok' : ''}`}>
          {live ? 'live' : 'connecting'}
        </span>
        <span id="requests-count" class="muted" data-received={received.current} data-kept={shown.length}>
          {received.current} calls received, the newest {shown.length} kept
        </span>
        {settings.data && (
          <>
            <input
              type="checkbox"
              id="journal-bodies"
              checked={bodies ?? settings.data.bodies}
              onChange={(event) => {
                const wanted = event.currentTarget.checked;
                setBodies(wanted);
                void action.run(() => control<Settings>('PATCH', '/journal/settings', { bodies: wanted }).then((now) => setBodies(now.bodies), (error) => {
                  setBodies(null);
                  throw error;
                }));
              }}
            />
            <label for="journal-bodies">Record headers and bodies</label>
          </>
        )}
        <ErrorNote error={action.error} />
      </div>
      <div class={`requests-layout${selected ? ' with-detail' : ''}`}>
        <div class="requests-scroll" id="requests-scroll" style={{ height: `${VIEWPORT_HEIGHT}px` }} onScroll={(event) => setScrollTop(event.currentTarget.scrollTop)} tabIndex={0} aria-label="Journal entries, newest first">
          <table id="requests-table" class="requests-table">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">Time</th>
                <th scope="col">Method</th>
                <th scope="col">Path</th>
                <th scope="col">Status</th>
                <th scope="col">User</th>
                <th scope="col">App</th>
                <th scope="col">Agent</th>
                <th scope="col">ms</th>
              </tr>
            </thead>
            <tbody>
              {first > 0 && <tr class="spacer" aria-hidden="true" style={{ height: `${first * ROW_HEIGHT}px` }} />}
              {rows.map((entry) => {
                const target = targetOf(entry);
                return (
                  <tr key={entry.id} data-id={entry.id} id={`entry-${entry.id}`} class={selected?.id === entry.id ? 'selected' : ''} style={{ height: `${ROW_HEIGHT}px` }}>
                    <td>
                      <button type="button" class="small link" id={`entry-open-${entry.id}`} onClick={() => setSelected(entry)} aria-label={`Details of call ${entry.id}`}>
                        {entry.id}
                      </button>
                    </td>
                    <td class="nowrap">{entry.at.slice(11, 23)}</td>
                    <td>{entry.method}</td>
                    <td class="path">{target ? <a href={target}>{entry.path}</a> : entry.path}</td>
                    <td>
                      <span class={statusClass(entry)}>{entry.dropped ? 'dropped' : entry.status}</span>
                      {entry.fault && <span class="muted small"> fault {entry.fault}</span>}
                    </td>
                    <td>{entry.username ?? entry.user ?? '—'}</td>
                    <td class="small">{entry.app ?? '—'}</td>
                    <td>{entry.agent ? <a href={href('agents', entry.agent)}>{entry.agent}</a> : '—'}</td>
                    <td>{entry.duration_ms}</td>
                  </tr>
                );
              })}
              {below > 0 && <tr class="spacer" aria-hidden="true" style={{ height: `${below * ROW_HEIGHT}px` }} />}
            </tbody>
          </table>
          {shown.length === 0 && <p class="muted" id="requests-empty">No calls yet.</p>}
        </div>
        {selected && <Detail entry={selected} bodies={bodies ?? settings.data?.bodies ?? false} onClose={() => setSelected(null)} />}
      </div>
    </>
  );
}

function Detail({ entry, bodies, onClose }: { entry: JournalEntry; bodies: boolean; onClose: () => void }) {
  const curl = curlOf(entry, location.origin);
  const target = targetOf(entry);
  return (
    <section class="panel request-detail" id="request-detail" aria-labelledby="request-detail-title">
      <div class="row">
        <h2 id="request-detail-title">
          Call {entry.id}: {entry.method} {entry.path}
        </h2>
        <button type="button" class="small" id="request-detail-close" onClick={onClose}>
          Close
        </button>
      </div>
      <dl class="facts" id="request-facts">
        <dt>at</dt>
        <dd>{when(entry.at)}</dd>
        <dt>request id</dt>
        <dd>{entry.request_id}</dd>
        <dt>status</dt>
        <dd>{entry.dropped ? 'dropped (no answer)' : entry.status}</dd>
        <dt>query</dt>
        <dd>{entry.query ? JSON.stringify(entry.query) : '—'}</dd>
        <dt>user</dt>
        <dd>{entry.username ?? entry.user ?? '—'}</dd>
        <dt>app</dt>
        <dd>{entry.app ?? '—'}</dd>
        <dt>agent</dt>
        <dd>{entry.agent ? <a href={href('agents', entry.agent)}>{entry.agent}</a> : '—'}</dd>
        <dt>scopes</dt>
        <dd>{entry.scopes.join(', ') || '—'}</dd>
        <dt>rate limit</dt>
        <dd>{entry.rate_limit_category ? `${entry.rate_limit_category}, ${entry.rate_limit_remaining ?? '?'} left` : '—'}</dd>
        <dt>fault</dt>
        <dd>{entry.fault ?? '—'}</dd>
        <dt>duration</dt>
        <dd>{entry.duration_ms} ms</dd>
        {target && (
          <>
            <dt>touched</dt>
            <dd>
              <a href={target} id="request-target">
                {entry.path}
              </a>
            </dd>
          </>
        )}
      </dl>
      {entry.request_headers ? (
        <>
          <h3>Request headers</h3>
          <pre id="detail-headers">{JSON.stringify(entry.request_headers, null, 2)}</pre>
          <h3>Request body</h3>
          <pre id="detail-request-body">{JSON.stringify(entry.request_body, null, 2)}</pre>
          <h3>Response body</h3>
          <pre id="detail-response-body">{JSON.stringify(entry.response_body, null, 2)}</pre>
        </>
      ) : (
        <p class="muted" id="detail-no-bodies">
          {bodies ? 'This call was recorded before headers and bodies were.' : 'Headers and bodies are not recorded: turn on “Record headers and bodies” above.'}
        </p>
      )}
      <h3>As curl</h3>
      <pre id="detail-curl">{curl}</pre>
      <CopyButton text={curl} label="Copy as curl" />
    </section>
  );
}
