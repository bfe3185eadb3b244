import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * pinbox's stand-in for presigned S3 URLs: an HMAC over what a URL names and when
 * it expires on pinbox's clock, keyed by the store's secret and the URL's purpose
 * (so a signature for one kind of file never opens another).
 * @example
 * const signer = new UrlSigner(core.instanceSecret, 'leads export files');
 * const query = signer.query([exportId], clock.now() + 3_600_000); // 'expires=...&signature=...'
 * signer.check([exportId], request.query.expires, request.query.signature, clock.now()); // 'ok'
 */
export class UrlSigner {
  private readonly key: Buffer;

  constructor(instanceSecret: Buffer, purpose: string) {
    this.key = createHmac('sha256', instanceSecret).update(purpose).digest();
  }

  sign(parts: readonly (string | number)[], expires: number): string {
    return createHmac('sha256', this.key).update(`${parts.join('.')}.${expires}`).digest('hex');
  }

  /** The `expires` and `signature` query parameters of a URL for `parts`. */
  query(parts: readonly (string | number)[], expires: number): string {
    return `expires=${expires}&signature=${this.sign(parts, expires)}`;
  }

  /** Whether a URL's parameters hold: `signature` when forged or malformed, `expired` past `expires` on `nowMs`. */
  check(parts: readonly (string | number)[], expires: string | undefined, signature: string | undefined, nowMs: number): 'ok' | 'signature' | 'expired' {
    if (expires === undefined || !/^\d{1,16}$/.test(expires)) return 'signature';
    const given = Buffer.from(signature ?? '', 'utf8');
    const expected = Buffer.from(this.sign(parts, Number(expires)), 'utf8');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'signature';
    return Number(expires) < nowMs ? 'expired' : 'ok';
  }
}
