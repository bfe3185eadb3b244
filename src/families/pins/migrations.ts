import type { Migration } from '../../storage/migrate.js';

/** Pins, and the pictures of Pins made before the image pipeline (served at /media/blobs). */
export const PIN_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'pins',
    sql: `
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
`,
  },
  {
    version: 7,
    name: 'video pins mark their uploads',
    // The media family's part of this version adds media_uploads.pinned_at; the video
    // Pins made before it name their upload in their media (`/media/videos/<id>.<ext>`).
    // When their first Pin was made is not recorded: the upload's ready_at, the
    // earliest it could have been, stands for it.
    sql: `
UPDATE media_uploads SET pinned_at = ready_at
WHERE outcome = 'succeeded'
  AND EXISTS (SELECT 1 FROM pins WHERE pins.creative_type = 'VIDEO' AND pins.media LIKE '%/media/videos/' || media_uploads.id || '.%');
`,
  },
];
