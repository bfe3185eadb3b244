/**
 * Agents: their keys (made, rotated, revoked; a new key shown once), each one's
 * policy (areas Off / Read / Full, per-action overrides, resource scopes, limits)
 * saved through `PATCH /_pinbox/agents/:name`, the approvals waiting for a person,
 * and the audit log, live. Routes: `#/agents`, `#/agents/<name>`,
 * `#/agents/approvals`, `#/agents/audit?agent=…&decision=…`.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { control, listen } from '../api.js';
import { CopyButton, ErrorNote, Show, useAction, useLoad, when } from '../parts/common.js';
import { href, navigate } from '../router.js';

type Level = 'off' | 'read' | 'full';
type Override = 'allow' | 'ask' | 'deny';

interface Policy {
  areas: Record<string, Level>;
  actions: Record<string, Override>;
  scope: { boards?: string[]; ad_accounts?: string[] };
  limits: { writes_per_day?: number; spend_per_day_micro?: number };
  control_plane?: boolean;
}

interface Agent {
  id: string;
  name: string;
  user: string;
  scopes: string[];
  policy: Policy;
  key_id: string;
  created_at: string;
  rotated_at: string | null;
  revoked: boolean;
}

interface Catalogue {
  areas: { area: string; operations: { operation_id: string; method: string; path: string }[] }[];
  groups: Record<string, string[]>;
  aliases: Record<string, string>;
}

interface Approval {
  id: string;
  agent_id: string;
  operation_id: string;
  request: { method: string; path: string; query: Record<string, unknown>; body: unknown; sentence: string };
  status: 'pending' | 'approved' | 'rejected' | 'used' | 'expired';
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  note: string | null;
}

interface AuditEntry {
  seq: string;
  at: string;
  agent: string;
  decision: string;
  rule: string;
  operation_id: string;
  transport: string;
  status: number | null;
  sentence: string;
}

const LEVELS: Level[] = ['off', 'read', 'full'];
const OVERRIDES: Override[] = ['allow', 'ask', 'deny'];
const DECISIONS = ['allowed', 'denied', 'asked', 'approved', 'rejected', 'dry-run'];
const LEVEL_NAMES: Record<Level, string> = { off: 'Off', read: 'Read', full: 'Full' };

/** An id part made of a name (`boards/delete` → `boards-delete`). */
const slug = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, '-');

const listAgents = () => control<{ items: Agent[] }>('GET', '/agents').then((answer) => answer.items);

export function Agents({ parts, query }: { parts: string[]; query: URLSearchParams }) {
  const section = parts[0];
  return (
    <>
      <Sections current={section === 'approvals' || section === 'audit' ? section : 'agents'} />
      {section === undefined ? <AgentList /> : section === 'approvals' ? <Approvals /> : section === 'audit' ? <Audit query={query} /> : <AgentDetail key={section} name={section} />}
    </>
  );
}

function Sections({ current }: { current: string }) {
  const links: [string, string, string][] = [
    ['agents', 'Agents and keys', href('agents')],
    ['approvals', 'Approvals', href('agents', 'approvals')],
    ['audit', 'Audit log', href('agents', 'audit')],
  ];
  return (
    <nav aria-label="Agents sections" class="agents-sections">
      <ul>
        {links.map(([id, title, to]) => (
          <li key={id}>
            <a id={`agents-section-${id}`} href={to} aria-current={current === id ? 'page' : undefined}>
              {title}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

/** A key just made: shown in this view's memory only, gone once the view is left. */
function NewKey({ name, secret }: { name: string; secret: string }) {
  return (
    <section class="panel new-key" id="new-key" aria-labelledby="new-key-title">
      <h2 id="new-key-title">The key of {name}</h2>
      <p>
        Shown once: copy it now. pinbox keeps only its hash; leaving this view forgets it.
      </p>
      <p class="row">
        <code id="new-key-value">{secret}</code> <CopyButton text={secret} label="Copy key" />
      </p>
    </section>
  );
}

function levelsSummary(policy: Policy): string {
  const set = Object.entries(policy.areas).filter(([, level]) => level !== 'off');
  return set.length === 0 ? 'everything Off' : set.map(([area, level]) => `${area} ${LEVEL_NAMES[level]}`).join(', ');
}

function AgentList() {
  const agents = useLoad(listAgents);
  const users = useLoad(() => control<{ items: { username: string }[] }>('GET', '/users').then((answer) => answer.items));
  const action = useAction();
  const [name, setName] = useState('');
  const [user, setUser] = useState('');
  const [scopes, setScopes] = useState('');
  const [made, setMade] = useState<{ name: string; key: string } | null>(null);
  const chosenUser = user || users.data?.[0]?.username || '';
  const create = () =>
    action.run(async () => {
      const body: Record<string, unknown> = { name: name.trim(), user: chosenUser };
      const list = scopes.split(/[\s,]+/).filter(Boolean);
      if (list.length > 0) body.scopes = list;
      const answer = await control<{ agent: Agent; key: string }>('POST', '/agents', body);
      setMade({ name: answer.agent.name, key: answer.key });
      setName('');
      setScopes('');
      agents.reload();
    });
  return (
    <>
      <h1>Agents</h1>
      {made && <NewKey name={made.name} secret={made.key} />}
      <section class="panel" aria-labelledby="create-agent-title">
        <h2 id="create-agent-title">New agent</h2>
        <form
          id="create-agent"
          onSubmit={(event) => {
            event.preventDefault();
            void create();
          }}
        >
          <div class="row">
            <label for="agent-name">Name</label>
            <input id="agent-name" value={name} required pattern="[a-z0-9][a-z0-9_\-]{0,63}" aria-describedby="agent-name-hint" onInput={(event) => setName(event.currentTarget.value)} />
            <span id="agent-name-hint" class="muted small">
              lower-case letters, digits, - and _
            </span>
          </div>
          <div class="row">
            <label for="agent-user">Acts as user</label>
            <select id="agent-user" value={chosenUser} onChange={(event) => setUser(event.currentTarget.value)}>
              {(users.data ?? []).map((u) => (
                <option key={u.username} value={u.username}>
                  {u.username}
                </option>
              ))}
            </select>
          </div>
          <div class="row">
            <label for="agent-scopes">Scopes</label>
            <input id="agent-scopes" value={scopes} size={40} placeholder="every scope" aria-describedby="agent-scopes-hint" onInput={(event) => setScopes(event.currentTarget.value)} />
            <span id="agent-scopes-hint" class="muted small">
              e.g. boards:read pins:read (empty: every scope; the policy narrows what it reaches)
            </span>
          </div>
          <div class="row">
            <button type="submit" class="primary" id="agent-create" disabled={action.busy}>
              Create agent
            </button>
          </div>
          <ErrorNote error={action.error} />
        </form>
      </section>
      <h2>All agents</h2>
      <Show loaded={agents}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted" id="agents-none">
              No agents yet.
            </p>
          ) : (
            <table id="agents-table">
              <thead>
                <tr>
                  <th scope="col">Agent</th>
                  <th scope="col">Acts as</th>
                  <th scope="col">Key</th>
                  <th scope="col">Areas</th>
                  <th scope="col">Made</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {items.map((agent) => (
                  <tr key={agent.id} id={`agent-row-${agent.name}`}>
                    <th scope="row">
                      <a href={href('agents', agent.name)} id={`agent-link-${agent.name}`}>
                        {agent.name}
                      </a>
                    </th>
                    <td>{agent.user}</td>
                    <td>
                      <code>{agent.key_id}</code>
                    </td>
                    <td>{levelsSummary(agent.policy)}</td>
                    <td>{when(agent.created_at)}</td>
                    <td>{agent.revoked ? <span class="badge bad">revoked</span> : <span class="badge ok">active</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </>
  );
}

function AgentDetail({ name }: { name: string }) {
  const agent = useLoad(() => control<Agent>('GET', `/agents/${encodeURIComponent(name)}`), [name]);
  const catalogue = useLoad(() => control<Catalogue>('GET', '/agent-areas'));
  const keys = useAction();
  const [made, setMade] = useState<string | null>(null);
  const act = (path: string, rotate: boolean) =>
    keys.run(async () => {
      const answer = await control<{ key?: string }>('POST', `/agents/${encodeURIComponent(name)}/${path}`);
      setMade(rotate && answer.key ? answer.key : null);
      agent.reload();
    });
  return (
    <>
      <h1>Agent {name}</h1>
      <Show loaded={agent}>
        {(data) => (
          <>
            {made && <NewKey name={name} secret={made} />}
            <section class="panel" aria-labelledby="agent-key-title">
              <h2 id="agent-key-title">Key</h2>
              <dl class="facts" id="agent-facts">
                <dt>acts as</dt>
                <dd id="agent-user-name">{data.user}</dd>
                <dt>key</dt>
                <dd>
                  <code id="agent-key-id">{data.key_id}</code>
                </dd>
                <dt>made</dt>
                <dd>{when(data.created_at)}</dd>
                <dt>rotated</dt>
                <dd>{when(data.rotated_at)}</dd>
                <dt>state</dt>
                <dd>
                  <span id="agent-state" class={`badge ${data.revoked ? 'bad' : 'ok'}`}>
                    {data.revoked ? 'revoked' : 'active'}
                  </span>
                </dd>
              </dl>
              <div class="row">
                <button type="button" id="agent-rotate" onClick={() => void act('rotate', true)} disabled={keys.busy}>
                  Rotate key
                </button>
                <button type="button" id="agent-revoke" onClick={() => void act('revoke', false)} disabled={keys.busy || data.revoked}>
                  Revoke key
                </button>
                <a href={`${href('agents', 'audit')}?agent=${encodeURIComponent(name)}`} id="agent-audit-link">
                  Its audit log
                </a>
              </div>
              <ErrorNote error={keys.error} />
            </section>
            <Show loaded={catalogue}>{(areas) => <PolicyEditor key={data.id} agent={data} catalogue={areas} saved={agent.reload} />}</Show>
          </>
        )}
      </Show>
    </>
  );
}

const ids = (text: string) => text.split(/[\s,]+/).filter(Boolean);
const wholeNumber = (text: string) => (text.trim() === '' ? undefined : Number(text));

function PolicyEditor({ agent, catalogue, saved }: { agent: Agent; catalogue: Catalogue; saved: () => void }) {
  const policy = agent.policy;
  const [areas, setAreas] = useState<Record<string, Level>>({ ...policy.areas });
  const [actions, setActions] = useState<[string, Override][]>(Object.entries(policy.actions));
  const [boards, setBoards] = useState((policy.scope.boards ?? []).join(', '));
  const [adAccounts, setAdAccounts] = useState((policy.scope.ad_accounts ?? []).join(', '));
  const [writes, setWrites] = useState(policy.limits.writes_per_day === undefined ? '' : String(policy.limits.writes_per_day));
  const [spend, setSpend] = useState(policy.limits.spend_per_day_micro === undefined ? '' : String(policy.limits.spend_per_day_micro));
  const [controlPlane, setControlPlane] = useState(policy.control_plane === true);
  const [scopes, setScopes] = useState(agent.scopes.join(' '));
  const [newOperation, setNewOperation] = useState('');
  const [newOverride, setNewOverride] = useState<Override>('ask');
  const save = useAction();

  const operations = useMemo(() => {
    const all = new Map<string, { method: string; path: string; area: string }>();
    for (const { area, operations: list } of catalogue.areas) for (const op of list) all.set(op.operation_id, { method: op.method, path: op.path, area });
    return all;
  }, [catalogue]);
  const groupOf = (area: string): [string, Level] | null => {
    for (const [group, tags] of Object.entries(catalogue.groups)) if (areas[group] && tags.includes(area)) return [group, areas[group]];
    return null;
  };

  const submit = () =>
    save.run(async () => {
      const limits: Policy['limits'] = {};
      if (wholeNumber(writes) !== undefined) limits.writes_per_day = wholeNumber(writes);
      if (wholeNumber(spend) !== undefined) limits.spend_per_day_micro = wholeNumber(spend);
      const scope: Policy['scope'] = {};
      if (ids(boards).length > 0) scope.boards = ids(boards);
      if (ids(adAccounts).length > 0) scope.ad_accounts = ids(adAccounts);
      const next: Policy = { areas, actions: Object.fromEntries(actions), scope, limits };
      if (controlPlane) next.control_plane = true;
      await control('PATCH', `/agents/${encodeURIComponent(agent.name)}`, { policy: next, scopes: ids(scopes) });
      saved();
    }, "Saved: it takes effect on the agent's next call.");

  const radios = (area: string, checked: Level | null) =>
    LEVELS.map((level) => (
      <td key={level} class="choice">
        <input type="radio" name={`area-${area}`} id={`area-${slug(area)}-${level}`} value={level} checked={checked === level} onChange={() => setAreas({ ...areas, [area]: level })} />
        <label for={`area-${slug(area)}-${level}`}>
          <span class="visually-hidden">{area}: </span>
          {LEVEL_NAMES[level]}
        </label>
      </td>
    ));

  return (
    <form
      id="policy-form"
      aria-labelledby="policy-title"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      <h2 id="policy-title">Policy</h2>
      <p class="muted">An area not set is Off. A tag set by itself wins over its group.</p>
      <div class="row policy-save-row">
        <button type="submit" class="primary" id="policy-save" disabled={save.busy}>
          Save policy
        </button>
        {save.message && (
          <span class="message" role="status" id="policy-message">
            {save.message}
          </span>
        )}
      </div>
      <ErrorNote error={save.error} />
      <table id="policy-areas" class="policy">
        <caption class="visually-hidden">Each area's level: Off, Read or Full</caption>
        <thead>
          <tr>
            <th scope="col">Area</th>
            <th scope="col">Off</th>
            <th scope="col">Read</th>
            <th scope="col">Full</th>
            <th scope="col">Notes</th>
          </tr>
        </thead>
        <tbody>
          <tr>
            <th scope="colgroup" colSpan={5} class="subhead">
              Groups of areas
            </th>
          </tr>
          {Object.entries(catalogue.groups)
            .filter(([group]) => !catalogue.areas.some(({ area }) => area === group))
            .map(([group, tags]) => (
              <tr key={group} id={`area-row-${slug(group)}`}>
                <th scope="row">{group}</th>
                {radios(group, areas[group] ?? 'off')}
                <td class="muted small">covers {tags.join(', ')}</td>
              </tr>
            ))}
          <tr>
            <th scope="colgroup" colSpan={5} class="subhead">
              Areas (the spec's tags)
            </th>
          </tr>
          {catalogue.areas.map(({ area, operations: list }) => {
            const inherited = areas[area] ? null : groupOf(area);
            return (
              <tr key={area} id={`area-row-${slug(area)}`}>
                <th scope="row">{area}</th>
                {radios(area, areas[area] ?? (inherited ? null : 'off'))}
                <td class="muted small">
                  {inherited ? `${LEVEL_NAMES[inherited[1]]}, from ${inherited[0]}; ` : ''}
                  {list.length} operations
                  {catalogue.groups[area] ? `; as a group also covers ${catalogue.groups[area].filter((tag) => tag !== area).join(', ')}` : ''}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>

      <h3 id="actions-title">Per-action overrides</h3>
      {actions.length === 0 ? (
        <p class="muted" id="policy-actions-none">
          No overrides: every action follows its area.
        </p>
      ) : (
        <table id="policy-actions" aria-labelledby="actions-title">
          <thead>
            <tr>
              <th scope="col">Action</th>
              <th scope="col">Call</th>
              <th scope="col">Override</th>
              <th scope="col">
                <span class="visually-hidden">Remove</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {actions.map(([operation, override], index) => {
              const op = operations.get(catalogue.aliases[operation] ?? operation);
              const id = `action-${slug(operation)}-override`;
              return (
                <tr key={operation} id={`action-row-${slug(operation)}`}>
                  <th scope="row">
                    <code>{operation}</code>
                    {catalogue.aliases[operation] && <span class="muted small"> ({catalogue.aliases[operation]})</span>}
                  </th>
                  <td>{op ? <code>{`${op.method} /v5${op.path}`}</code> : '—'}</td>
                  <td>
                    <label for={id} class="visually-hidden">
                      Override of {operation}
                    </label>
                    <select id={id} value={override} onChange={(event) => setActions(actions.map((entry, at) => (at === index ? [entry[0], event.currentTarget.value as Override] : entry)))}>
                      {OVERRIDES.map((o) => (
                        <option key={o} value={o}>
                          {o}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td>
                    <button type="button" class="small" id={`action-${slug(operation)}-remove`} onClick={() => setActions(actions.filter((_, at) => at !== index))}>
                      Remove<span class="visually-hidden"> the override of {operation}</span>
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <div class="row">
        <label for="action-new-operation">Add an override for</label>
        <select id="action-new-operation" value={newOperation} onChange={(event) => setNewOperation(event.currentTarget.value)}>
          <option value="">(choose an operation)</option>
          {catalogue.areas.map(({ area, operations: list }) => (
            <optgroup key={area} label={area}>
              {list.map((op) => (
                <option key={op.operation_id} value={op.operation_id}>
                  {op.operation_id} — {op.method} {op.path}
                </option>
              ))}
            </optgroup>
          ))}
        </select>
        <label for="action-new-override">as</label>
        <select id="action-new-override" value={newOverride} onChange={(event) => setNewOverride(event.currentTarget.value as Override)}>
          {OVERRIDES.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
        <button
          type="button"
          id="action-add"
          disabled={!newOperation}
          onClick={() => {
            setActions([...actions.filter(([operation]) => operation !== newOperation), [newOperation, newOverride]]);
            setNewOperation('');
          }}
        >
          Add override
        </button>
      </div>

      <h3>Resource scopes and limits</h3>
      <div class="row">
        <label for="scope-boards">Only these boards</label>
        <input id="scope-boards" value={boards} size={40} placeholder="any board" aria-describedby="scope-hint" onInput={(event) => setBoards(event.currentTarget.value)} />
      </div>
      <div class="row">
        <label for="scope-ad-accounts">Only these ad accounts</label>
        <input id="scope-ad-accounts" value={adAccounts} size={40} placeholder="any ad account" aria-describedby="scope-hint" onInput={(event) => setAdAccounts(event.currentTarget.value)} />
      </div>
      <p id="scope-hint" class="muted small">
        Ids, separated by commas or spaces; empty: no limit by resource.
      </p>
      <div class="row">
        <label for="limit-writes">Writes per day</label>
        <input id="limit-writes" type="number" min={0} value={writes} placeholder="no limit" onInput={(event) => setWrites(event.currentTarget.value)} />
        <label for="limit-spend">Spend per day (micro-currency)</label>
        <input id="limit-spend" type="number" min={0} value={spend} placeholder="no limit" onInput={(event) => setSpend(event.currentTarget.value)} />
      </div>
      <div class="row">
        <input type="checkbox" id="policy-control-plane" checked={controlPlane} onChange={(event) => setControlPlane(event.currentTarget.checked)} />
        <label for="policy-control-plane">May use the admin MCP tools (reset, clock, faults)</label>
      </div>
      <div class="row">
        <label for="agent-scopes-edit">OAuth scopes</label>
        <input id="agent-scopes-edit" value={scopes} size={60} onInput={(event) => setScopes(event.currentTarget.value)} />
      </div>
    </form>
  );
}

function Approvals() {
  const approvals = useLoad(() => control<{ items: Approval[] }>('GET', '/agents/approvals').then((answer) => answer.items));
  const agents = useLoad(listAgents);
  const action = useAction();
  const { reload } = approvals;
  const [live, setLive] = useState(false);
  // A call that asks shows up here as it happens.
  useEffect(
    () =>
      listen<AuditEntry>(
        '/agents/audit/stream?decision=asked',
        () => reload(),
        () => setLive(true),
      ),
    [reload],
  );
  const nameOf = (id: string) => agents.data?.find((agent) => agent.id === id)?.name ?? id;
  const decide = (id: string, decision: 'approve' | 'reject') => action.run(() => control('POST', `/agents/approvals/${id}/${decision}`).then(reload), decision === 'approve' ? `Approved ${id}: the agent's call may run once, with these arguments.` : `Rejected ${id}.`);
  return (
    <>
      <h1>Approvals</h1>
      <p>
        <span id="approvals-live" class={`badge ${live ? 'ok' : ''}`} role="status">
          {live ? 'live' : 'connecting…'}
        </span>
      </p>
      <p class="muted">
        A call an <code>ask</code> override stopped waits here. Once approved, the agent repeats it with the header <code>X-Pinbox-Approval: ap_…</code> and it runs, once, for exactly these arguments.
      </p>
      {action.message && (
        <p class="message" role="status" id="approval-message">
          {action.message}
        </p>
      )}
      <ErrorNote error={action.error} />
      <Show loaded={approvals}>
        {(items) => {
          const pending = items.filter((approval) => approval.status === 'pending');
          const others = items.filter((approval) => approval.status !== 'pending');
          return (
            <>
              <h2 id="pending-title">Waiting</h2>
              {pending.length === 0 ? (
                <p class="muted" id="approvals-none">
                  Nothing waits for a decision.
                </p>
              ) : (
                <table id="approvals-pending" aria-labelledby="pending-title">
                  <thead>
                    <tr>
                      <th scope="col">Approval</th>
                      <th scope="col">Agent</th>
                      <th scope="col">Call</th>
                      <th scope="col">Arguments</th>
                      <th scope="col">Expires</th>
                      <th scope="col">Decision</th>
                    </tr>
                  </thead>
                  <tbody>
                    {pending.map((approval) => (
                      <tr key={approval.id} id={`approval-${approval.id}`}>
                        <th scope="row">
                          <code>{approval.id}</code>
                          <div class="small">{approval.request.sentence}</div>
                        </th>
                        <td>
                          <a href={href('agents', nameOf(approval.agent_id))}>{nameOf(approval.agent_id)}</a>
                        </td>
                        <td>
                          <code class="approval-call">
                            {approval.request.method} {approval.request.path}
                          </code>
                          <div class="muted small">{approval.operation_id}</div>
                        </td>
                        <td>
                          <pre class="approval-args">{JSON.stringify({ query: approval.request.query, body: approval.request.body ?? null }, null, 2)}</pre>
                        </td>
                        <td>{when(approval.expires_at)}</td>
                        <td>
                          <div class="row">
                            <button type="button" class="primary small" id={`approve-${approval.id}`} disabled={action.busy} onClick={() => void decide(approval.id, 'approve')}>
                              Approve<span class="visually-hidden"> {approval.id}</span>
                            </button>
                            <button type="button" class="small" id={`reject-${approval.id}`} disabled={action.busy} onClick={() => void decide(approval.id, 'reject')}>
                              Reject<span class="visually-hidden"> {approval.id}</span>
                            </button>
                          </div>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
              <h2 id="decided-title">Decided and expired</h2>
              {others.length === 0 ? (
                <p class="muted">None yet.</p>
              ) : (
                <table id="approvals-decided" aria-labelledby="decided-title">
                  <thead>
                    <tr>
                      <th scope="col">Approval</th>
                      <th scope="col">Agent</th>
                      <th scope="col">Call</th>
                      <th scope="col">State</th>
                      <th scope="col">Decided</th>
                    </tr>
                  </thead>
                  <tbody>
                    {others.map((approval) => (
                      <tr key={approval.id} id={`approval-${approval.id}`}>
                        <th scope="row">
                          <code>{approval.id}</code>
                        </th>
                        <td>
                          <a href={href('agents', nameOf(approval.agent_id))}>{nameOf(approval.agent_id)}</a>
                        </td>
                        <td>
                          <code>
                            {approval.request.method} {approval.request.path}
                          </code>
                        </td>
                        <td>
                          <span class={`badge ${approval.status === 'rejected' || approval.status === 'expired' ? 'bad' : 'ok'}`} id={`approval-${approval.id}-status`}>
                            {approval.status}
                          </span>
                        </td>
                        <td>{when(approval.decided_at)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          );
        }}
      </Show>
    </>
  );
}

function Audit({ query }: { query: URLSearchParams }) {
  const agent = query.get('agent') ?? '';
  const decision = query.get('decision') ?? '';
  const agents = useLoad(listAgents);
  const [entries, setEntries] = useState<AuditEntry[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [live, setLive] = useState(false);
  useEffect(() => {
    const filters = new URLSearchParams();
    if (agent) filters.set('agent', agent);
    if (decision) filters.set('decision', decision);
    let stop = () => undefined as void;
    let current = true;
    setEntries(undefined);
    setLive(false);
    setError(null);
    filters.set('limit', '200');
    control<{ items: AuditEntry[] }>('GET', `/agents/audit?${filters}`).then(
      ({ items }) => {
        if (!current) return;
        setEntries([...items].reverse());
        filters.delete('limit');
        // From the last entry shown: nothing written between the two calls is missed.
        filters.set('after', items.at(-1)?.seq ?? '0');
        stop = listen<AuditEntry>(
          `/agents/audit/stream?${filters}`,
          (entry) => setEntries((shown) => (shown?.some((e) => e.seq === entry.seq) ? shown : [entry, ...(shown ?? [])].slice(0, 1000))),
          () => setLive(true),
        );
      },
      (caught: unknown) => current && setError(caught),
    );
    return () => {
      current = false;
      stop();
    };
  }, [agent, decision]);
  const filter = (next: { agent?: string; decision?: string }) => {
    const params = new URLSearchParams();
    const a = next.agent ?? agent;
    const d = next.decision ?? decision;
    if (a) params.set('agent', a);
    if (d) params.set('decision', d);
    const search = params.toString();
    navigate(`${href('agents', 'audit')}${search ? `?${search}` : ''}`);
  };
  return (
    <>
      <h1>Audit log</h1>
      <div class="row" role="search" aria-label="Filter the audit log">
        <label for="audit-agent">Agent</label>
        <select id="audit-agent" value={agent} onChange={(event) => filter({ agent: event.currentTarget.value })}>
          <option value="">every agent</option>
          {agent && !agents.data?.some((a) => a.name === agent) && <option value={agent}>{agent}</option>}
          {(agents.data ?? []).map((a) => (
            <option key={a.id} value={a.name}>
              {a.name}
            </option>
          ))}
        </select>
        <label for="audit-decision">Decision</label>
        <select id="audit-decision" value={decision} onChange={(event) => filter({ decision: event.currentTarget.value })}>
          <option value="">every decision</option>
          {DECISIONS.map((d) => (
            <option key={d} value={d}>
              {d}
            </option>
          ))}
        </select>
        <span id="audit-live" class={`badge ${live ? 'ok' : ''}`} role="status">
          {live ? 'live' : 'connecting…'}
        </span>
      </div>
      <ErrorNote error={error} />
      {entries === undefined ? (
        error ? null : (
          <p class="muted" role="status">
            Loading…
          </p>
        )
      ) : entries.length === 0 ? (
        <p class="muted" id="audit-none">
          No entries{agent || decision ? ' match' : ' yet'}; new ones appear here as the calls happen.
        </p>
      ) : null}
      {entries && entries.length > 0 && (
        <table id="audit-log">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Agent</th>
              <th scope="col">Decision</th>
              <th scope="col">What happened</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr key={entry.seq} id={`audit-${entry.seq}`} class="audit-entry" data-agent={entry.agent} data-decision={entry.decision}>
                <td>{when(entry.at)}</td>
                <th scope="row">
                  <a href={href('agents', entry.agent)} class="audit-agent-link">
                    {entry.agent}
                  </a>
                </th>
                <td>
                  <span class={`badge ${entry.decision === 'denied' || entry.decision === 'rejected' ? 'bad' : entry.decision === 'allowed' || entry.decision === 'approved' ? 'ok' : ''}`}>{entry.decision}</span>
                </td>
                <td class="audit-sentence">{entry.sentence}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
