import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
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
}

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
