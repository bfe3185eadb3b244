import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { defineFamily } from '../family.js';
import { byteRangeOf } from './byte-range.js';
import { ImageService } from './image-service.js';
import { ImageStore } from './image-store.js';
import { CONTENT_TYPE_OF_EXT, IMAGE_SIZES } from './images.js';
import { KeyFrameExtractor } from './key-frame.js';
import { MediaUrls, VIDEO_PATH } from './media-urls.js';
import { MEDIA_MIGRATIONS } from './migrations.js';
import { mediaRoutes } from './routes.js';
import { uploadEndpoint } from './upload-endpoint.js';
import { UploadPolicies } from './upload-policy.js';
import { MediaUploadService } from './upload-service.js';
import { MediaUploadStore } from './upload-store.js';

const IMAGE_PATH_SIZES = new Set(['originals', ...IMAGE_SIZES]);
const SERVED_FOREVER = 'public, max-age=31536000, immutable';

/** Pictures (made from image URLs and base64) and the out-of-band video uploads (the spec's `media` tag). */
export const mediaFamily = defineFamily({
  name: 'media',
  uses: {},
  migrations: MEDIA_MIGRATIONS,
  build(core) {
    const { db, clock, ids, bookmarks, blobs } = core;
    const stores = { images: new ImageStore(db, blobs, clock), mediaUploads: new MediaUploadStore(db) };
    const images = new ImageService(stores.images, core.fetchPolicy, core.fetchLimits);
    const mediaUrls = new MediaUrls(core.instanceSecret);
    const uploads = new MediaUploadService({
      db,
      uploads: stores.mediaUploads,
      policies: new UploadPolicies(core.instanceSecret),
      blobs,
      clock,
      ids,
      bookmarks,
      settings: core.videoUploads,
      urls: mediaUrls,
    });

    /**
     * The upload URL of video uploads (Pinterest's S3 upload host), and the bytes of
     * images and videos, as Pinterest serves them from its media hosts.
     */
    function pages(app: FastifyInstance): void {
      app.register(uploadEndpoint(uploads, blobs, core.videoUploads.maxBytes));
      // Streamed from the file, whole or the one byte range asked for (players seek with ranges).
      app.get(`${VIDEO_PATH}/:file`, async (request, reply) => {
        const { file } = request.params as { file: string };
        let unsatisfiable = false;
        const video = await uploads.served(file, (size) => {
          const range = byteRangeOf(request.headers.range, size);
          unsatisfiable = range === 'unsatisfiable';
          return range === 'unsatisfiable' ? undefined : range;
        });
        if (!video) return reply.code(404).send({ code: 404, message: 'Video not found.' });
        reply.header('accept-ranges', 'bytes');
        if (unsatisfiable) {
          video.stream.destroy();
          return reply.code(416).header('content-range', `bytes */${video.size}`).send({ code: 416, message: `The range asked for is not within the video's ${video.size} bytes.` });
        }
        reply.header('content-type', video.contentType).header('cache-control', SERVED_FOREVER);
        const { range } = video;
        if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${video.size}`);
        reply.header('content-length', range ? range.end - range.start + 1 : video.size);
        if (request.method === 'HEAD') {
          // Fastify reads a HEAD answer's stream to its end: an empty one, rather than the whole file.
          video.stream.destroy();
          return reply.send(Readable.from([]));
        }
        return reply.send(video.stream);
      });
      // Pinterest serves each size at a URL named by the picture's hash (i.pinimg.com/150x150/<hash>.jpg).
      app.get('/media/images/:size/:file', async (request, reply) => {
        const { size, file } = request.params as { size: string; file: string };
        const match = /^[0-9a-f]{64}\.([a-z]+)$/.exec(file);
        const contentType = match ? CONTENT_TYPE_OF_EXT[match[1]] : undefined;
        const bytes = contentType && IMAGE_PATH_SIZES.has(size) ? await stores.images.file(`images/${size}/${file}`) : null;
        if (!bytes) return reply.code(404).send({ code: 404, message: 'Image not found.' });
        return reply.header('content-type', contentType!).header('cache-control', SERVED_FOREVER).send(bytes);
      });
    }

    return {
      stores,
      services: { images, uploads, keyFrames: new KeyFrameExtractor(), mediaUrls },
      routes: mediaRoutes({ uploads }),
      pages,
      // Pictures left unused by a process that stopped between a delete and its sweep.
      start: async () => void (await stores.images.sweep()),
    };
  },
});
