import { createHash } from 'node:crypto';
import type { Clock } from '../kernel/clock.js';
import type { IdGenerator } from '../kernel/ids.js';
import type { Database, Queryable } from '../storage/database.js';

/** How long an approval (asked or granted) holds, on pinbox's clock. */
export const APPROVAL_TTL_MS = 15 * 60 * 1000;

export type ApprovalStatus = 'pending' | 'approved' | 'rejected' | 'used' | 'expired';

export interface Approval {
  id: string;
  agent_id: string;
  operation_id: string;
  args_hash: string;
  /** The exact request it covers: method, path, query and body. */
  request: { method: string; path: string; query: Record<string, unknown>; body: unknown; sentence: string };
  status: ApprovalStatus;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  note: string | null;
}

interface ApprovalRow extends Omit<Approval, 'request'> {
  request: string;
}

/** JSON with keys in order, so equal arguments hash alike whatever order they came in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * The hash an approval is bound to: the operation and its exact arguments.
 * @example argumentsHash('boards/delete', { board_id: '1' }, {}, undefined)
 */
export function argumentsHash(operationId: string, params: unknown, query: unknown, body: unknown): string {
  return createHash('sha256').update(canonical({ operationId, params, query, body })).digest('hex');
}

function fromRow(row: ApprovalRow, now: number): Approval {
  const expired = (row.status === 'pending' || row.status === 'approved') && now > Number(row.expires_at);
  return {
    ...row,
    request: JSON.parse(row.request) as Approval['request'],
    status: expired ? 'expired' : row.status,
    created_at: Number(row.created_at),
    expires_at: Number(row.expires_at),
    decided_at: row.decided_at === null ? null : Number(row.decided_at),
  };
}

/** Calls an agent's policy says to ask about, waiting for a person; each bound to its arguments and expiring on the clock. */
export class ApprovalStore {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async create(input: Pick<Approval, 'agent_id' | 'operation_id' | 'args_hash' | 'request'>): Promise<Approval> {
    const now = this.clock.now();
    const id = `ap_${this.ids.next()}`;
    await this.db.run(
      "INSERT INTO agent_approvals (id, agent_id, operation_id, args_hash, request, status, created_at, expires_at) VALUES (?, ?, ?, ?, ?, 'pending', ?, ?)",
      [id, input.agent_id, input.operation_id, input.args_hash, JSON.stringify(input.request), now, now + APPROVAL_TTL_MS],
    );
    return (await this.get(id))!;
  }

  async get(id: string, q: Queryable = this.db): Promise<Approval | null> {
    const row = await q.get<ApprovalRow>('SELECT * FROM agent_approvals WHERE id = ?', [id]);
    return row ? fromRow(row, this.clock.now()) : null;
  }

  async list(status?: ApprovalStatus): Promise<Approval[]> {
    const rows = await this.db.all<ApprovalRow>('SELECT * FROM agent_approvals ORDER BY id DESC LIMIT 200');
    const now = this.clock.now();
    return rows.map((row) => fromRow(row, now)).filter((approval) => !status || approval.status === status);
  }

  /** A person's decision on a pending approval; false when it is not pending (or has expired). */
  async decide(id: string, decision: 'approved' | 'rejected', note?: string): Promise<boolean> {
    const now = this.clock.now();
    const { changes } = await this.db.run(
      "UPDATE agent_approvals SET status = ?, decided_at = ?, note = ?, expires_at = CASE WHEN ? = 'approved' THEN ? ELSE expires_at END WHERE id = ? AND status = 'pending' AND expires_at >= ?",
      [decision, now, note ?? null, decision, now + APPROVAL_TTL_MS, id, now],
    );
    return changes > 0;
  }

  /** Takes an approved approval for its one call; false when another call took it first. */
  async use(q: Queryable, id: string): Promise<boolean> {
    const { changes } = await q.run("UPDATE agent_approvals SET status = 'used' WHERE id = ? AND status = 'approved' AND expires_at >= ?", [id, this.clock.now()]);
    return changes > 0;
  }
}
