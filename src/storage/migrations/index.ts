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

/**
 * Analytics state shared by both engines: real events on Pins (a save through the
 * API), metrics fixed for tests, per-user daily totals materialized for the days
 * asked about, and the log of changes not yet folded into those totals.
 */
const analyticsTables = (seqColumn: string) => `
CREATE TABLE analytics_pin_events (
  pin_id TEXT NOT NULL,
  day TEXT NOT NULL,
  metric TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (pin_id, day, metric)
);

CREATE TABLE analytics_overrides (
  pin_id TEXT NOT NULL,
  day TEXT NOT NULL,
  metric TEXT NOT NULL,
  value BIGINT NOT NULL,
  PRIMARY KEY (pin_id, day, metric)
);

CREATE TABLE analytics_user_days (
  user_id TEXT NOT NULL,
  day TEXT NOT NULL,
  format TEXT NOT NULL,
  totals TEXT NOT NULL,
  PRIMARY KEY (user_id, day, format)
);

CREATE TABLE analytics_changes (
  ${seqColumn},
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  pin_id TEXT NOT NULL,
  created_at TEXT,
  creative_type TEXT,
  day TEXT,
  metric TEXT,
  delta BIGINT
);
CREATE INDEX analytics_changes_user ON analytics_changes(user_id, seq);

CREATE INDEX pins_title_lower ON pins(lower(title), owner_id);
`;

/**
 * A trigger or function body holds statements of its own; migrate() splits a script
 * at a semicolon that ends a line, so a block is written on one logical line.
 */
const block = (sql: string) => sql.trim().replace(/;\s*\n\s*/g, '; ') + '\n';

const SEARCH_AND_ANALYTICS_SQLITE = `
CREATE VIRTUAL TABLE pin_search USING fts5(
  title, description, alt_text, board_name, board_description, scope,
  tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE VIRTUAL TABLE board_search USING fts5(
  name, description,
  tokenize = 'porter unicode61 remove_diacritics 2'
);

INSERT INTO pin_search (rowid, title, description, alt_text, board_name, board_description, scope)
  SELECT CAST(p.id AS INTEGER), p.title, p.description, p.alt_text, b.name, b.description, 'o' || p.owner_id || ' v' || lower(b.privacy)
  FROM pins p JOIN boards b ON b.id = p.board_id;

INSERT INTO board_search (rowid, name, description) SELECT CAST(id AS INTEGER), name, description FROM boards;

${block(`CREATE TRIGGER pins_search_insert AFTER INSERT ON pins BEGIN
  INSERT INTO pin_search (rowid, title, description, alt_text, board_name, board_description, scope)
    SELECT CAST(new.id AS INTEGER), new.title, new.description, new.alt_text, b.name, b.description, 'o' || new.owner_id || ' v' || lower(b.privacy)
    FROM boards b WHERE b.id = new.board_id;
END;`)}
${block(`CREATE TRIGGER pins_search_update AFTER UPDATE OF title, description, alt_text, board_id, owner_id ON pins BEGIN
  DELETE FROM pin_search WHERE rowid = CAST(old.id AS INTEGER);
  INSERT INTO pin_search (rowid, title, description, alt_text, board_name, board_description, scope)
    SELECT CAST(new.id AS INTEGER), new.title, new.description, new.alt_text, b.name, b.description, 'o' || new.owner_id || ' v' || lower(b.privacy)
    FROM boards b WHERE b.id = new.board_id;
END;`)}
${block(`CREATE TRIGGER pins_search_delete AFTER DELETE ON pins BEGIN
  DELETE FROM pin_search WHERE rowid = CAST(old.id AS INTEGER);
END;`)}
${block(`CREATE TRIGGER boards_search_insert AFTER INSERT ON boards BEGIN
  INSERT INTO board_search (rowid, name, description) VALUES (CAST(new.id AS INTEGER), new.name, new.description);
END;`)}
${block(`CREATE TRIGGER boards_search_update AFTER UPDATE OF name, description, privacy ON boards BEGIN
  DELETE FROM board_search WHERE rowid = CAST(old.id AS INTEGER);
  INSERT INTO board_search (rowid, name, description) VALUES (CAST(new.id AS INTEGER), new.name, new.description);
  UPDATE pin_search SET board_name = new.name, board_description = new.description,
    scope = (SELECT 'o' || p.owner_id || ' v' || lower(new.privacy) FROM pins p WHERE p.id = CAST(pin_search.rowid AS TEXT))
    WHERE rowid IN (SELECT CAST(id AS INTEGER) FROM pins WHERE board_id = new.id);
END;`)}
${block(`CREATE TRIGGER boards_search_delete AFTER DELETE ON boards BEGIN
  DELETE FROM board_search WHERE rowid = CAST(old.id AS INTEGER);
END;`)}${analyticsTables('seq INTEGER PRIMARY KEY')}
${analyticsTriggers('sqlite')}
`;

/**
 * PostgreSQL (no adapter yet): a tsvector per Pin and per board with GIN indexes,
 * weighted A (title, name) to D like the SQLite ranking, kept by triggers that call
 * the functions below. The search store ranks with ts_rank_cd over the same bounded
 * candidate set.
 */
const SEARCH_AND_ANALYTICS_POSTGRES = `
CREATE TABLE pin_search (
  pin_id TEXT PRIMARY KEY REFERENCES pins(id) ON DELETE CASCADE,
  owner_id TEXT NOT NULL,
  privacy TEXT NOT NULL,
  document TSVECTOR NOT NULL
);
CREATE INDEX pin_search_document ON pin_search USING GIN (document);
CREATE INDEX pin_search_owner ON pin_search(owner_id, pin_id);

CREATE TABLE board_search (
  board_id TEXT PRIMARY KEY REFERENCES boards(id) ON DELETE CASCADE,
  document TSVECTOR NOT NULL
);
CREATE INDEX board_search_document ON board_search USING GIN (document);

${block(`CREATE FUNCTION pin_search_refresh(target TEXT) RETURNS VOID AS $$
  INSERT INTO pin_search (pin_id, owner_id, privacy, document)
    SELECT p.id, p.owner_id, b.privacy,
      setweight(to_tsvector('english', coalesce(p.title, '')), 'A') ||
      setweight(to_tsvector('english', coalesce(p.description, '')), 'B') ||
      setweight(to_tsvector('english', coalesce(p.alt_text, '') || ' ' || b.name), 'C') ||
      setweight(to_tsvector('english', coalesce(b.description, '')), 'D')
    FROM pins p JOIN boards b ON b.id = p.board_id WHERE p.id = target
  ON CONFLICT (pin_id) DO UPDATE SET owner_id = excluded.owner_id, privacy = excluded.privacy, document = excluded.document
$$ LANGUAGE SQL;`)}
${block(`CREATE FUNCTION pins_search_trigger() RETURNS TRIGGER AS $$
BEGIN
  PERFORM pin_search_refresh(NEW.id);
  RETURN NULL;
END $$ LANGUAGE plpgsql;`)}CREATE TRIGGER pins_search_write AFTER INSERT OR UPDATE OF title, description, alt_text, board_id, owner_id ON pins
  FOR EACH ROW EXECUTE FUNCTION pins_search_trigger();

${block(`CREATE FUNCTION boards_search_trigger() RETURNS TRIGGER AS $$
BEGIN
  INSERT INTO board_search (board_id, document)
    VALUES (NEW.id, setweight(to_tsvector('english', NEW.name), 'A') || setweight(to_tsvector('english', coalesce(NEW.description, '')), 'B'))
    ON CONFLICT (board_id) DO UPDATE SET document = excluded.document;
  PERFORM pin_search_refresh(p.id) FROM pins p WHERE p.board_id = NEW.id AND TG_OP = 'UPDATE';
  RETURN NULL;
END $$ LANGUAGE plpgsql;`)}CREATE TRIGGER boards_search_write AFTER INSERT OR UPDATE OF name, description, privacy ON boards
  FOR EACH ROW EXECUTE FUNCTION boards_search_trigger();

INSERT INTO board_search (board_id, document)
  SELECT id, setweight(to_tsvector('english', name), 'A') || setweight(to_tsvector('english', coalesce(description, '')), 'B') FROM boards;
SELECT pin_search_refresh(id) FROM pins;
${analyticsTables('seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY')}
${analyticsTriggers('postgres')}
`;

/**
 * Triggers that log what changes a user's analytics totals, in the transaction of
 * the write: a Pin made or deleted (its generated series) and a save of a Pin (a
 * SAVE event on the source Pin, on the day of the save). Nothing is logged for a
 * user whose totals were never materialized: they are computed whole when first asked.
 */
function analyticsTriggers(dialect: 'sqlite' | 'postgres'): string {
  const materialized = (user: string) => `EXISTS (SELECT 1 FROM analytics_user_days d WHERE d.user_id = ${user})`;
  const onInsert = `
    INSERT INTO analytics_changes (user_id, kind, pin_id, created_at, creative_type)
      SELECT NEW.owner_id, 'add', NEW.id, NEW.created_at, NEW.creative_type WHERE ${materialized('NEW.owner_id')};
    INSERT INTO analytics_pin_events (pin_id, day, metric, count)
      SELECT NEW.parent_pin_id, substr(NEW.created_at, 1, 10), 'SAVE', 1 FROM pins src WHERE src.id = NEW.parent_pin_id
      ON CONFLICT (pin_id, day, metric) DO UPDATE SET count = analytics_pin_events.count + 1;
    INSERT INTO analytics_changes (user_id, kind, pin_id, creative_type, day, metric, delta)
      SELECT src.owner_id, 'delta', src.id, src.creative_type, substr(NEW.created_at, 1, 10), 'SAVE', 1
      FROM pins src WHERE src.id = NEW.parent_pin_id AND ${materialized('src.owner_id')};`;
  const onDelete = `
    INSERT INTO analytics_changes (user_id, kind, pin_id, created_at, creative_type)
      SELECT OLD.owner_id, 'remove', OLD.id, OLD.created_at, OLD.creative_type WHERE ${materialized('OLD.owner_id')};
    DELETE FROM analytics_pin_events WHERE pin_id = OLD.id AND NOT ${materialized('OLD.owner_id')};
    DELETE FROM analytics_overrides WHERE pin_id = OLD.id AND NOT ${materialized('OLD.owner_id')};`;
  if (dialect === 'sqlite') {
    // SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT (a parsing ambiguity), hence 'AND true'.
    return (
      block(`CREATE TRIGGER pins_analytics_insert AFTER INSERT ON pins BEGIN${onInsert.replace('ON CONFLICT', 'AND true ON CONFLICT')}
END;`) +
      block(`CREATE TRIGGER pins_analytics_delete AFTER DELETE ON pins BEGIN${onDelete}
END;`)
    );
  }
  return (
    block(`CREATE FUNCTION pins_analytics_insert() RETURNS TRIGGER AS $$
BEGIN${onInsert}
  RETURN NULL;
END $$ LANGUAGE plpgsql;`) +
    'CREATE TRIGGER pins_analytics_insert AFTER INSERT ON pins FOR EACH ROW EXECUTE FUNCTION pins_analytics_insert();\n' +
    block(`CREATE FUNCTION pins_analytics_delete() RETURNS TRIGGER AS $$
BEGIN${onDelete}
  RETURN NULL;
END $$ LANGUAGE plpgsql;`) +
    'CREATE TRIGGER pins_analytics_delete AFTER DELETE ON pins FOR EACH ROW EXECUTE FUNCTION pins_analytics_delete();\n'
  );
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
  {
    version: 6,
    name: 'search and analytics',
    // Full-text search is where SQL dialects part: SQLite has FTS5 virtual tables kept
    // by triggers, PostgreSQL a tsvector column with a GIN index kept by triggers. Both
    // keep the index in the transaction of the write that changes a Pin or a board,
    // whatever code path makes it (API, CLI, cascades of a board delete). The analytics
    // tables are shared SQL; only their upkeep triggers differ in syntax.
    sql: { sqlite: SEARCH_AND_ANALYTICS_SQLITE, postgres: SEARCH_AND_ANALYTICS_POSTGRES },
  },
];

