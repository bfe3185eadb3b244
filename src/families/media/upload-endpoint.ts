import { createWriteStream } from 'node:fs';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type {} from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError, type ErrorKey } from '../../kernel/errors.js';
import type { Surface } from '../../kernel/framework-errors.js';
import type { BlobStore } from '../../storage/blobs/blob-store.js';
import { UploadRefusal } from './upload-policy.js';
import type { MediaUploadService } from './upload-service.js';

/** Where `upload_url` points: pinbox's stand-in for Pinterest's S3 upload host. */
export const UPLOAD_PATH = '/media/uploads';

const escapeXml = (text: string) => text.replace(/[<>&]/g, (c) => `&#${c.charCodeAt(0)};`);

/** An error as S3 writes it: XML with a Code and a Message. */
function sendS3Error(reply: FastifyReply, request: FastifyRequest, refusal: UploadRefusal): FastifyReply {
  return reply
    .code(refusal.status)
    .type('application/xml')
    .send(s3Xml(refusal.s3Code, refusal.message, request.id));
}

/**
 * S3's codes for the refusals from below the routes (router, body parsing, Node's
 * parser), as S3 names them in its error responses list.
 */
const S3_CODES: Partial<Record<ErrorKey, string>> = {
  route_not_found: 'NoSuchKey',
  method_not_allowed: 'MethodNotAllowed',
  request_timeout: 'RequestTimeout',
  uri_too_long: 'KeyTooLongError',
  headers_too_large: 'RequestHeaderSectionTooLarge',
  payload_too_large: 'EntityTooLarge',
  unsupported_media_type: 'InvalidArgument',
  expectation_failed: 'NotImplemented',
  internal: 'InternalError',
};

/** The upload host's shape for refusals: S3's XML error. */
const UPLOAD_SURFACE: Surface = {
  prefix: UPLOAD_PATH,
  render: (error, requestId) => ({ type: 'application/xml', body: s3Xml(S3_CODES[error.key] ?? 'InvalidRequest', error.message, requestId) }),
};

/** S3's XML error body (the upload host, and the ads family's bulk result files). */
export function s3Xml(code: string, message: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`;
}

/** Reads and drops the rest of a file part, so the request ends; a part already broken off is left as it is. */
const drain = (stream: NodeJS.ReadableStream) => pipeline(stream, new Writable({ write: (_chunk, _encoding, done) => done() })).catch(() => undefined);

/**
 * Streams a file part to `path`, counting its bytes: beyond `allowed`, nothing
 * more is written and the rest is read and dropped, so the request ends and the
 * client gets its answer; memory holds a chunk or two whatever the file's size.
 * @returns the bytes counted (up to the chunk that went beyond `allowed`), and whether it did.
 */
async function streamToFile(file: NodeJS.ReadableStream, path: string, allowed: number): Promise<{ bytes: number; over: boolean }> {
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      if (bytes > allowed) return done();
      bytes += chunk.length;
      done(null, bytes > allowed ? null : chunk);
    },
  });
  await pipeline(file, counter, createWriteStream(path));
  return { bytes, over: bytes > allowed };
}

/**
 * The upload URL: a multipart form POST with the fields of `upload_parameters`
 * and then the file, checked the way S3 checks a POST policy. It answers 204 as S3
 * does; refusals are S3's XML errors, and a refused upload stores nothing.
 * Pinterest: "make an HTTP POST request to upload_url ... Send the media file's
 * contents as the request's `file` parameter and also include all of the parameters
 * from `upload_parameters`" (`media/create` in the spec).
 */
export function uploadEndpoint(uploads: MediaUploadService, blobs: BlobStore, maxBytes: number) {
  return async function register(app: FastifyInstance): Promise<void> {
    app.surfaces.add(UPLOAD_SURFACE);
    // Loaded as the app is readied, which start-up overlaps with hashing the dev
    // password, rather than before pinbox's first line runs.
    const { default: multipart } = await import('@fastify/multipart');
    await app.register(multipart, { limits: { fileSize: maxBytes, files: 1, fields: 32, fieldSize: 16 * 1024, parts: 40 } });
    // Whatever goes wrong before the handler (not multipart, a broken body) is
    // answered as S3 answers it, not as the /v5 API does.
    app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
      if (error instanceof UploadRefusal) return sendS3Error(reply, request, error);
      if (error instanceof ApiError && error.status < 500) {
        const { type, body } = UPLOAD_SURFACE.render(error, request.id);
        return reply.code(error.status).type(type).send(body);
      }
      // The database away: S3's answer to a store that cannot take the upload now.
      if (error instanceof ApiError && error.status === 503) return sendS3Error(reply, request, new UploadRefusal(503, 'ServiceUnavailable', error.message));
      if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') return sendS3Error(reply, request, tooLarge(maxBytes));
      if (typeof error.statusCode === 'number' && error.statusCode < 500) {
        return sendS3Error(reply, request, new UploadRefusal(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.'));
      }
      request.log.error({ err: error }, 'upload failed');
      return sendS3Error(reply, request, new UploadRefusal(500, 'InternalError', 'We encountered an internal error. Please try again.'));
    });

    app.post(UPLOAD_PATH, async (request, reply) => {
      if (!request.isMultipart()) throw new UploadRefusal(412, 'PreconditionFailed', 'Bucket POST must be of the enclosure-type multipart/form-data.');
      const fields: Record<string, string> = {};
      let refusal: UploadRefusal | null = null;
      let received = false;
      // S3 reads the fields up to the file and ignores any after it.
      for await (const part of request.parts()) {
        if (part.type === 'field') {
          if (!received && typeof part.value === 'string') fields[part.fieldname.toLowerCase() === 'content-type' ? 'Content-Type' : part.fieldname] = part.value;
          continue;
        }
        if (received || refusal || part.fieldname !== 'file') {
          await drain(part.file);
          refusal ??= new UploadRefusal(400, 'InvalidArgument', `POST requires exactly one file upload per request, in the field 'file' (got '${part.fieldname}').`);
          continue;
        }
        received = true;
        let staged = null;
        try {
          const { upload, maxBytes: allowed } = await uploads.admit(fields);
          // The file goes to disk as it arrives, never whole into memory; a refused or
          // failed one is deleted below.
          staged = await blobs.stage();
          const { bytes, over } = await streamToFile(part.file, staged.path, allowed);
          if (over || part.file.truncated) throw tooLarge(allowed);
          if (bytes === 0) throw new UploadRefusal(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size.');
          await uploads.receive(upload, staged, bytes);
        } catch (error) {
          if (part.file.truncated || (error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') refusal = tooLarge(maxBytes);
          else if (error instanceof UploadRefusal) refusal = error;
          else throw error;
          await drain(part.file);
        } finally {
          await staged?.discard();
        }
      }
      if (!received && !refusal) refusal = new UploadRefusal(400, 'InvalidArgument', "POST requires exactly one file upload per request, in the field 'file'.");
      if (refusal) return sendS3Error(reply, request, refusal);
      return reply.code(204).send();
    });
  };
}

function tooLarge(maxBytes: number): UploadRefusal {
  return new UploadRefusal(400, 'EntityTooLarge', `Your proposed upload exceeds the maximum allowed size (${maxBytes} bytes).`);
}
