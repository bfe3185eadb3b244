import type { FastifyInstance } from 'fastify';
import { defineFamily } from '../family.js';
import { ImageService } from './image-service.js';
import { ImageStore } from './image-store.js';
import { CONTENT_TYPE_OF_EXT, IMAGE_SIZES } from './images.js';
import { KeyFrameExtractor } from './key-frame.js';
import { MEDIA_MIGRATIONS } from './migrations.js';
import { mediaRoutes } from './routes.js';
import { uploadEndpoint } from './upload-endpoint.js';
import { UploadPolicies } from './upload-policy.js';
import { MediaUploadService } from './upload-service.js';
import { MediaUploadStore } from './upload-store.js';
import { VIDEO_CONTENT_TYPES } from './video-probe.js';

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
    const uploads = new MediaUploadService({
      db,
      uploads: stores.mediaUploads,
      policies: new UploadPolicies(core.instanceSecret),
      blobs,
      clock,
      ids,
      bookmarks,
      settings: core.videoUploads,
    });

    /**
     * The upload URL of video uploads (Pinterest's S3 upload host), and the bytes of
     * images and videos, as Pinterest serves them from its media hosts.
     */
    function pages(app: FastifyInstance): void {
      app.register(uploadEndpoint(uploads, core.videoUploads.maxBytes));
      app.get('/media/videos/:file', async (request, reply) => {
        const { file } = request.params as { file: string };
        const match = /^\d+\.([a-z0-9]+)$/.exec(file);
        const contentType = match ? (VIDEO_CONTENT_TYPES as Readonly<Record<string, string>>)[match[1]] : undefined;
        const bytes = contentType ? await uploads.file(`videos/${file}`) : null;
        if (!bytes) return reply.code(404).send({ code: 404, message: 'Video not found.' });
        return reply.header('content-type', contentType!).header('cache-control', SERVED_FOREVER).send(bytes);
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
      services: { images, uploads, keyFrames: new KeyFrameExtractor() },
      routes: mediaRoutes({ uploads }),
      pages,
      // Pictures left unused by a process that stopped between a delete and its sweep.
      start: async () => void (await stores.images.sweep()),
    };
  },
});
