/** The instance at a glance: what runs, on which store, the dev identity's curl line, and the clock to steer. */
import { useState } from 'preact/hooks';
import { control } from '../api.js';
import { CopyButton, ErrorNote, Show, useAction, useLoad, when } from '../parts/common.js';

interface Instance {
  pinbox: string;
  store: string;
  dialect: string;
  schema_version: number;
  dev: { username: string; token: string } | null;
  processes?: { count: number | null; source: 'sqlite' | 'pg_stat_activity' | 'unknown' };
  rate_limits?: { mode: string; journal: { calls: number; limited: number; categories: { category: string; calls: number; limited: number }[] } };
}

interface ClockState {
  now: number;
  at: string;
  frozen: boolean;
}

export function Overview() {
  const instance = useLoad(() => control<Instance>('GET', '/instance'));
  return (
    <>
      <h1>Overview</h1>
      <div class="panels">
        <section class="panel" aria-labelledby="instance-title">
          <h2 id="instance-title">Instance</h2>
          <Show loaded={instance}>
            {(data) => (
              <dl class="facts" id="instance">
                <dt>version</dt>
                <dd>{data.pinbox}</dd>
                <dt>store</dt>
                <dd>{data.store}</dd>
                <dt>schema</dt>
                <dd>version {data.schema_version}</dd>
                <dt>API</dt>
                <dd>
                  <code>{location.origin}/v5</code>
                </dd>
                <dt>processes</dt>
                <dd id="instance-processes">{processesText(data.processes)}</dd>
              </dl>
            )}
          </Show>
        </section>
        <section class="panel" aria-labelledby="dev-title">
          <h2 id="dev-title">Dev identity</h2>
          <Show loaded={instance}>{(data) => <DevIdentity dev={data.dev} />}</Show>
        </section>
        <section class="panel" aria-labelledby="rate-limits-title">
          <h2 id="rate-limits-title">Rate limits</h2>
          <Show loaded={instance}>{(data) => <RateLimitCounts limits={data.rate_limits} reload={instance.reload} />}</Show>
        </section>
        <Clock />
      </div>
    </>
  );
}

function DevIdentity({ dev }: { dev: Instance['dev'] }) {
  if (!dev) return <p class="muted">pinbox was started without a dev identity.</p>;
  const curl = `curl -H 'Authorization: Bearer ${dev.token}' ${location.origin}/v5/user_account`;
  return (
    <>
      <p>
        User <strong id="dev-username">{dev.username}</strong>, every scope.
      </p>
      <pre id="dev-curl">{curl}</pre>
      <CopyButton text={curl} label="Copy curl line" />
    </>
  );
}

function Clock() {
  const clock = useLoad(() => control<ClockState>('GET', '/clock'));
  const action = useAction();
  const [by, setBy] = useState('1d');
  const [at, setAt] = useState('');
  const act = (path: string, body?: unknown) => action.run(() => control('POST', path, body).then(clock.reload));
  return (
    <section class="panel" aria-labelledby="clock-title">
      <h2 id="clock-title">Clock</h2>
      <Show loaded={clock}>
        {(state) => (
          <p>
            <span id="clock-now">{when(state.at)}</span> <span class={`badge ${state.frozen ? '' : 'ok'}`} id="clock-state">{state.frozen ? 'frozen' : 'running'}</span>
          </p>
        )}
      </Show>
      <div class="row">
        {clock.data?.frozen ? (
          <button type="button" id="clock-unfreeze" onClick={() => act('/clock/unfreeze')} disabled={action.busy}>
            Unfreeze
          </button>
        ) : (
          <button type="button" id="clock-freeze" onClick={() => act('/clock/freeze')} disabled={action.busy}>
            Freeze
          </button>
        )}
      </div>
      <form
        class="row"
        onSubmit={(event) => {
          event.preventDefault();
          void act('/clock/advance', { by });
        }}
      >
        <label for="clock-by">Advance by</label>
        <input id="clock-by" value={by} size={8} onInput={(event) => setBy(event.currentTarget.value)} aria-describedby="clock-by-hint" />
        <button type="submit" id="clock-advance" class="primary" disabled={action.busy}>
          Advance
        </button>
        <span id="clock-by-hint" class="muted small">
          e.g. 90m, 2h, 1d
        </span>
      </form>
      <form
        class="row"
        onSubmit={(event) => {
          event.preventDefault();
          void act('/clock/set', { at });
        }}
      >
        <label for="clock-at">Set to</label>
        <input id="clock-at" value={at} placeholder="2026-12-01T00:00:00Z" onInput={(event) => setAt(event.currentTarget.value)} />
        <button type="submit" id="clock-set" disabled={action.busy}>
          Set
        </button>
      </form>
      <ErrorNote error={action.error} />
    </section>
  );
}

function processesText(processes: Instance['processes']): string {
  if (!processes) return '—';
  if (processes.source === 'sqlite') return 'one process (SQLite)';
  if (processes.count === null) return 'unknown';
  return `${processes.count} ${processes.count === 1 ? 'process shares' : 'processes share'} this PostgreSQL schema`;
}

/** The rate limits' mode, and the calls and 429s per category among the journal's entries (this process). */
function RateLimitCounts({ limits, reload }: { limits: Instance['rate_limits']; reload: () => void }) {
  if (!limits) return <p class="muted">Not reported by this pinbox.</p>;
  return (
    <>
      <p>
        Mode <strong id="rate-limit-mode">{limits.mode}</strong>
        {limits.mode === 'off' ? ' (no limits)' : ''}; in this process's journal: <span id="rate-limit-calls">{limits.journal.calls}</span> calls,{' '}
        <span id="rate-limit-429s">{limits.journal.limited}</span> answered 429.
      </p>
      {limits.journal.categories.length > 0 && (
        <table id="rate-limit-categories">
          <thead>
            <tr>
              <th scope="col">category</th>
              <th scope="col">calls</th>
              <th scope="col">429s</th>
            </tr>
          </thead>
          <tbody>
            {limits.journal.categories.map((c) => (
              <tr key={c.category}>
                <th scope="row">{c.category}</th>
                <td>{c.calls}</td>
                <td>{c.limited}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" class="small" id="rate-limit-refresh" onClick={reload}>
        Refresh
      </button>
    </>
  );
}
