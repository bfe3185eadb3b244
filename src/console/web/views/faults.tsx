/**
 * Faults and state: the fault rules (added, seen with their firing counts, removed),
 * reset of the whole instance or one user, snapshots downloaded and loaded, and
 * fixtures loaded with their errors named by their path in the file.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError, control } from '../api.js';
import { ErrorNote, Show, useAction, useLoad } from '../parts/common.js';

interface FaultRule {
  id: string;
  method: string;
  path: string;
  app: string | null;
  user: string | null;
  status: number | null;
  retry_after: number;
  latency_ms: number;
  drop: boolean;
  probability: number | null;
  seed: number;
  remaining: number | null;
  fired: number;
}

/** How often the rules (and their counts) are read again. */
const REFRESH_MS = 2000;

export function Faults() {
  return (
    <>
      <h1>Faults &amp; state</h1>
      <FaultRules />
      <div class="panels">
        <Reset />
        <Snapshot />
        <FixtureLoad />
      </div>
    </>
  );
}

function FaultRules() {
  const rules = useLoad(() => control<{ items: FaultRule[] }>('GET', '/faults'));
  const action = useAction();
  const [form, setForm] = useState({ method: '*', path: '', status: '500', drop: false, latency: '', times: '', probability: '', app: '', user: '' });
  useEffect(() => {
    const timer = setInterval(rules.reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [rules.reload]);
  const set = (name: keyof typeof form) => (event: Event) => {
    const input = event.currentTarget as HTMLInputElement;
    setForm({ ...form, [name]: input.type === 'checkbox' ? input.checked : input.value });
  };
  const add = () => {
    const rule: Record<string, unknown> = { method: form.method, path: form.path.trim() };
    if (form.drop) rule.drop = true;
    else if (form.status.trim()) rule.status = Number(form.status);
    if (form.latency.trim()) rule.latency = /^\d+$/.test(form.latency.trim()) ? Number(form.latency) : form.latency.trim();
    if (form.times.trim()) rule.times = Number(form.times);
    if (form.probability.trim()) rule.probability = Number(form.probability);
    if (form.app.trim()) rule.app = form.app.trim();
    if (form.user.trim()) rule.user = form.user.trim();
    return action.run(() => control<FaultRule>('POST', '/faults', rule).then(rules.reload), 'Rule added.');
  };
  return (
    <section class="panel" aria-labelledby="faults-title">
      <h2 id="faults-title">Fault rules</h2>
      <form
        id="fault-form"
        class="row"
        onSubmit={(event) => {
          event.preventDefault();
          void add();
        }}
      >
        <label for="fault-method">Method</label>
        <select id="fault-method" value={form.method} onChange={set('method')}>
          {['*', 'GET', 'POST', 'PATCH', 'PUT', 'DELETE'].map((method) => (
            <option key={method} value={method}>
              {method === '*' ? 'any' : method}
            </option>
          ))}
        </select>
        <label for="fault-path">Path pattern</label>
        <input id="fault-path" value={form.path} placeholder="/v5/boards/**" required onInput={set('path')} aria-describedby="fault-path-hint" />
        <label for="fault-status">Status</label>
        <input id="fault-status" type="number" min={400} max={599} value={form.status} size={5} disabled={form.drop} onInput={set('status')} />
        <input id="fault-drop" type="checkbox" checked={form.drop} onChange={set('drop')} />
        <label for="fault-drop">Drop the connection</label>
        <label for="fault-latency">Latency</label>
        <input id="fault-latency" value={form.latency} placeholder="500ms" size={7} onInput={set('latency')} />
        <label for="fault-times">Times</label>
        <input id="fault-times" type="number" min={1} value={form.times} placeholder="every" size={5} onInput={set('times')} />
        <label for="fault-probability">Probability</label>
        <input id="fault-probability" type="number" min={0} max={1} step="any" value={form.probability} placeholder="1" size={5} onInput={set('probability')} />
        <label for="fault-app">App</label>
        <input id="fault-app" value={form.app} placeholder="client id" size={10} onInput={set('app')} />
        <label for="fault-user">User</label>
        <input id="fault-user" value={form.user} placeholder="username" size={10} onInput={set('user')} />
        <button type="submit" id="fault-add" class="primary" disabled={action.busy}>
          Add rule
        </button>
        <span id="fault-path-hint" class="muted small">
          * within a segment, ** across; read under /v5 unless it names /oauth
        </span>
      </form>
      <ErrorNote error={action.error} />
      {action.message && (
        <p class="message" role="status" id="fault-message">
          {action.message}
        </p>
      )}
      <Show loaded={rules}>
        {({ items }) =>
          items.length === 0 ? (
            <p class="muted" id="faults-none">
              No fault rules: every call is answered as Pinterest would.
            </p>
          ) : (
            <>
              <table id="faults-table">
                <thead>
                  <tr>
                    <th scope="col">Id</th>
                    <th scope="col">Method</th>
                    <th scope="col">Path</th>
                    <th scope="col">Answer</th>
                    <th scope="col">Latency</th>
                    <th scope="col">Probability</th>
                    <th scope="col">App / user</th>
                    <th scope="col">Fired</th>
                    <th scope="col">Left</th>
                    <th scope="col">
                      <span class="visually-hidden">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((rule) => (
                    <tr key={rule.id} id={`fault-${rule.id}`}>
                      <th scope="row">{rule.id}</th>
                      <td>{rule.method}</td>
                      <td>
                        <code>{rule.path}</code>
                      </td>
                      <td>{rule.drop ? 'drop' : (rule.status ?? '—')}</td>
                      <td>{rule.latency_ms ? `${rule.latency_ms} ms` : '—'}</td>
                      <td>{rule.probability ?? 1}</td>
                      <td>{[rule.app, rule.user].filter(Boolean).join(' / ') || 'anyone'}</td>
                      <td class="fired">{rule.fired}</td>
                      <td>{rule.remaining ?? '∞'}</td>
                      <td>
                        <button
                          type="button"
                          class="small"
                          id={`fault-remove-${rule.id}`}
                          aria-label={`Remove rule ${rule.id}`}
                          onClick={() => void action.run(() => control('DELETE', `/faults/${encodeURIComponent(rule.id)}`).then(rules.reload))}
                        >
                          Remove
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <div class="row">
                <button type="button" id="faults-clear" onClick={() => void action.run(() => control('DELETE', '/faults').then(rules.reload), 'Every rule removed.')}>
                  Remove every rule
                </button>
              </div>
            </>
          )
        }
      </Show>
    </section>
  );
}

function Reset() {
  const users = useLoad(() => control<{ items: { id: string; username: string }[] }>('GET', '/users'));
  const [user, setUser] = useState('');
  const action = useAction();
  return (
    <section class="panel" aria-labelledby="reset-title">
      <h2 id="reset-title">Reset</h2>
      <form
        class="row"
        onSubmit={(event) => {
          event.preventDefault();
          void action.run(
            () => control('POST', '/reset', user ? { user } : {}).then(users.reload),
            user ? `${user}'s content was reset.` : 'Everything was reset.',
          );
        }}
      >
        <label for="reset-user">What</label>
        <select id="reset-user" value={user} onChange={(event) => setUser(event.currentTarget.value)} onFocus={users.reload}>
          <option value="">the whole instance</option>
          {(users.data?.items ?? []).map((item) => (
            <option key={item.id} value={item.username}>
              {item.username}
            </option>
          ))}
        </select>
        <button type="submit" id="reset" class="primary" disabled={action.busy}>
          Reset
        </button>
      </form>
      <ErrorNote error={users.error ?? action.error} />
      {action.message && (
        <p class="message" role="status" id="reset-message">
          {action.message}
        </p>
      )}
    </section>
  );
}

function Snapshot() {
  const [file, setFile] = useState<File | null>(null);
  const action = useAction();
  return (
    <section class="panel" aria-labelledby="snapshot-title">
      <h2 id="snapshot-title">Snapshot</h2>
      <p>
        <a id="snapshot-download" href="/_pinbox/snapshot" download="pinbox-snapshot.json">
          Download a snapshot
        </a>
      </p>
      <form
        class="row"
        onSubmit={(event) => {
          event.preventDefault();
          if (!file) return;
          void action.run(async () => control('PUT', '/snapshot', await file.text(), { 'content-type': 'application/json' }), 'Snapshot loaded.');
        }}
      >
        <label for="snapshot-file">Snapshot file</label>
        <input id="snapshot-file" type="file" accept=".json,application/json" onChange={(event) => setFile(event.currentTarget.files?.[0] ?? null)} />
        <button type="submit" id="snapshot-load" disabled={!file || action.busy}>
          Load snapshot
        </button>
      </form>
      <ErrorNote error={action.error} />
      {action.message && (
        <p class="message" role="status" id="snapshot-message">
          {action.message}
        </p>
      )}
    </section>
  );
}

/** The paths a refusal names (`'boards[2].name' is required`), with their problems. */
function problemsOf(error: unknown): { path: string; problem: string }[] {
  if (!(error instanceof ApiError)) return [];
  return [...error.message.matchAll(/'([^']+)' ([^.]+)/g)].map((match) => ({ path: match[1], problem: match[2] }));
}

function FixtureLoad() {
  const [text, setText] = useState('');
  const [made, setMade] = useState<Record<string, unknown[]> | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const load = async () => {
    setBusy(true);
    setError(null);
    setMade(null);
    try {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (caught) {
        throw new Error(`The fixture is not JSON: ${(caught as Error).message}`);
      }
      setMade(await control<Record<string, unknown[]>>('POST', '/fixtures', parsed));
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const problems = problemsOf(error);
  return (
    <section class="panel" aria-labelledby="fixture-title">
      <h2 id="fixture-title">Fixture</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void load();
        }}
      >
        <div class="row">
          <label for="fixture-file">Fixture file</label>
          <input id="fixture-file" type="file" accept=".json,application/json" onChange={async (event) => setText((await event.currentTarget.files?.[0]?.text()) ?? '')} />
        </div>
        <div class="row">
          <label for="fixture-json">or its JSON</label>
          <textarea id="fixture-json" rows={6} cols={40} value={text} placeholder='{"users": [{"username": "alice"}]}' onInput={(event) => setText(event.currentTarget.value)} />
        </div>
        <button type="submit" id="fixture-load" class="primary" disabled={busy || !text.trim()}>
          Load fixture
        </button>
      </form>
      <ErrorNote error={error} />
      {problems.length > 0 && (
        <table id="fixture-errors">
          <caption>Errors by path in the fixture</caption>
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">Problem</th>
            </tr>
          </thead>
          <tbody>
            {problems.map((problem) => (
              <tr key={problem.path}>
                <th scope="row">
                  <code>{problem.path}</code>
                </th>
                <td>{problem.problem}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {made && (
        <p class="message" role="status" id="fixture-made">
          Loaded: {Object.entries(made)
            .filter(([, items]) => items.length > 0)
            .map(([key, items]) => `${items.length} ${key}`)
            .join(', ') || 'nothing'}
        </p>
      )}
    </section>
  );
}
