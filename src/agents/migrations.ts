import type { Migration } from '../storage/migrate.js';

/**
 * The agents' tables (schema version 8): agents with their hashed keys and
 * policies, the day's counts their limits keep, approvals waiting on a person, and
 * the append-only audit log (its sentences are made from each row when read). `user_id` names the identity an agent acts as without
 * a foreign key: a user's reset keeps the agents acting as that user, as it keeps
 * the user's tokens (only a full reset empties these tables).
 */
export const AGENT_MIGRATIONS: readonly Migration[] = [
  {
    version: 8,
    name: 'agents-gateway-audit',
    sql: {
      sqlite: agentTables(' WITHOUT ROWID'),
      postgres: agentTables(''),
    },
  },
];

/**
 * The tables; the audit log's rows are keyed by their seq alone. SQLite: WITHOUT
 * ROWID keeps that one B-tree (a rowid table would keep a second for the key), so
 * each entry is one insert into one tree; PostgreSQL has no rowid to drop.
 */
function agentTables(auditSuffix: string): string {
  return `
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL,
  scopes TEXT NOT NULL,
  policy TEXT NOT NULL,
  key_id TEXT NOT NULL UNIQUE,
  key_hash TEXT NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  rotated_at BIGINT,
  revoked_at BIGINT
);
CREATE TABLE agent_usage (
  agent_id TEXT NOT NULL,
  day TEXT NOT NULL,
  writes INTEGER NOT NULL,
  spend_micro BIGINT NOT NULL,
  PRIMARY KEY (agent_id, day)
);
CREATE TABLE agent_approvals (
  id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  operation_id TEXT NOT NULL,
  args_hash TEXT NOT NULL,
  request TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  decided_at BIGINT,
  note TEXT
);
CREATE TABLE agent_audit (
  seq TEXT PRIMARY KEY,
  ts BIGINT NOT NULL,
  agent_id TEXT NOT NULL,
  agent_name TEXT NOT NULL,
  key_id TEXT NOT NULL,
  transport TEXT NOT NULL,
  tool TEXT,
  area TEXT NOT NULL,
  action TEXT NOT NULL,
  operation_id TEXT NOT NULL,
  targets TEXT NOT NULL,
  decision TEXT NOT NULL,
  rule TEXT NOT NULL,
  status INTEGER,
  code INTEGER,
  duration_ms BIGINT,
  request_id TEXT,
  args_digest TEXT NOT NULL,
  reason TEXT
)${auditSuffix};
`;
}
