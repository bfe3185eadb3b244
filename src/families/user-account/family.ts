import { boardsFamily } from '../boards/family.js';
import { defineFamily } from '../family.js';
import { userFixtures } from './fixtures.js';
import { USER_ACCOUNT_MIGRATIONS } from './migrations.js';
import { userAccountRoutes } from './routes.js';
import { UserAccountService } from './service.js';
import { UserStore } from './store.js';

/** The user account: users, follows, interests, linked businesses (the spec's `user_account` and follower tags). */
export const userAccountFamily = defineFamily({
  name: 'user_account',
  uses: { boards: boardsFamily },
  migrations: USER_ACCOUNT_MIGRATIONS,
  build(core, { boards }) {
    const users = new UserStore(core.db, core.clock, core.ids);
    const accounts = new UserAccountService({ db: core.db, users, bookmarks: core.bookmarks });
    return {
      stores: { users },
      services: { accounts },
      routes: userAccountRoutes({ accounts, boards: boards.services.boards, boardStore: boards.stores.boards }),
      fixtures: [userFixtures(users)],
    };
  },
});
