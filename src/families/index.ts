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
  };
  const images = new ImageService(stores.images, core.fetchLimits);
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
  });
  const accounts = new UserAccountService({ db, users: stores.users, bookmarks });
  const oauth = new OAuthService({ db, clock, ids, apps: stores.apps, users: stores.users, tokens: stores.tokens, codes: stores.codes });
  const services = { boards, pins, accounts, oauth, images };

  const routes: ApiRoute[] = [
    ...oauthRoutes({ oauth, clock }),
    ...userAccountRoutes({ accounts, boards, boardStore: stores.boards }),
    ...boardRoutes({ boards, boardStore: stores.boards, pins }),
    ...pinRoutes({ pins }),
  ];

  const pages = oauthPages({
    oauth,
    sessions: stores.sessions,
    csrfKey: createHmac('sha256', core.instanceSecret).update('oauth-pages-csrf').digest(),
  });

  /**
   * Routes outside /v5: the OAuth pages (Pinterest's www.pinterest.com/oauth/) and the
   * bytes of uploaded images, as Pinterest serves them from its image host.
   */
  function publicRoutes(app: FastifyInstance): void {
    app.register(pages);
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
  }

  return { stores, services, routes, publicRoutes, forgetCached };
}

export type Families = ReturnType<typeof buildFamilies>;
