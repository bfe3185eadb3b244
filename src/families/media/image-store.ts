import type { Clock } from '../../kernel/clock.js';
import type { BlobStore } from '../../storage/blobs/blob-store.js';
import type { Database, Queryable } from '../../storage/database.js';
import type { ImageSize, ProcessedImage } from './images.js';

/** One size of a stored picture, as `media.images` carries it (the URL is relative to pinbox). */
export interface ImageDetails {
  url: string;
  width: number;
  height: number;
}

/** A picture pinbox has processed and stored. */
export interface StoredImage {
  key: string;
  dominantColor: string;
  images: Record<ImageSize, ImageDetails>;
}

/** Where pinbox serves one size of a picture, like Pinterest's `i.pinimg.com/150x150/<hash>.jpg`. */
function imagePath(size: ImageSize, key: string, ext: string): string {
  return `/media/images/${size}/${key}.${ext}`;
}

const blobKeyOf = (url: string) => url.replace(/^\/media\//, '');

/** The keys of every picture a stored media JSON refers to, once per use. */
function imageKeysOf(media: string): string[] {
  return [...media.matchAll(/"\/media\/images\/originals\/([0-9a-f]{64})\.[a-z]+"/g)].map((match) => match[1]);
}

/**
 * Pictures and the Pins that use them. Each picture is stored once and counted:
 * a Pin that uses it takes a reference in the transaction that makes the Pin, and
 * gives it back in the one that deletes it. Files are written inside the
 * transaction that first records the picture, and removed only by `sweep`, in a
 * transaction of its own that finds the count still at zero, so a picture that is
 * taken again in between keeps its files.
 */
export class ImageStore {
  constructor(
    private readonly db: Database,
    private readonly blobs: BlobStore,
    private readonly clock: Clock,
  ) {}

  async find(key: string, q: Queryable = this.db): Promise<StoredImage | null> {
    const row = await q.get<{ dominant_color: string; renditions: string }>('SELECT dominant_color, renditions FROM images WHERE key = ?', [key]);
    return row ? { key, dominantColor: row.dominant_color, images: JSON.parse(row.renditions) } : null;
  }

  /**
   * Takes one reference to a picture, storing it first when it is new.
   * @returns null when the picture is not stored and `processed` is not given.
   */
  async retain(q: Queryable, key: string, processed: ProcessedImage | null): Promise<StoredImage | null> {
    // One statement takes the reference and reads the picture (both engines have RETURNING).
    const existing = await q.get<{ dominant_color: string; renditions: string }>(
      'UPDATE images SET refs = refs + 1 WHERE key = ? RETURNING dominant_color, renditions',
      [key],
    );
    if (existing) return { key, dominantColor: existing.dominant_color, images: JSON.parse(existing.renditions) };
    if (!processed) return null;
    const images = {} as Record<ImageSize, ImageDetails>;
    for (const rendition of processed.renditions) {
      const url = imagePath(rendition.size, key, rendition.ext);
      await this.blobs.put(blobKeyOf(url), rendition.bytes);
      images[rendition.size] = { url, width: rendition.width, height: rendition.height };
    }
    // Another transaction may have stored the same new picture meanwhile (its files are
    // these very bytes): then this takes a reference to its row.
    const stored = (await q.get<{ dominant_color: string; renditions: string }>(
      `INSERT INTO images (key, dominant_color, renditions, refs, created_at) VALUES (?, ?, ?, 1, ?)
       ON CONFLICT (key) DO UPDATE SET refs = images.refs + 1 RETURNING dominant_color, renditions`,
      [key, processed.dominantColor, JSON.stringify(images), this.clock.now()],
    ))!;
    return { key, dominantColor: stored.dominant_color, images: JSON.parse(stored.renditions) };
  }

  /**
   * One more reference to each picture of a stored media JSON (a saved copy of a Pin).
   * The rows are changed in the order of their keys, as `releaseAll` changes them, so
   * two Pin writes sharing pictures wait for each other in turn, never in a circle.
   */
  async retainAll(q: Queryable, media: string): Promise<void> {
    for (const key of imageKeysOf(media).sort()) await q.run('UPDATE images SET refs = refs + 1 WHERE key = ?', [key]);
  }

  /** Gives back the references of a stored media JSON; `sweep` removes what is left unused. */
  async releaseAll(q: Queryable, media: string): Promise<number> {
    const keys = imageKeysOf(media).sort();
    for (const key of keys) await q.run('UPDATE images SET refs = refs - 1 WHERE key = ?', [key]);
    return keys.length;
  }

  /**
   * Removes every picture no Pin uses, rows and files, in one transaction. Each row
   * goes only if it is still unused when deleted (a Pin made meanwhile took it, or
   * waits for the delete and then stores the picture anew), and its files only with it.
   */
  async sweep(): Promise<number> {
    return this.db.transaction(
      async (tx) => {
        const unused = await tx.all<{ key: string }>('SELECT key FROM images WHERE refs <= 0');
        let swept = 0;
        for (const { key } of unused) {
          const gone = await tx.get<{ renditions: string }>('DELETE FROM images WHERE key = ? AND refs <= 0 RETURNING renditions', [key]);
          if (!gone) continue;
          swept++;
          for (const details of Object.values(JSON.parse(gone.renditions) as Record<string, ImageDetails>)) await this.blobs.delete(blobKeyOf(details.url));
        }
        return swept;
      },
      { isolation: 'read committed' },
    );
  }

  /** The bytes served at `/media/<path>`, or null. */
  file(path: string): Promise<Buffer | null> {
    return this.blobs.get(path);
  }
}
