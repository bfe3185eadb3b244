import { boardsFamily } from '../boards/family.js';
import { defineFamily } from '../family.js';
import { mediaFamily } from '../media/family.js';
import { boardPinRoutes } from './board-pin-routes.js';
import { pinFixtures } from './fixtures.js';
import { PIN_MIGRATIONS } from './migrations.js';
import { pinRoutes, type PinMetricsOf } from './routes.js';
import { PinService } from './service.js';
import { PinStore } from './store.js';

/**
 * Where the `pin_metrics` of Pins come from. The analytics family, which builds on
 * Pins, provides them when it is built; until then a Pin has none (null).
 */
export class PinMetricsSource {
  private source: PinMetricsOf | null = null;
  provide(source: PinMetricsOf): void {
    this.source = source;
  }
  readonly of: PinMetricsOf = async (pin, viewerId) => (this.source ? this.source(pin, viewerId) : null);
}

/** Pins (the spec's `pins` tag) and the Pins on boards and sections. */
export const pinsFamily = defineFamily({
  name: 'pins',
  uses: { boards: boardsFamily, media: mediaFamily },
  migrations: PIN_MIGRATIONS,
  build(core, { boards, media }) {
    const { db, ids, clock, bookmarks } = core;
    const store = new PinStore(db);
    const pins = new PinService({
      db,
      pins: store,
      boards: boards.stores.boards,
      boardService: boards.services.boards,
      ids,
      clock,
      bookmarks,
      images: media.services.images,
      imageStore: media.stores.images,
      videos: { uploads: media.services.uploads, keyFrames: media.services.keyFrames },
    });
    const pinMetrics = new PinMetricsSource();
    return {
      stores: { pins: store },
      services: { pins },
      pinMetrics,
      routes: [...pinRoutes({ pins, pinMetrics: pinMetrics.of, mediaUrls: media.services.mediaUrls }), ...boardPinRoutes({ pins, mediaUrls: media.services.mediaUrls })],
      fixtures: [pinFixtures(core, { pins: store, boards: boards.stores.boards }, media.services.images)],
      // Pictures of Pins made before the image pipeline, by the id of their row.
      pages: (app) => {
        app.get('/media/blobs/:blob_id', async (request, reply) => {
          const { blob_id } = request.params as { blob_id: string };
          const blob = /^\d+$/.test(blob_id) ? await store.getBlob(blob_id) : undefined;
          if (!blob) return reply.code(404).send({ code: 404, message: 'Image not found.' });
          return reply.header('content-type', blob.content_type).header('cache-control', 'public, max-age=31536000, immutable').send(blob.data);
        });
      },
    };
  },
});
