import { mkdir, mkdtemp, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, extname, join, relative, sep } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';

/**
 * Where the bytes of images and videos live. Keys are paths such as
 * `images/600x/3fa9….jpg`; which keys are in use, and by how many Pins, is
 * recorded in the database, so an object store can take this interface's place
 * without the families knowing.
 */
export interface BlobStore {
  /** Stores `bytes` under `key`, replacing what was there; durable when it resolves. */
  put(key: string, bytes: Buffer): Promise<void>;
  /** The bytes under `key`, or null. */
  get(key: string): Promise<Buffer | null>;
  /** Removes `key`; removing a missing key is a no-op. */
  delete(key: string): Promise<void>;
  /** Every key stored, sorted (the control plane's snapshots and resets walk them). */
  list(): Promise<string[]>;
  /**
   * A new empty file to stream a blob into before it is known whether it is kept
   * (an upload is checked and probed there first).
   * @example
   * const staged = await blobs.stage();
   * try { await pipeline(upload, createWriteStream(staged.path)); await staged.keep('videos/1.mp4'); }
   * finally { await staged.discard(); }
   */
  stage(): Promise<StagedBlob>;
  /**
   * A stream of the bytes under `key`, or null: all of them, or the range that
   * `rangeOf` picks once the blob's size is known (it answers undefined for all).
   */
  read(key: string, rangeOf?: (size: number) => ByteRange | undefined): Promise<BlobRead | null>;
  /**
   * Runs `fn` with the path of a file holding the bytes under `key`, for programs
   * that read files (ffmpeg); null when there is no such blob. The file keeps the
   * key's extension and is only to be read.
   */
  withFile<T>(key: string, fn: (path: string) => Promise<T>): Promise<T | null>;
}

/** Bytes `start` to `end`, both included, as HTTP ranges count them. */
export interface ByteRange {
  start: number;
  end: number;
}

/** What `BlobStore.read` found: the blob's whole size, the range being read (undefined: all of it) and its bytes. */
export interface BlobRead {
  size: number;
  range: ByteRange | undefined;
  stream: Readable;
}

/** A file being written before it becomes a blob, or is thrown away. */
export interface StagedBlob {
  /** Where to write the bytes. */
  readonly path: string;
  /** Flushes the written bytes to disk, so that `keep` has little left to do (a transaction can hold it). */
  sync(): Promise<void>;
  /**
   * Makes the file's bytes the blob `key` (durable when it resolves); the staged file
   * is gone after. Keeping it again under the same key does nothing, as a
   * transaction that is retried does.
   */
  keep(key: string): Promise<void>;
  /** Removes the staged file unless it was kept; calling it again, or after keep, does nothing. */
  discard(): Promise<void>;
}

const KEY_PATTERN = /^[a-z0-9_-]+(\/[A-Za-z0-9_.x-]+)+$/;

function checkKey(key: string): void {
  // Keys are made by pinbox, never taken from a request; this guards the file layout anyway.
  if (!KEY_PATTERN.test(key) || key.includes('..')) throw new Error(`not a blob key: ${key}`);
}

/** Blobs in this process's memory, for a store that lives in memory. */
export class MemoryBlobStore implements BlobStore {
  private readonly blobs = new Map<string, Buffer>();

  async put(key: string, bytes: Buffer): Promise<void> {
    checkKey(key);
    this.blobs.set(key, bytes);
  }

  async get(key: string): Promise<Buffer | null> {
    return this.blobs.get(key) ?? null;
  }

  async delete(key: string): Promise<void> {
    this.blobs.delete(key);
  }

  async list(): Promise<string[]> {
    return [...this.blobs.keys()].sort();
  }

  /**
   * Staged in the system's temporary folder: an upload is streamed to disk and
   * probed there whatever the store, so a refused or failed upload never costs
   * memory; only a kept one comes into memory, which is where this store keeps
   * every blob.
   */
  async stage(): Promise<StagedBlob> {
    const dir = await mkdtemp(join(tmpdir(), 'pinbox-staged-'));
    const path = join(dir, 'blob');
    await writeFile(path, '');
    let kept: string | null = null;
    return {
      path,
      sync: async () => undefined,
      keep: async (key) => {
        checkKey(key);
        if (kept === key) return;
        this.blobs.set(key, await readFile(path));
        kept = key;
        await rm(dir, { recursive: true, force: true });
      },
      discard: () => rm(dir, { recursive: true, force: true }),
    };
  }

  async read(key: string, rangeOf?: (size: number) => ByteRange | undefined): Promise<BlobRead | null> {
    const bytes = this.blobs.get(key);
    if (!bytes) return null;
    const range = rangeOf?.(bytes.length);
    return { size: bytes.length, range, stream: Readable.from([range ? bytes.subarray(range.start, range.end + 1) : bytes]) };
  }

  async withFile<T>(key: string, fn: (path: string) => Promise<T>): Promise<T | null> {
    const bytes = this.blobs.get(key);
    if (!bytes) return null;
    const dir = await mkdtemp(join(tmpdir(), 'pinbox-blob-'));
    try {
      const path = join(dir, `blob${extname(key)}`);
      await writeFile(path, bytes);
      return await fn(path);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

/** The folder of a file store where staged blobs are written, beside the blobs so that keeping one is a rename. */
const STAGING_DIR = 'staging';

/**
 * Blobs as files under a directory (beside the SQLite file by default). A write
 * goes to a temporary file that is flushed to disk and then renamed into place,
 * so a blob is either whole or absent after a crash.
 */
export class FileBlobStore implements BlobStore {
  constructor(readonly directory: string) {}

  private path(key: string): string {
    checkKey(key);
    return join(this.directory, key);
  }

  async put(key: string, bytes: Buffer): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    const file = await open(temporary, 'w');
    try {
      await file.writeFile(bytes);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path);
  }

  /**
   * Staged in `staging/` inside the store's folder: on the same file system as the
   * blobs, so keeping a 2 GB upload is a rename, not a copy.
   */
  async stage(): Promise<StagedBlob> {
    const dir = join(this.directory, STAGING_DIR);
    await mkdir(dir, { recursive: true });
    // `.tmp`, like an unfinished put: never listed as a blob, whatever becomes of it.
    const path = join(dir, `${randomBytes(12).toString('hex')}.tmp`);
    await writeFile(path, '');
    let kept: string | null = null;
    const sync = async () => {
      const file = await open(path, 'r+');
      try {
        await file.sync();
      } finally {
        await file.close();
      }
    };
    return {
      path,
      sync,
      keep: async (key) => {
        const target = this.path(key);
        if (kept === key) return;
        // Synced already, as a rule: then this is quick.
        await sync();
        await mkdir(dirname(target), { recursive: true });
        await rename(path, target);
        kept = key;
      },
      discard: async () => {
        if (kept === null) await rm(path, { force: true });
      },
    };
  }

  async read(key: string, rangeOf?: (size: number) => ByteRange | undefined): Promise<BlobRead | null> {
    let file;
    try {
      file = await open(this.path(key), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    try {
      const { size } = await file.stat();
      const range = rangeOf?.(size);
      // Read from the open file: a blob deleted meanwhile is still read whole.
      return { size, range, stream: file.createReadStream({ start: range?.start, end: range?.end }) };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  async withFile<T>(key: string, fn: (path: string) => Promise<T>): Promise<T | null> {
    const path = this.path(key);
    try {
      await stat(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    return fn(path);
  }

  async get(key: string): Promise<Buffer | null> {
    try {
      return await readFile(this.path(key));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async list(): Promise<string[]> {
    let entries;
    try {
      entries = await readdir(this.directory, { recursive: true, withFileTypes: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    // A `.tmp` file is a write that never finished (see put); it is no blob.
    return entries
      .filter((entry) => entry.isFile() && !entry.name.endsWith('.tmp'))
      .map((entry) => relative(this.directory, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .filter((key) => KEY_PATTERN.test(key))
      .sort();
  }
}
