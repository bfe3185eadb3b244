import { sqlBlock, type Migration } from '../../storage/migrate.js';

/**
 * SQLite: FTS5 tables over Pins (title, description, alt text, board name and
 * description) and boards, filled from what exists and kept by triggers.
 */
const SEARCH_SQLITE = `
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

${sqlBlock(`CREATE TRIGGER pins_search_insert AFTER INSERT ON pins BEGIN
  INSERT INTO pin_search (rowid, title, description, alt_text, board_name, board_description, scope)
    SELECT CAST(new.id AS INTEGER), new.title, new.description, new.alt_text, b.name, b.description, 'o' || new.owner_id || ' v' || lower(b.privacy)
    FROM boards b WHERE b.id = new.board_id;
END;`)}
${sqlBlock(`CREATE TRIGGER pins_search_update AFTER UPDATE OF title, description, alt_text, board_id, owner_id ON pins BEGIN
  DELETE FROM pin_search WHERE rowid = CAST(old.id AS INTEGER);
  INSERT INTO pin_search (rowid, title, description, alt_text, board_name, board_description, scope)
    SELECT CAST(new.id AS INTEGER), new.title, new.description, new.alt_text, b.name, b.description, 'o' || new.owner_id || ' v' || lower(b.privacy)
    FROM boards b WHERE b.id = new.board_id;
END;`)}
${sqlBlock(`CREATE TRIGGER pins_search_delete AFTER DELETE ON pins BEGIN
  DELETE FROM pin_search WHERE rowid = CAST(old.id AS INTEGER);
END;`)}
${sqlBlock(`CREATE TRIGGER boards_search_insert AFTER INSERT ON boards BEGIN
  INSERT INTO board_search (rowid, name, description) VALUES (CAST(new.id AS INTEGER), new.name, new.description);
END;`)}
${sqlBlock(`CREATE TRIGGER boards_search_update AFTER UPDATE OF name, description, privacy ON boards BEGIN
  DELETE FROM board_search WHERE rowid = CAST(old.id AS INTEGER);
  INSERT INTO board_search (rowid, name, description) VALUES (CAST(new.id AS INTEGER), new.name, new.description);
  UPDATE pin_search SET board_name = new.name, board_description = new.description,
    scope = (SELECT 'o' || p.owner_id || ' v' || lower(new.privacy) FROM pins p WHERE p.id = CAST(pin_search.rowid AS TEXT))
    WHERE rowid IN (SELECT CAST(id AS INTEGER) FROM pins WHERE board_id = new.id);
END;`)}
${sqlBlock(`CREATE TRIGGER boards_search_delete AFTER DELETE ON boards BEGIN
  DELETE FROM board_search WHERE rowid = CAST(old.id AS INTEGER);
END;`)}
CREATE INDEX pins_title_lower ON pins(lower(title), owner_id);
`;

/**
 * PostgreSQL: a tsvector per Pin and per board with GIN indexes,
 * weighted A (title, name) to D like the SQLite ranking, kept by triggers that call
 * the functions below. The search store ranks with ts_rank_cd over the same bounded
 * candidate set.
 */
const SEARCH_POSTGRES = `
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

${sqlBlock(`CREATE FUNCTION pin_search_refresh(target TEXT) RETURNS VOID AS $$
  INSERT INTO pin_search (pin_id, owner_id, privacy, document)
    SELECT p.id, p.owner_id, b.privacy,
      setweight(to_tsvector('english', coalesce(p.title, '')), 'A') ||
      setweight(to_tsvector('english', coalesce(p.description, '')), 'B') ||
      setweight(to_tsvector('english', coalesce(p.alt_text, '') || ' ' || b.name), 'C') ||
      setweight(to_tsvector('english', coalesce(b.description, '')), 'D')
    FROM pins p JOIN boards b ON b.id = p.board_id WHERE p.id = target
  ON CONFLICT (pin_id) DO UPDATE SET owner_id = excluded.owner_id, privacy = excluded.privacy, document = excluded.document
$$ LANGUAGE SQL;`)}
${sqlBlock(`CREATE FUNCTION pins_search_trigger() RETURNS TRIGGER AS $$
BEGIN
  PERFORM pin_search_refresh(NEW.id);
  RETURN NULL;
END $$ LANGUAGE plpgsql;`)}CREATE TRIGGER pins_search_write AFTER INSERT OR UPDATE OF title, description, alt_text, board_id, owner_id ON pins
  FOR EACH ROW EXECUTE FUNCTION pins_search_trigger();

${sqlBlock(`CREATE FUNCTION boards_search_trigger() RETURNS TRIGGER AS $$
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
CREATE INDEX pins_title_lower ON pins(lower(title), owner_id);
`;

/**
 * Full-text search is where SQL dialects part: SQLite has FTS5 virtual tables kept
 * by triggers, PostgreSQL a tsvector column with a GIN index kept by triggers. Both
 * keep the index in the transaction of the write that changes a Pin or a board,
 * whatever code path makes it (API, CLI, cascades of a board delete).
 */
export const SEARCH_MIGRATIONS: readonly Migration[] = [
  { version: 6, name: 'search', sql: { sqlite: SEARCH_SQLITE, postgres: SEARCH_POSTGRES } },
];
