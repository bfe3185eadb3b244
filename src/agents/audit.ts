/**
 * The audit log: one entry per agent call (REST or MCP; allowed, denied, dry-run,
 * asked, approved or rejected), append-only in the store, each also written as one
 * plain-English sentence. Entries are written in batches right after the answer
 * (one transaction for all that arrived meanwhile), so a call never waits for its
 * own entry; a query writes what is pending first.
 */
import { createHash } from 'node:crypto';
import type { IdGenerator } from '../kernel/ids.js';
import { DEPTH_MARKER, shownValue } from '../control/journal-bodies.js';
import type { Database, SqlValue } from '../storage/database.js';
import { keyHint } from './agent-store.js';

export type Transport = 'rest' | 'mcp-http' | 'mcp-stdio';
export type Decision = 'allowed' | 'denied' | 'asked' | 'approved' | 'rejected' | 'dry-run';

export interface AuditTarget {
  kind: string;
  id: string;
  name?: string;
}

export interface AuditEntry {
  seq: string;
  ts: number;
  at: string;
  agent: string;
  agent_id: string;
  key_id: string;
  transport: Transport;
  tool: string | null;
  area: string;
  action: string;
  operation_id: string;
  targets: AuditTarget[];
  decision: Decision;
  rule: string;
  status: number | null;
  code: number | null;
  duration_ms: number | null;
  request_id: string | null;
  args_digest: string;
  sentence: string;
}

export type NewAuditEntry = Omit<AuditEntry, 'seq' | 'at' | 'sentence'> & { reason?: string };

export interface AuditQuery {
  agent?: string;
  decision?: string;
  operation?: string;
  transport?: string;
  /** Entries after this seq. */
  after?: string;
  since?: number;
  limit?: number;
}

const COLUMNS = [
  'seq',
  'ts',
  'agent_id',
  'agent_name',
  'key_id',
  'transport',
  'tool',
  'area',
  'action',
  'operation_id',
  'targets',
  'decision',
  'rule',
  'status',
  'code',
  'duration_ms',
  'request_id',
  'args_digest',
  'reason',
] as const;

/** A stored entry: the entry's fields but its time as read, its targets as JSON, its reason instead of a sentence. */
type AuditRow = Omit<AuditEntry, 'at' | 'agent' | 'targets' | 'sentence'> & { agent_name: string; targets: string; reason: string | null };

function fromRow(row: AuditRow): AuditEntry {
  const ts = Number(row.ts);
  return {
    seq: row.seq,
    ts,
    at: new Date(ts).toISOString(),
    agent: row.agent_name,
    agent_id: row.agent_id,
    key_id: row.key_id,
    transport: row.transport,
    tool: row.tool,
    area: row.area,
    action: row.action,
    operation_id: row.operation_id,
    targets: JSON.parse(row.targets) as AuditTarget[],
    decision: row.decision,
    rule: row.rule,
    status: row.status === null ? null : Number(row.status),
    code: row.code === null ? null : Number(row.code),
    duration_ms: row.duration_ms === null ? null : Number(row.duration_ms),
    request_id: row.request_id,
    args_digest: row.args_digest,
    sentence: sentenceOf({ ...row, ts, agent: row.agent_name, targets: JSON.parse(row.targets) as AuditTarget[], reason: row.reason ?? undefined, status: row.status === null ? null : Number(row.status), code: row.code === null ? null : Number(row.code) }),
  };
}

const NOUNS: Record<string, string> = {
  pins: 'Pin',
  boards: 'board',
  board_sections: 'board section',
  user_account: 'account',
  campaigns: 'campaign',
  ad_groups: 'ad group',
  ads: 'ad',
  ad_accounts: 'ad account',
  media: 'media upload',
  keywords: 'keywords',
  search: 'search',
};

/**
 * What an operation does, in words: `boards/delete` is "delete board",
 * `pins/list` "list Pins", `user_account/analytics` "get account analytics".
 */
export function actionPhrase(operationId: string, area: string): string {
  const [resource, verb = ''] = operationId.split('/');
  const noun = NOUNS[resource] ?? NOUNS[area] ?? resource.replace(/_/g, ' ');
  const words = verb.split('_');
  const head = words[0];
  if (['create', 'update', 'delete', 'get', 'save'].includes(head)) return `${head} ${noun}${words.length > 1 ? ` ${words.slice(1).join(' ')}` : ''}`;
  // `boards/list_pins` lists the Pins of a board; `pins/list` lists Pins.
  if (head === 'list' && words.length > 1) return `list ${words.slice(1).join(' ').replace(/^pins$/, 'Pins')} of ${noun}`;
  if (head === 'list') return `list ${noun}${noun.endsWith('s') ? '' : 's'}`;
  if (head === 'analytics') return `get ${noun} analytics`;
  return `${verb.replace(/_/g, ' ') || 'call'} ${noun}`.trim();
}

const DECISION_WORDS: Record<Decision, string> = {
  allowed: 'allowed',
  denied: 'denied',
  asked: 'pending approval',
  approved: 'approved and run',
  rejected: 'rejected',
  'dry-run': 'dry run, nothing changed',
};

/**
 * The entry as one sentence:
 * `10:42:07 social-scheduler (key …7f3a) tried to delete board "Summer Recipes": denied, because boards is Read for this agent (rule boards.read).`
 */
export function sentenceOf(entry: NewAuditEntry): string {
  const time = new Date(entry.ts).toISOString().slice(11, 19);
  const targets = entry.targets.filter((t) => t.name !== undefined || entry.targets.length === 1);
  const what = targets.length > 0 ? ` ${targets.map((t) => (t.name !== undefined ? `"${t.name}"` : t.id)).join(', ')}` : '';
  const via = entry.transport === 'rest' ? '' : ` via MCP${entry.tool ? ` tool ${entry.tool}` : ''}`;
  const verb = entry.decision === 'allowed' || entry.decision === 'approved' ? '' : 'tried to ';
  const because = entry.reason ? `, because ${entry.reason}` : '';
  const answered = entry.status !== null && entry.decision !== 'denied' && entry.decision !== 'asked' ? `; answered ${entry.status}${entry.code !== null ? ` (code ${entry.code})` : ''}` : '';
  return `${time} ${entry.agent} (key ${keyHint(entry.key_id)})${via} ${verb}${actionPhrase(entry.operation_id, entry.area)}${what}: ${DECISION_WORDS[entry.decision]}${because} (rule ${entry.rule})${answered}.`;
}

/** How much of a call's arguments its entry shows. */
const DIGEST_LIMITS = { depth: 8, chars: 400 } as const;

/**
 * A redacted digest of a call's arguments: credentials hidden, bounded as the
 * journal bounds bodies (`shownValue`), as JSON text; when that had to cut
 * something, a SHA-256 of the whole follows to tell calls apart.
 * @example argsDigest({ params: { pin_id: '1' } }) // '{"params":{"pin_id":"1"}}'
 */
export function argsDigest(args: { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: unknown } | null): string {
  if (!args) return 'null';
  const { params = {}, query = {}, body } = args;
  // The common call (a GET by path ids): its ids are short, nothing to cut or hide.
  if (body === undefined && isEmpty(query) && allShortIds(params)) return `{"params":${JSON.stringify(params)}}`;
  const plain: Record<string, unknown> = { params };
  // Path parameters are ids; a query or body may hold anything, so it is shown as the journal shows it.
  if (Object.keys(query).length > 0) plain.query = shownValue(query, DIGEST_LIMITS);
  if (body !== undefined) plain.body = shownValue(body, DIGEST_LIMITS);
  const text = JSON.stringify(plain);
  if (text.length <= DIGEST_LIMITS.chars && !text.includes('characters]') && !text.includes(DEPTH_MARKER)) return text;
  return `${text.slice(0, DIGEST_LIMITS.chars)}… sha256:${createHash('sha256').update(JSON.stringify(args)).digest('hex').slice(0, 16)}`;
}

function isEmpty(object: Record<string, unknown>): boolean {
  for (const _key in object) return false;
  return true;
}

/** Path parameters that are ids (digits, Pinterest's; pinbox's `ap_…`): shown whole. */
function allShortIds(params: Record<string, unknown>): boolean {
  for (const key in params) {
    const value = params[key];
    if (typeof value !== 'string' || value.length > 64 || !/^[\w.-]*$/.test(value)) return false;
  }
  return true;
}

/**
 * How long entries gather before they are written together. Each write is a
 * transaction the store runs alone (SQLite takes one at a time): written call by
 * call they would queue the calls' own reads behind them. A query or a close
 * writes what is pending first; a process killed outright loses at most this much.
 */
const BATCH_MS = 50;
/** Rows an INSERT carries, largest first (a batch is cut into these). */
const ROWS_PER_STATEMENT = [50, 10, 1] as const;
const insertSqls = new Map<number, string>();
function insertSql(rows: number): string {
  let sql = insertSqls.get(rows);
  if (!sql) {
    const tuple = `(${COLUMNS.map(() => '?').join(', ')})`;
    sql = `INSERT INTO agent_audit (${COLUMNS.join(', ')}) VALUES ${Array.from({ length: rows }, () => tuple).join(', ')}`;
    insertSqls.set(rows, sql);
  }
  return sql;
}

/** An entry waiting for its batch: its fields and its reason, the sentence not made yet. */
type PendingEntry = NewAuditEntry & { seq: string };

/** Each filter of a query, as its SQL condition. */
const FILTER_CONDITIONS: readonly (readonly [keyof Omit<AuditQuery, 'limit'>, string])[] = [
  ['agent', 'agent_name = ?'],
  ['decision', 'decision = ?'],
  ['operation', 'operation_id = ?'],
  ['transport', 'transport = ?'],
  ['after', 'seq > ?'],
  ['since', 'ts >= ?'],
];

export class AuditLog {
  private pending: PendingEntry[] = [];
  private flushing: Promise<void> | null = null;
  private readonly listeners = new Set<(entry: AuditEntry) => void>();

  constructor(
    private readonly db: Database,
    private readonly ids: IdGenerator,
  ) {}

  /** Appends an entry (written with the next batch, at most `BATCH_MS` later) and tells the live streams. */
  record(input: NewAuditEntry): void {
    // Every entry is made with the same fields in the same order: one shape for the engine.
    const entry: PendingEntry = {
      seq: this.ids.next(),
      ts: input.ts,
      agent: input.agent,
      agent_id: input.agent_id,
      key_id: input.key_id,
      transport: input.transport,
      tool: input.tool,
      area: input.area,
      action: input.action,
      operation_id: input.operation_id,
      targets: input.targets,
      decision: input.decision,
      rule: input.rule,
      status: input.status,
      code: input.code,
      duration_ms: input.duration_ms,
      request_id: input.request_id,
      args_digest: input.args_digest,
      reason: input.reason,
    };
    this.pending.push(entry);
    this.flushing ??= new Promise<void>((resolve) => setTimeout(resolve, BATCH_MS)).then(() => this.writePending());
    // The sentence is made when someone reads it: here only for a live stream.
    if (this.listeners.size > 0) {
      const { reason: _reason, ...fields } = entry;
      const shown: AuditEntry = { ...fields, at: new Date(entry.ts).toISOString(), sentence: sentenceOf(entry) };
      for (const listener of this.listeners) listener(shown);
    }
  }

  /** Writes what is pending; resolves when every entry recorded so far is in the store. */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async writePending(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      if (batch.length > 0) {
        await this.db.transaction(async (tx) => {
          // Many rows a statement: a batch is a few statements, not one per call.
          for (let start = 0; start < batch.length; ) {
            const size = ROWS_PER_STATEMENT.find((n) => batch.length - start >= n)!;
            await tx.run(insertSql(size), batch.slice(start, start + size).flatMap(rowOf));
            start += size;
          }
        });
      }
    } catch {
      // The store is away (or closing): the entries stay for the next batch.
      this.pending = [...batch, ...this.pending];
      this.flushing = null;
      return;
    }
    this.flushing = this.pending.length > 0 ? new Promise<void>((resolve) => setTimeout(resolve, BATCH_MS)).then(() => this.writePending()) : null;
  }

  /** Drops what is pending (the store was emptied under it). */
  forget(): void {
    this.pending = [];
  }

  async query(filter: AuditQuery = {}): Promise<AuditEntry[]> {
    await this.flush();
    const where: string[] = [];
    const params: SqlValue[] = [];
    for (const [key, condition] of FILTER_CONDITIONS) {
      const value = filter[key];
      if (value === undefined || value === '') continue;
      where.push(condition);
      params.push(value);
    }
    const limit = Math.min(filter.limit ?? 100, 1000);
    // The newest `limit`, given oldest first.
    const rows = await this.db.all<AuditRow>(
      `SELECT * FROM (SELECT * FROM agent_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}) AS newest ORDER BY seq`,
      params,
    );
    return rows.map(fromRow);
  }

  /** Calls `listener` with every entry from now on; returns the unsubscribe. */
  subscribe(listener: (entry: AuditEntry) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

function rowOf(entry: PendingEntry): SqlValue[] {
  return [
    entry.seq,
    entry.ts,
    entry.agent_id,
    entry.agent,
    entry.key_id,
    entry.transport,
    entry.tool,
    entry.area,
    entry.action,
    entry.operation_id,
    JSON.stringify(entry.targets),
    entry.decision,
    entry.rule,
    entry.status,
    entry.code,
    entry.duration_ms,
    entry.request_id,
    entry.args_digest,
    entry.reason ?? null,
  ];
}

/** Filters for the live stream, the same as the query's. */
export function auditMatches(filter: AuditQuery): (entry: AuditEntry) => boolean {
  return (entry) =>
    (!filter.agent || entry.agent === filter.agent) &&
    (!filter.decision || entry.decision === filter.decision) &&
    (!filter.operation || entry.operation_id === filter.operation) &&
    (!filter.transport || entry.transport === filter.transport);
}
