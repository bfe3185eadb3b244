import { boardsFamily } from '../boards/family.js';
import { defineFamily } from '../family.js';
import { mediaFamily } from '../media/family.js';
import { pinsFamily } from '../pins/family.js';
import { SEARCH_MIGRATIONS } from './migrations.js';
import { searchRoutes } from './routes.js';
import { SearchService } from './service.js';
import { SearchStore } from './store.js';

/** Full-text search over the caller's Pins and boards and the instance's public Pins (the spec's `search` tag). */
export const searchFamily = defineFamily({
  name: 'search',
  uses: { boards: boardsFamily, media: mediaFamily, pins: pinsFamily },
  migrations: SEARCH_MIGRATIONS,
  build(core, { boards, media, pins }) {
    const store = new SearchStore(core.db);
    const search = new SearchService({
      store,
      pins: pins.stores.pins,
      boards: boards.stores.boards,
      boardService: boards.services.boards,
      bookmarks: core.bookmarks,
    });
    return { stores: { search: store }, services: { search }, routes: searchRoutes({ search, boardStore: boards.stores.boards, mediaUrls: media.services.mediaUrls }) };
  },
});
