import type { Migration } from '../../storage/migrate.js';

/** Boards, their sections, collaborators and followers. */
export const BOARD_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'boards',
    sql: `
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
`,
  },
];
