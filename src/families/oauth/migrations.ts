import type { Migration } from '../../storage/migrate.js';

/** Apps, tokens and what the OAuth flow keeps between its steps. */
export const OAUTH_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'apps and tokens',
    sql: `
CREATE TABLE apps (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  owner_user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  secret_hash TEXT NOT NULL,
  tier TEXT NOT NULL DEFAULT 'trial',
  created_at TEXT NOT NULL
);

CREATE TABLE tokens (
  token_hash TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  scopes TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  revoked_at BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX tokens_user ON tokens(user_id, app_id);
`,
  },
  {
    version: 2,
    name: 'oauth',
    sql: `
CREATE TABLE app_redirect_uris (
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  uri TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (app_id, uri)
);

ALTER TABLE tokens ADD COLUMN grant_id TEXT;
ALTER TABLE tokens ADD COLUMN grant_type TEXT NOT NULL DEFAULT 'pinbox';
ALTER TABLE tokens ADD COLUMN used_at BIGINT;
CREATE INDEX tokens_grant ON tokens(grant_id);

CREATE TABLE authorization_codes (
  code_hash TEXT PRIMARY KEY,
  grant_id TEXT NOT NULL,
  app_id TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  redirect_uri TEXT NOT NULL,
  scopes TEXT NOT NULL,
  code_challenge TEXT,
  expires_at BIGINT NOT NULL,
  used_at BIGINT,
  created_at BIGINT NOT NULL
);

CREATE TABLE web_sessions (
  session_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
`,
  },
  {
    version: 3,
    name: 'app environment',
    // Pinterest: an app calls either production or the API sandbox; trial apps may
    // create Pins only in the sandbox. pinbox keeps that choice per app.
    sql: `
ALTER TABLE apps ADD COLUMN sandbox INTEGER NOT NULL DEFAULT 0;
`,
  },
];
