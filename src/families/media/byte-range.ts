import type { ByteRange } from '../../storage/blobs/blob-store.js';

/**
 * The one byte range a `Range` header asks of `size` bytes (RFC 9110 §14.1.2):
 * `bytes=a-b`, `bytes=a-` or `bytes=-n`, the end cut to the last byte. Undefined
 * (serve it all) without the header, for another unit, several ranges or a header
 * that does not parse, as RFC 9110 lets a server ignore those; 'unsatisfiable'
 * when it starts past the end (a 416).
 * @example byteRangeOf('bytes=0-99', 1000) // { start: 0, end: 99 }
 * @example byteRangeOf('bytes=-100', 1000) // { start: 900, end: 999 }
 */
export function byteRangeOf(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (match[2] !== '' && Number(match[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end };
}
