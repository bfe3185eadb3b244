import { createHmac, timingSafeEqual } from 'node:crypto';
import { invalidField } from './errors.js';

/**
 * Pinterest's bookmark pagination: `page_size` 1..250 (default 25) and an opaque
 * `bookmark` that the last page returns as null.
 * Pinterest: developers.pinterest.com/docs/reference/pagination/.
 */
export const PAGE_SIZE = { min: 1, max: 250, default: 25 } as const;

/** The query-string schema every list route merges into its own. */
export const paginationQuerySchema = {
  bookmark: { type: 'string', maxLength: 2048 },
  page_size: { type: 'integer', minimum: PAGE_SIZE.min, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default },
} as const;

export interface PageRequest {
  bookmark?: string;
  page_size?: number;
}

export interface Page<T> {
  items: T[];
  bookmark: string | null;
}

/**
 * Signs and checks bookmarks. A bookmark is the key of the last item served plus the
 * identity of the list it belongs to, with an HMAC over both, so a tampered
 * bookmark, or one taken from another list or another user, is refused with a 400.
 * Keyset pagination (items after the last key, in a stable order) is what makes a
 * walk neither repeat nor skip an item that existed throughout, whatever is
 * inserted or deleted meanwhile.
 * @example
 * const bookmarks = new Bookmarks(secret);
 * const b = bookmarks.encode('boards/list:123', '1763812345678000000');
 * bookmarks.decode('boards/list:123', b); // '1763812345678000000'
 */
export class Bookmarks {
  constructor(private secret: Buffer) {}

  /** Signs with another secret from now on (a restored snapshot brings its store's secret). */
  rekey(secret: Buffer): void {
    this.secret = secret;
  }

  private mac(listKey: string, lastKey: string): Buffer {
    return createHmac('sha256', this.secret).update(listKey).update('\0').update(lastKey).digest().subarray(0, 16);
  }

  encode(listKey: string, lastKey: string): string {
    const key = Buffer.from(lastKey, 'utf8');
    return Buffer.concat([Buffer.from([key.length]), key, this.mac(listKey, lastKey)]).toString('base64url');
  }

  /** Returns the last key, or throws a 400 naming `bookmark`. */
  decode(listKey: string, bookmark: string): string {
    const raw = /^[A-Za-z0-9_-]+$/.test(bookmark) ? Buffer.from(bookmark, 'base64url') : Buffer.alloc(0);
    const length = raw[0] ?? 0;
    if (raw.length !== 1 + length + 16 || length === 0) throw invalidBookmark();
    const lastKey = raw.subarray(1, 1 + length).toString('utf8');
    const given = raw.subarray(1 + length);
    if (!timingSafeEqual(given, this.mac(listKey, lastKey))) throw invalidBookmark();
    return lastKey;
  }

  /**
   * Serves one page of a keyset-ordered list. `fetch(after, limit)` returns up to
   * `limit` items strictly after the key `after` (null: from the start).
   */
  async page<T>(
    listKey: string,
    request: PageRequest,
    keyOf: (item: T) => string,
    fetch: (after: string | null, limit: number) => Promise<T[]>,
  ): Promise<Page<T>> {
    const size = request.page_size ?? PAGE_SIZE.default;
    const after = request.bookmark ? this.decode(listKey, request.bookmark) : null;
    const rows = await fetch(after, size + 1);
    if (rows.length <= size) return { items: rows, bookmark: null };
    const items = rows.slice(0, size);
    return { items, bookmark: this.encode(listKey, keyOf(items[items.length - 1])) };
  }
}

function invalidBookmark() {
  return invalidField('bookmark', 'is not a valid bookmark for this list');
}
