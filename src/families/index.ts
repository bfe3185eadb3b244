import type { FastifyInstance } from 'fastify';
import type { Clock } from '../kernel/clock.js';
import type { IdGenerator } from '../kernel/ids.js';
import type { Bookmarks } from '../kernel/pagination.js';
import type { ApiRoute } from '../kernel/route-policy.js';
import type { Database } from '../storage/database.js';
import { boardRoutes } from './boards/routes.js';
import { BoardService } from './boards/service.js';
import { BoardStore } from './boards/store.js';
import { AppStore } from './oauth/app-store.js';
import { TokenStore } from './oauth/token-store.js';
import { pinRoutes } from './pins/routes.js';
import { PinService } from './pins/service.js';
import { PinStore } from './pins/store.js';
import { userAccountRoutes } from './user-account/routes.js';
import { UserAccountService } from './user-account/service.js';
import { UserStore } from './user-account/store.js';

export interface Core {
  db: Database;
  clock: Clock;
  ids: IdGenerator;
  bookmarks: Bookmarks;
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
    boards: new BoardStore(db),
    pins: new PinStore(db),
  };
  const boards = new BoardService({ db, boards: stores.boards, ids, clock, bookmarks });
  const pins = new PinService({ db, pins: stores.pins, boards: stores.boards, boardService: boards, ids, clock, bookmarks });
  const accounts = new UserAccountService({ db, users: stores.users, bookmarks });
  const services = { boards, pins, accounts };

  const routes: ApiRoute[] = [
    ...userAccountRoutes({ accounts, boards, boardStore: stores.boards }),
    ...boardRoutes({ boards, boardStore: stores.boards, pins }),
    ...pinRoutes({ pins }),
  ];

  /** Routes outside /v5: the bytes of uploaded images, as Pinterest serves them from its image host. */
  function publicRoutes(app: FastifyInstance): void {
    app.get('/media/blobs/:blob_id', async (request, reply) => {
      const { blob_id } = request.params as { blob_id: string };
      const blob = /^\d+$/.test(blob_id) ? await stores.pins.getBlob(blob_id) : undefined;
      if (!blob) return reply.code(404).send({ code: 404, message: 'Image not found.' });
      return reply.header('content-type', blob.content_type).header('cache-control', 'public, max-age=31536000, immutable').send(blob.data);
    });
  }

  return { stores, services, routes, publicRoutes };
}

export type Families = ReturnType<typeof buildFamilies>;
