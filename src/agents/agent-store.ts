import { randomBytes } from 'node:crypto';
import { hashToken, safeEqual } from '../kernel/auth.js';
import type { CacheInvalidations } from '../kernel/cache-invalidations.js';
import type { Clock } from '../kernel/clock.js';
import type { IdGenerator } from '../kernel/ids.js';
import type { Database, Queryable } from '../storage/database.js';
import type { AgentPolicy } from './policy.js';

/** An agent as stored: its key only as a hash. */
export interface AgentRecord {
  id: string;
  name: string;
  userId: string;
  scopes: string[];
  policy: AgentPolicy;
  /** The key's public id (`k_…`); its last four characters name it in the log (`key …7f3a`). */
  keyId: string;
  createdAt: number;
  rotatedAt: number | null;
  revokedAt: number | null;
}

interface AgentRow {
  id: string;
  name: string;
  user_id: string;
  scopes: string;
  policy: string;
  key_id: string;
  key_hash: string;
  created_at: number;
  rotated_at: number | null;
  revoked_at: number | null;
}

/** The cache topic of agents resolved by key: dropped on every change to an agent. */
export const AGENTS_TOPIC = 'agents';

/** `pbx_` + the key id's hex + `_` + 40 hex characters of secret. */
const KEY_SHAPE = /^pbx_([0-9a-f]{8})_([0-9a-f]{40})$/;

/**
 * A new agent key and its public id.
 * @example newAgentKey() // { key: 'pbx_1a2b3c4d_…', keyId: 'k_1a2b3c4d' }
 */
export function newAgentKey(): { key: string; keyId: string } {
  const id = randomBytes(4).toString('hex');
  return { key: `pbx_${id}_${randomBytes(20).toString('hex')}`, keyId: `k_${id}` };
}

/** Whether a bearer token is shaped as an agent key (it may still be unknown). */
export function isAgentKey(token: string): boolean {
  return token.startsWith('pbx_');
}

/** The short name of a key in the log: its id's last four characters. */
export function keyHint(keyId: string): string {
  return `…${keyId.slice(-4)}`;
}

function fromRow(row: AgentRow): AgentRecord {
  return {
    id: row.id,
    name: row.name,
    userId: row.user_id,
    scopes: row.scopes ? row.scopes.split(' ') : [],
    policy: JSON.parse(row.policy) as AgentPolicy,
    keyId: row.key_id,
    createdAt: Number(row.created_at),
    rotatedAt: row.rotated_at === null ? null : Number(row.rotated_at),
    revokedAt: row.revoked_at === null ? null : Number(row.revoked_at),
  };
}

/**
 * The agents and their keys. A key is looked up by its SHA-256 (so a stolen store
 * holds no key) and the stored hash compared in constant time; what a key resolves
 * to is cached in the process and dropped, here and in every other process, when
 * the agent changes (a revocation takes effect at once).
 */
export class AgentStore {
  private readonly byHash = new Map<string, AgentRecord | null>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly invalidations: CacheInvalidations,
  ) {
    invalidations.on(AGENTS_TOPIC, () => this.byHash.clear());
  }

  forget(): void {
    this.byHash.clear();
  }

  /**
   * The agent a key names (revoked ones too: the caller tells them apart), at once
   * when cached; null for an unknown key.
   */
  resolve(key: string): AgentRecord | null | Promise<AgentRecord | null> {
    if (!KEY_SHAPE.test(key)) return null;
    const hash = hashToken(key);
    // While another process's change could go unheard, the store answers.
    if (this.invalidations.listening && this.byHash.has(hash)) return this.byHash.get(hash)!;
    return this.db.get<AgentRow>('SELECT * FROM agents WHERE key_hash = ?', [hash]).then((row) => {
      const found = row && safeEqual(row.key_hash, hash) ? fromRow(row) : null;
      if (this.invalidations.listening) this.byHash.set(hash, found);
      return found;
    });
  }

  async get(name: string, q: Queryable = this.db): Promise<AgentRecord | null> {
    const row = await q.get<AgentRow>('SELECT * FROM agents WHERE name = ?', [name]);
    return row ? fromRow(row) : null;
  }

  async getById(id: string, q: Queryable = this.db): Promise<AgentRecord | null> {
    const row = await q.get<AgentRow>('SELECT * FROM agents WHERE id = ?', [id]);
    return row ? fromRow(row) : null;
  }

  async list(): Promise<AgentRecord[]> {
    return (await this.db.all<AgentRow>('SELECT * FROM agents ORDER BY name')).map(fromRow);
  }

  /** Makes an agent; the key is returned once and only its hash kept. */
  async create(q: Queryable, agent: { name: string; userId: string; scopes: readonly string[]; policy: AgentPolicy; key?: string }): Promise<{ agent: AgentRecord; key: string }> {
    const made = agent.key && KEY_SHAPE.test(agent.key) ? { key: agent.key, keyId: `k_${KEY_SHAPE.exec(agent.key)![1]}` } : newAgentKey();
    const id = this.ids.next();
    const now = this.clock.now();
    await q.run('INSERT INTO agents (id, name, user_id, scopes, policy, key_id, key_hash, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
      id,
      agent.name,
      agent.userId,
      agent.scopes.join(' '),
      JSON.stringify(agent.policy),
      made.keyId,
      hashToken(made.key),
      now,
    ]);
    return { agent: (await this.getById(id, q))!, key: made.key };
  }

  async update(q: Queryable, id: string, changes: { policy?: AgentPolicy; scopes?: readonly string[]; userId?: string }): Promise<void> {
    if (changes.policy) await q.run('UPDATE agents SET policy = ? WHERE id = ?', [JSON.stringify(changes.policy), id]);
    if (changes.scopes) await q.run('UPDATE agents SET scopes = ? WHERE id = ?', [changes.scopes.join(' '), id]);
    if (changes.userId) await q.run('UPDATE agents SET user_id = ? WHERE id = ?', [changes.userId, id]);
  }

  /** A new key for the agent; the old one stops working at once. */
  async rotate(q: Queryable, id: string): Promise<{ key: string; keyId: string }> {
    const made = newAgentKey();
    await q.run('UPDATE agents SET key_id = ?, key_hash = ?, rotated_at = ?, revoked_at = NULL WHERE id = ?', [made.keyId, hashToken(made.key), this.clock.now(), id]);
    return made;
  }

  async revoke(q: Queryable, id: string): Promise<boolean> {
    const { changes } = await q.run('UPDATE agents SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [this.clock.now(), id]);
    return changes > 0;
  }

  async delete(q: Queryable, id: string): Promise<void> {
    await q.run('DELETE FROM agents WHERE id = ?', [id]);
    await q.run('DELETE FROM agent_usage WHERE agent_id = ?', [id]);
    await q.run("DELETE FROM agent_approvals WHERE agent_id = ?", [id]);
  }

  /**
   * Counts one write (and `spend` micro-currency) for today on pinbox's clock,
   * unless that would pass the limits; false when it would (nothing counted).
   * One conditional update: two calls at once can never both take the last one.
   */
  async countWrite(q: Queryable, agentId: string, limits: { writes?: number; spend?: number }, spend: number): Promise<'ok' | 'writes' | 'spend'> {
    const day = new Date(this.clock.now()).toISOString().slice(0, 10);
    await q.run('INSERT INTO agent_usage (agent_id, day, writes, spend_micro) VALUES (?, ?, 0, 0) ON CONFLICT (agent_id, day) DO NOTHING', [agentId, day]);
    // No limit is the largest count the columns hold (PostgreSQL's INTEGER is 32 bits).
    const writes = limits.writes ?? 2_147_483_647;
    const spendLimit = limits.spend ?? Number.MAX_SAFE_INTEGER;
    const { changes } = await q.run(
      'UPDATE agent_usage SET writes = writes + 1, spend_micro = spend_micro + ? WHERE agent_id = ? AND day = ? AND writes < ? AND spend_micro + ? <= ?',
      [spend, agentId, day, writes, spend, spendLimit],
    );
    if (changes > 0) return 'ok';
    const row = await q.get<{ writes: number }>('SELECT writes FROM agent_usage WHERE agent_id = ? AND day = ?', [agentId, day]);
    return Number(row?.writes ?? 0) >= writes ? 'writes' : 'spend';
  }

  /** Today's counts of an agent. */
  async usage(agentId: string): Promise<{ day: string; writes: number; spend_micro: number }> {
    const day = new Date(this.clock.now()).toISOString().slice(0, 10);
    const row = await this.db.get<{ writes: number; spend_micro: number }>('SELECT writes, spend_micro FROM agent_usage WHERE agent_id = ? AND day = ?', [agentId, day]);
    return { day, writes: Number(row?.writes ?? 0), spend_micro: Number(row?.spend_micro ?? 0) };
  }

  /** Tells every process the agents changed (after the commit). */
  changed(): Promise<void> {
    return this.invalidations.drop(AGENTS_TOPIC, 'all');
  }
}
