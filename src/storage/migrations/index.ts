/**
 * Versioned schema migrations, applied in order on start. The SQL is written to
 * run on SQLite and PostgreSQL alike (TEXT ids, INTEGER flags and millisecond
 * instants; BYTEA, which SQLite stores as a plain blob); a migration that cannot be shared carries one text per dialect.
 * Never edit a migration that has shipped: add the next one.
 */
export interface Migration {
  version: number;
  name: string;
  sql: string | { sqlite: string; postgres: string };
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'foundation',
    sql: `
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  account_type TEXT NOT NULL,
  business_name TEXT,
  about TEXT NOT NULL DEFAULT '',
  website_url TEXT NOT NULL DEFAULT '',
  profile_image TEXT NOT NULL DEFAULT '',
  password_hash TEXT,
  created_at TEXT NOT NULL
);

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

CREATE TABLE boards (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT,
  privacy TEXT NOT NULL,
  is_ads_only INTEGER NOT NULL DEFAULT 0,
  pin_count INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  board_pins_modified_at TEXT NOT NULL
);
CREATE INDEX boards_owner ON boards(owner_id, id);

CREATE TABLE board_collaborators (
  board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  PRIMARY KEY (board_id, user_id)
);
CREATE INDEX board_collaborators_user ON board_collaborators(user_id, board_id);

CREATE TABLE board_follows (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, board_id)
);
CREATE INDEX board_follows_board ON board_follows(board_id);

CREATE TABLE board_sections (
  id TEXT PRIMARY KEY,
  board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX board_sections_board ON board_sections(board_id, id);

CREATE TABLE pins (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  board_id TEXT NOT NULL REFERENCES boards(id) ON DELETE CASCADE,
  board_section_id TEXT REFERENCES board_sections(id) ON DELETE SET NULL,
  title TEXT,
  description TEXT,
  link TEXT,
  alt_text TEXT,
  dominant_color TEXT,
  parent_pin_id TEXT,
  creative_type TEXT NOT NULL,
  is_standard INTEGER NOT NULL DEFAULT 1,
  has_been_promoted INTEGER NOT NULL DEFAULT 0,
  media TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX pins_board ON pins(board_id, id);
CREATE INDEX pins_section ON pins(board_section_id, id);
CREATE INDEX pins_owner ON pins(owner_id, id);

CREATE TABLE blobs (
  id TEXT PRIMARY KEY,
  content_type TEXT NOT NULL,
  data BYTEA NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE user_follows (
  follower_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  followee_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX user_follows_followee ON user_follows(followee_id, follower_id);

CREATE TABLE interests (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL
);

CREATE TABLE user_interests (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  interest_id TEXT NOT NULL REFERENCES interests(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, interest_id)
);

CREATE TABLE linked_businesses (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  business_user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, business_user_id)
);
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
  {
    version: 4,
    name: 'images',
    // One row per distinct picture (keyed by the SHA-256 of its bytes), holding the
    // sizes made from it and how many Pins use it; the bytes live in the blob store.
    sql: `
CREATE TABLE images (
  key TEXT PRIMARY KEY,
  dominant_color TEXT NOT NULL,
  renditions TEXT NOT NULL,
  refs INTEGER NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX images_unused ON images(refs) WHERE refs <= 0;
`,
  },
  {
    version: 5,
    name: 'media uploads',
    // Pinterest's out-of-band video upload: a registered upload, the file that arrived
    // at its upload URL, and what processing found in it. The status a client sees
    // is derived from these instants and pinbox's clock (registered, processing,
    // then the outcome once ready_at has passed), so moving the clock finishes
    // processing. The video's bytes live in the blob store under blob_key.
    sql: `
CREATE TABLE media_uploads (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  media_type TEXT NOT NULL,
  upload_key TEXT NOT NULL UNIQUE,
  policy_expires_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  uploaded_at BIGINT,
  ready_at BIGINT,
  outcome TEXT,
  failure_reason TEXT,
  blob_key TEXT,
  content_type TEXT,
  byte_size BIGINT,
  duration_ms DOUBLE PRECISION,
  width INTEGER,
  height INTEGER
);
CREATE INDEX media_uploads_owner ON media_uploads(owner_id, id);
`,
  },
];
