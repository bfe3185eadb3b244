import type { AuthContext } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { IdGenerator } from '../../kernel/ids.js';
import type { Bookmarks, Page, PageRequest } from '../../kernel/pagination.js';
import type { BlobRead, BlobStore, ByteRange, StagedBlob } from '../../storage/blobs/blob-store.js';
import type { Database, Queryable } from '../../storage/database.js';
import type { MediaUrls } from './media-urls.js';
import { UploadRefusal, type UploadPolicies, type UploadParameters } from './upload-policy.js';
import { statusAt, type MediaUploadRow, type MediaUploadStatus, type MediaUploadStore, type UploadOutcome } from './upload-store.js';
import { probeVideo, type VideoExt, type VideoFacts } from './video-probe.js';

export interface VideoUploadSettings {
  /** How long processing takes on pinbox's clock once the file has arrived. */
  processingMs: number;
  /** The largest file an upload form allows (Pinterest: 2 GB). */
  maxBytes: number;
}

/** Pinterest's `Media`: what `GET /v5/media/{media_id}` answers. */
export interface MediaView {
  media_id: string;
  media_type: 'video';
  status: MediaUploadStatus;
}

/** A succeeded upload, ready to become a video Pin. */
export interface ReadyVideo extends VideoFacts {
  mediaId: string;
  blobKey: string;
}

/**
 * Pinterest's out-of-band media uploads: register (`POST /v5/media`), send the
 * file to the upload URL with the signed form, then poll until processing ends.
 * Pinterest: developers.pinterest.com "Creating video Pins".
 */
export class MediaUploadService {
  constructor(
    private readonly deps: {
      db: Database;
      uploads: MediaUploadStore;
      policies: UploadPolicies;
      blobs: BlobStore;
      clock: Clock;
      ids: IdGenerator;
      bookmarks: Bookmarks;
      settings: VideoUploadSettings;
      urls: MediaUrls;
    },
  ) {}

  async register(auth: AuthContext, mediaType: 'video'): Promise<{ mediaId: string; parameters: UploadParameters }> {
    const now = this.deps.clock.now();
    const mediaId = this.deps.ids.next();
    const issued = this.deps.policies.issue({ mediaId, userId: auth.userId, now, maxBytes: this.deps.settings.maxBytes });
    await this.deps.db.transaction((tx) =>
      this.deps.uploads.insert(tx, {
        id: mediaId,
        owner_id: auth.userId,
        media_type: mediaType,
        upload_key: issued.key,
        policy_expires_at: issued.expiresAt,
        created_at: now,
      }),
    );
    return { mediaId, parameters: issued.parameters };
  }

  private view(row: MediaUploadRow): MediaView {
    return { media_id: row.id, media_type: row.media_type, status: statusAt(row, this.deps.clock.now()) };
  }

  /** The caller's own upload; another user's is as unknown as a missing one. */
  private async own(auth: AuthContext, mediaId: string): Promise<MediaUploadRow> {
    const row = await this.deps.uploads.get(mediaId);
    if (!row || row.owner_id !== auth.userId) throw new ApiError('media_not_found');
    return row;
  }

  async get(auth: AuthContext, mediaId: string): Promise<MediaView> {
    return this.view(await this.own(auth, mediaId));
  }

  async list(auth: AuthContext, page: PageRequest): Promise<Page<MediaView>> {
    const rows = await this.deps.bookmarks.page<MediaUploadRow>(`media/list:${auth.userId}`, page, (row) => row.id, (after, limit) =>
      this.deps.uploads.listByOwner(auth.userId, after, limit),
    );
    return { items: rows.items.map((row) => this.view(row)), bookmark: rows.bookmark };
  }

  /**
   * The upload a video Pin is made from. Pinterest answers 404 "media not found"
   * until processing has succeeded; a failed one is a 400 that says why.
   */
  async readyVideo(auth: AuthContext, mediaId: string, field: string): Promise<ReadyVideo> {
    const row = await this.own(auth, mediaId);
    const status = statusAt(row, this.deps.clock.now());
    if (status === 'failed') throw invalidField(field, `${mediaId} failed processing: the uploaded file ${row.failure_reason}`);
    if (status !== 'succeeded') {
      throw new ApiError('media_not_found', `Media not found: upload ${mediaId} is ${status}; create the Pin once GET /v5/media/${mediaId} says succeeded.`);
    }
    return {
      mediaId: row.id,
      blobKey: row.blob_key!,
      contentType: row.content_type!,
      // The blob key ends with the extension the video was stored and is served with.
      ext: row.blob_key!.split('.').pop() as VideoExt,
      durationMs: row.duration_ms!,
      width: row.width!,
      height: row.height!,
    };
  }

  /** Runs `fn` with the path of a succeeded upload's file (for a cover taken from a frame); null when the file is gone. */
  withVideoFile<T>(video: ReadyVideo, fn: (path: string) => Promise<T>): Promise<T | null> {
    return this.deps.blobs.withFile(video.blobKey, fn);
  }

  /**
   * Records that a Pin was made from the upload, in the Pin's transaction: from
   * then on its video is served (see `served`), also once the Pin is deleted, as
   * the video belongs to its upload.
   */
  async markPinned(tx: Queryable, mediaId: string): Promise<void> {
    await this.deps.uploads.markPinned(tx, mediaId, this.deps.clock.now());
  }

  /**
   * Checks an upload form's fields before its file is read.
   * @throws UploadRefusal
   */
  async admit(fields: Readonly<Record<string, string>>): Promise<{ upload: MediaUploadRow; maxBytes: number }> {
    const range = this.deps.policies.verify(fields, this.deps.clock.now());
    const upload = await this.deps.uploads.byKey(fields.key);
    // A signed policy names a key pinbox issued, so only a reset store lacks it.
    if (!upload) throw new UploadRefusal(403, 'AccessDenied', 'Access Denied: no upload is registered under this key.');
    if (upload.uploaded_at !== null) throw new UploadRefusal(403, 'AccessDenied', 'Access Denied: this upload form has been used already; register a new upload.');
    return { upload, maxBytes: Math.min(range.maxBytes, this.deps.settings.maxBytes) };
  }

  /**
   * Takes the file of an admitted upload, streamed to `staged` (`byteSize` bytes):
   * reads its container there now, keeps the file only when it is a video Pinterest
   * takes (moved into place, never copied), and shows the outcome once processing
   * time has passed on the clock. Files that are not videos are not stored; the
   * caller discards `staged` whatever happens.
   */
  async receive(upload: MediaUploadRow, staged: StagedBlob, byteSize: number): Promise<void> {
    const probe = await probeVideo(staged.path);
    const blobKey = probe.ok ? `videos/${upload.id}.${probe.facts.ext}` : null;
    const found: UploadOutcome = probe.ok
      ? { outcome: 'succeeded', blobKey: blobKey!, byteSize, ...probe.facts }
      : { outcome: 'failed', reason: probe.reason, byteSize };
    // Flushed before the transaction, which (on PostgreSQL) holds every process's writes back.
    if (blobKey) await staged.sync();
    const uploadedAt = this.deps.clock.now();
    const recorded = await this.deps.db.transaction(
      async (tx) => {
        // Two uploads with one form may arrive together: the first to record its file
        // wins (the update changes the row only while no file is recorded, and the
        // other waits for its row and then changes nothing), and only it keeps the file.
        if (!(await this.deps.uploads.recordUpload(tx, upload.id, { uploadedAt, readyAt: uploadedAt + this.deps.settings.processingMs }, found))) return false;
        // The file is moved into place inside the transaction that records it: a crash
        // before the commit leaves at most an unreferenced file, never a row without its file.
        if (blobKey) await staged.keep(blobKey);
        return true;
      },
      { isolation: 'read committed' },
    );
    if (!recorded) throw new UploadRefusal(403, 'AccessDenied', 'Access Denied: this upload form has been used already; register a new upload.');
  }

  /**
   * The video served under `file`, a name from `MediaUrls.videoName`: null when the
   * name is not one pinbox gave, or no Pin was ever made from the upload (an upload
   * never turned into a Pin is not served at all).
   */
  async served(file: string, rangeOf?: (size: number) => ByteRange | undefined): Promise<ServedVideo | null> {
    const named = this.deps.urls.parseVideoName(file);
    if (!named) return null;
    const row = await this.deps.uploads.get(named.mediaId);
    if (!row || row.pinned_at === null || row.blob_key !== `videos/${named.mediaId}.${named.ext}`) return null;
    const read = await this.deps.blobs.read(row.blob_key, rangeOf);
    return read && { contentType: row.content_type!, ...read };
  }
}

/** The bytes of a video being served: all of them, or the range asked for. */
export interface ServedVideo extends BlobRead {
  contentType: string;
}
