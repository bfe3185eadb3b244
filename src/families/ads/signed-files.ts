import type { FastifyInstance } from 'fastify';
import type { Clock } from '../../kernel/clock.js';
import { UrlSigner } from '../../kernel/signed-urls.js';
import { s3Xml } from '../media/upload-endpoint.js';

/** A signed file URL refused, in S3's words (pinbox's file URLs stand in for Pinterest's signed S3 ones). */
export class FileRefusal extends Error {
  constructor(
    readonly status: number,
    readonly s3Code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Expiring file URLs on pinbox's clock: the kernel's UrlSigner (the same
 * purpose-bound HMAC the lead exports and customer-list uploads use), with the
 * refusals in S3's words.
 * @example const urls = new SignedUrls(secret, 'ads-report-url', clock); urls.query(token, 300_000)
 */
export class SignedUrls {
  private readonly signer: UrlSigner;

  constructor(
    secret: Buffer,
    purpose: string,
    private readonly clock: Clock,
  ) {
    this.signer = new UrlSigner(secret, purpose);
  }

  /** The query string of a URL for `id` that lives `ttlMs` from now. */
  query(id: string, ttlMs: number): string {
    return this.signer.query([id], this.clock.now() + ttlMs);
  }

  /** Throws a FileRefusal unless the signature holds and has not expired. */
  check(id: string, expires: string | undefined, signature: string | undefined): void {
    const verdict = this.signer.check([id], expires, signature, this.clock.now());
    if (verdict === 'signature') throw new FileRefusal(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
    if (verdict === 'expired') throw new FileRefusal(403, 'AccessDenied', 'Request has expired');
  }
}

/** A file found for a signed URL. */
export interface SignedFile {
  contentType: string;
  body: string;
}

/**
 * Serves files at signed URLs under `url` (Fastify syntax): `find` gets the path
 * parameters and the `expires` and `signature` of the query and answers the file or
 * throws a FileRefusal, which is sent as S3's XML error.
 * @example serveSignedFiles(app, '/async_reporting_v3/:token/:file', (params, expires, signature) => reports.file(params.token, expires, signature))
 */
export function serveSignedFiles(app: FastifyInstance, url: string, find: (params: Record<string, string>, expires: string | undefined, signature: string | undefined) => Promise<SignedFile>): void {
  app.get(url, async (request, reply) => {
    const { expires, signature } = request.query as { expires?: string; signature?: string };
    try {
      const found = await find(request.params as Record<string, string>, expires, signature);
      return reply.header('content-type', found.contentType).header('cache-control', 'private, no-store').send(found.body);
    } catch (error) {
      if (!(error instanceof FileRefusal)) throw error;
      return reply.code(error.status).type('application/xml').send(s3Xml(error.s3Code, error.message, request.id));
    }
  });
}

/** The refusal of a file that is not there (or no longer). */
export const noSuchKey = () => new FileRefusal(404, 'NoSuchKey', 'The specified key does not exist.');
