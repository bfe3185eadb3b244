import type { FastifyInstance } from 'fastify';
import type { Clock } from '../kernel/clock.js';
import type { IdGenerator } from '../kernel/ids.js';
import type { Bookmarks } from '../kernel/pagination.js';
import type { ApiRoute } from '../kernel/route-policy.js';
import type { BlobStore } from '../storage/blobs/blob-store.js';
import type { Database } from '../storage/database.js';
import type { FetchLimits } from './media/fetch-image.js';
import { ImageService } from './media/image-service.js';
import { ImageStore } from './media/image-store.js';
import { CONTENT_TYPE_OF_EXT, IMAGE_SIZES } from './media/images.js';
import { KeyFrameExtractor } from './media/key-frame.js';
import { mediaRoutes } from './media/routes.js';
import { uploadEndpoint } from './media/upload-endpoint.js';
import { UploadPolicies } from './media/upload-policy.js';
import { MediaUploadService, type VideoUploadSettings } from './media/upload-service.js';
import { MediaUploadStore } from './media/upload-store.js';
import { VIDEO_CONTENT_TYPES } from './media/video-probe.js';
import { boardRoutes } from './boards/routes.js';
import { BoardService } from './boards/service.js';
import { BoardStore } from './boards/store.js';
import { createHmac } from 'node:crypto';
import { AppStore } from './oauth/app-store.js';
import { CodeStore } from './oauth/code-store.js';
import { oauthPages } from './oauth/pages.js';
import { oauthRoutes } from './oauth/routes.js';
import { OAuthService } from './oauth/service.js';
import { SessionStore } from './oauth/session-store.js';
import { TokenStore } from './oauth/token-store.js';
import { pinRoutes } from './pins/routes.js';
import { PinService } from './pins/service.js';
import { PinStore } from './pins/store.js';
import { analyticsRoutes } from './analytics/routes.js';
import { AnalyticsService } from './analytics/service.js';
import { AnalyticsStore } from './analytics/store.js';
import { searchRoutes } from './search/routes.js';
import { SearchService } from './search/service.js';
import { SearchStore } from './search/store.js';
import { userAccountRoutes } from './user-account/routes.js';
import { UserAccountService } from './user-account/service.js';
import { UserStore } from './user-account/store.js';

const IMAGE_PATH_SIZES = new Set(['originals', ...IMAGE_SIZES]);

export interface Core {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  bookmarks: Bookmarks;
  /** This store's random secret (made on first start); families derive their keys from it. */
  instanceSecret: Buffer;
  /** Bytes of images and videos: files beside a --data store, memory otherwise. */
  blobs: BlobStore;
  /** How pinbox fetches images given by URL. */
  fetchLimits: FetchLimits;
  /** How long video processing takes on the clock, and the largest upload. */
  videoUploads: VideoUploadSettings;
}


/**
 * The registry of resource families: every family's stores, services and routes
 * are made here, so nothing that holds state or serves a route is left out.
 */
export function buildFamilies(core: Core) {
  const { db, clock, ids, bookmarks } = core;
  const stores = {
    users: new UserStore(db, clock, ids),
    apps: new AppStore(db, clock),
    tokens: new TokenStore(db, clock),
    codes: new CodeStore(clock),
    sessions: new SessionStore(db, clock),
    boards: new BoardStore(db),
    pins: new PinStore(db),
    images: new ImageStore(db, core.blobs, clock),
    mediaUploads: new MediaUploadStore(db),
    search: new SearchStore(db),
    analytics: new AnalyticsStore(db),
  };
  const images = new ImageService(stores.images, core.fetchLimits);
  const uploads = new MediaUploadService({
    db,
    uploads: stores.mediaUploads,
    policies: new UploadPolicies(core.instanceSecret),
    blobs: core.blobs,
    clock,
    ids,
    bookmarks,
    settings: core.videoUploads,
  });
  const boards = new BoardService({ db, boards: stores.boards, ids, clock, bookmarks });
  const pins = new PinService({
    db,
    pins: stores.pins,
    boards: stores.boards,
    boardService: boards,
    ids,
    clock,
    bookmarks,
    images,
    imageStore: stores.images,
    videos: { uploads, keyFrames: new KeyFrameExtractor() },
  });
  const accounts = new UserAccountService({ db, users: stores.users, bookmarks });
  const oauth = new OAuthService({ db, clock, ids, apps: stores.apps, users: stores.users, tokens: stores.tokens, codes: stores.codes });
  const search = new SearchService({ store: stores.search, pins: stores.pins, boards: stores.boards, boardService: boards, bookmarks });
  const analytics = new AnalyticsService({ db, store: stores.analytics, clock, pins, boards: stores.boards });
  const services = { boards, pins, accounts, oauth, images, uploads, search, analytics };

  const routes: ApiRoute[] = [
    ...oauthRoutes({ oauth, clock }),
    ...userAccountRoutes({ accounts, boards, boardStore: stores.boards }),
    ...boardRoutes({ boards, boardStore: stores.boards, pins }),
    ...pinRoutes({ pins, pinMetrics: (pin, viewerId) => analytics.pinMetricsJson(pin, viewerId) }),
    ...searchRoutes({ search, boardStore: stores.boards }),
    ...analyticsRoutes({ analytics }),
    ...mediaRoutes({ uploads }),
  ];

  const pages = oauthPages({
    oauth,
    sessions: stores.sessions,
    csrfKey: createHmac('sha256', core.instanceSecret).update('oauth-pages-csrf').digest(),
  });

  /**
   * Routes outside /v5: the OAuth pages (Pinterest's www.pinterest.com/oauth/), the
   * upload URL of video uploads (Pinterest's S3 upload host), and the bytes of images
   * and videos, as Pinterest serves them from its media hosts.
   */
  function publicRoutes(app: FastifyInstance): void {
    app.register(pages);
    app.register(uploadEndpoint(uploads, core.videoUploads.maxBytes));
    app.get('/media/videos/:file', async (request, reply) => {
      const { file } = request.params as { file: string };
      const match = /^\d+\.([a-z0-9]+)$/.exec(file);
      const contentType = match ? (VIDEO_CONTENT_TYPES as Readonly<Record<string, string>>)[match[1]] : undefined;
      const bytes = contentType ? await uploads.file(`videos/${file}`) : null;
      if (!bytes) return reply.code(404).send({ code: 404, message: 'Video not found.' });
      return reply.header('content-type', contentType!).header('cache-control', 'public, max-age=31536000, immutable').send(bytes);
    });
    app.get('/media/blobs/:blob_id', async (request, reply) => {
      const { blob_id } = request.params as { blob_id: string };
      const blob = /^\d+$/.test(blob_id) ? await stores.pins.getBlob(blob_id) : undefined;
      if (!blob) return reply.code(404).send({ code: 404, message: 'Image not found.' });
      return reply.header('content-type', blob.content_type).header('cache-control', 'public, max-age=31536000, immutable').send(blob.data);
    });
    // Pinterest serves each size at a URL named by the picture's hash (i.pinimg.com/150x150/<hash>.jpg).
    app.get('/media/images/:size/:file', async (request, reply) => {
      const { size, file } = request.params as { size: string; file: string };
      const match = /^[0-9a-f]{64}\.([a-z]+)$/.exec(file);
      const contentType = match ? CONTENT_TYPE_OF_EXT[match[1]] : undefined;
      const bytes = contentType && IMAGE_PATH_SIZES.has(size) ? await stores.images.file(`images/${size}/${file}`) : null;
      if (!bytes) return reply.code(404).send({ code: 404, message: 'Image not found.' });
      return reply.header('content-type', contentType!).header('cache-control', 'public, max-age=31536000, immutable').send(bytes);
    });
  }

  /**
   * Forgets what the families keep in this process beside the store (cached token
   * grants), after the store changed under them: the control plane's reset and
   * restore call it. A family that caches what it read from the store adds its own here.
   */
  async function forgetCached(): Promise<void> {
    stores.tokens.forgetCached();
    // The analytics seed is read once from the store; a restored store brings its own.
    await services.analytics.useSeed();
  }

  return { stores, services, routes, publicRoutes, forgetCached };
}

export type Families = ReturnType<typeof buildFamilies>;
