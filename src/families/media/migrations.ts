import type { Migration } from '../../storage/migrate.js';

/** Pictures made from uploads and the out-of-band video uploads. */
export const MEDIA_MIGRATIONS: readonly Migration[] = [
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
    version: 7,
    name: 'media uploads pinned',
    // A video is served only once a Pin was made from its upload: when the first was.
    // The pins family's part of this version fills it in for the Pins already made.
    sql: 'ALTER TABLE media_uploads ADD COLUMN pinned_at BIGINT;',
  },
];
