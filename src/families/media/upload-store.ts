import type { Database, Queryable } from '../../storage/database.js';

export interface MediaUploadRow {
  id: string;
  owner_id: string;
  media_type: 'video';
  upload_key: string;
  policy_expires_at: number;
  created_at: number;
  uploaded_at: number | null;
  ready_at: number | null;
  outcome: 'succeeded' | 'failed' | null;
  failure_reason: string | null;
  blob_key: string | null;
  content_type: string | null;
  byte_size: number | null;
  duration_ms: number | null;
  width: number | null;
  height: number | null;
  /** When the first Pin was made from it; null while none was (its video is not served). */
  pinned_at: number | null;
}

/** Pinterest's `MediaUploadStatus`. */
export type MediaUploadStatus = 'registered' | 'processing' | 'succeeded' | 'failed';

/**
 * The status a client sees at `now`: processing ends at `ready_at` on pinbox's
 * clock, so a test that advances the clock finishes it at once.
 */
export function statusAt(row: MediaUploadRow, now: number): MediaUploadStatus {
  if (row.uploaded_at === null || row.ready_at === null || row.outcome === null) return 'registered';
  return now < row.ready_at ? 'processing' : row.outcome;
}

/** What processing found in an uploaded file. */
export type UploadOutcome =
  | { outcome: 'succeeded'; blobKey: string; contentType: string; byteSize: number; durationMs: number; width: number; height: number }
  | { outcome: 'failed'; reason: string; byteSize: number };

const COLUMNS = `id, owner_id, media_type, upload_key, policy_expires_at, created_at, uploaded_at, ready_at, outcome,
  failure_reason, blob_key, content_type, byte_size, duration_ms, width, height, pinned_at`;

/** Registered media uploads and what became of them. */
export class MediaUploadStore {
  constructor(private readonly db: Database) {}

  async insert(q: Queryable, row: Pick<MediaUploadRow, 'id' | 'owner_id' | 'media_type' | 'upload_key' | 'policy_expires_at' | 'created_at'>): Promise<void> {
    await q.run('INSERT INTO media_uploads (id, owner_id, media_type, upload_key, policy_expires_at, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
      row.id,
      row.owner_id,
      row.media_type,
      row.upload_key,
      row.policy_expires_at,
      row.created_at,
    ]);
  }

  get(id: string, q: Queryable = this.db): Promise<MediaUploadRow | undefined> {
    return q.get<MediaUploadRow>(`SELECT ${COLUMNS} FROM media_uploads WHERE id = ?`, [id]);
  }

  byKey(uploadKey: string, q: Queryable = this.db): Promise<MediaUploadRow | undefined> {
    return q.get<MediaUploadRow>(`SELECT ${COLUMNS} FROM media_uploads WHERE upload_key = ?`, [uploadKey]);
  }

  /** The owner's uploads, newest first, after the id `after`. */
  listByOwner(ownerId: string, after: string | null, limit: number): Promise<MediaUploadRow[]> {
    return after === null
      ? this.db.all<MediaUploadRow>(`SELECT ${COLUMNS} FROM media_uploads WHERE owner_id = ? ORDER BY id DESC LIMIT ?`, [ownerId, limit])
      : this.db.all<MediaUploadRow>(`SELECT ${COLUMNS} FROM media_uploads WHERE owner_id = ? AND id < ? ORDER BY id DESC LIMIT ?`, [ownerId, after, limit]);
  }

  /** Records that a Pin was made from the upload (the first Pin's time is kept). */
  async markPinned(q: Queryable, id: string, at: number): Promise<void> {
    await q.run('UPDATE media_uploads SET pinned_at = ? WHERE id = ? AND pinned_at IS NULL', [at, id]);
  }

  /**
   * Records the file that arrived for a registered upload, once: the update only
   * takes a row that has no file yet, so a form used twice loses the race.
   * @returns whether this call recorded it.
   */
  async recordUpload(q: Queryable, id: string, at: { uploadedAt: number; readyAt: number }, found: UploadOutcome): Promise<boolean> {
    const succeeded = found.outcome === 'succeeded' ? found : null;
    const result = await q.run(
      `UPDATE media_uploads SET uploaded_at = ?, ready_at = ?, outcome = ?, failure_reason = ?, blob_key = ?, content_type = ?,
         byte_size = ?, duration_ms = ?, width = ?, height = ?
       WHERE id = ? AND uploaded_at IS NULL`,
      [
        at.uploadedAt,
        at.readyAt,
        found.outcome,
        found.outcome === 'failed' ? found.reason : null,
        succeeded?.blobKey ?? null,
        succeeded?.contentType ?? null,
        found.byteSize,
        succeeded?.durationMs ?? null,
        succeeded?.width ?? null,
        succeeded?.height ?? null,
        id,
      ],
    );
    return result.changes === 1;
  }
}
