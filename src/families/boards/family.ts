import { defineFamily } from '../family.js';
import { boardFixtures } from './fixtures.js';
import { BOARD_MIGRATIONS } from './migrations.js';
import { boardRoutes } from './routes.js';
import { BoardService } from './service.js';
import { BoardStore } from './store.js';

/** Boards and board sections (the spec's `boards` tag; the Pins on them are the pins family's). */
export const boardsFamily = defineFamily({
  name: 'boards',
  uses: {},
  migrations: BOARD_MIGRATIONS,
  build(core) {
    const { db, ids, clock, bookmarks } = core;
    const store = new BoardStore(db);
    const boards = new BoardService({ db, boards: store, ids, clock, bookmarks });
    return {
      stores: { boards: store },
      services: { boards },
      routes: boardRoutes({ boards, boardStore: store }),
      fixtures: [boardFixtures(core, store)],
    };
  },
});
