import { createHmac } from 'node:crypto';
import { defineFamily } from '../family.js';
import { userAccountFamily } from '../user-account/family.js';
import { AppStore } from './app-store.js';
import { CodeStore } from './code-store.js';
import { oauthFixtures } from './fixtures.js';
import { OAUTH_MIGRATIONS } from './migrations.js';
import { oauthPages } from './pages.js';
import { oauthRoutes } from './routes.js';
import { OAuthService } from './service.js';
import { SessionStore } from './session-store.js';
import { TokenStore } from './token-store.js';

/** Apps, tokens and Pinterest's OAuth 2.0: the token endpoints under /v5 and the authorize pages (www.pinterest.com/oauth/). */
export const oauthFamily = defineFamily({
  name: 'oauth',
  uses: { userAccount: userAccountFamily },
  migrations: OAUTH_MIGRATIONS,
  build(core, { userAccount }) {
    const { db, clock, ids } = core;
    const users = userAccount.stores.users;
    const stores = { apps: new AppStore(db, clock), tokens: new TokenStore(db, clock), codes: new CodeStore(clock), sessions: new SessionStore(db, clock) };
    const oauth = new OAuthService({ db, clock, ids, apps: stores.apps, users, tokens: stores.tokens, codes: stores.codes });
    const pages = oauthPages({
      oauth,
      sessions: stores.sessions,
      csrfKey: createHmac('sha256', core.instanceSecret).update('oauth-pages-csrf').digest(),
    });
    return {
      stores,
      services: { oauth },
      routes: oauthRoutes({ oauth, clock }),
      pages: (app) => void app.register(pages),
      // Resolved token grants are kept for up to a second; a reset or restore changes them at once.
      forgetCached: () => stores.tokens.forgetCached(),
      fixtures: oauthFixtures(stores.apps, stores.tokens),
    };
  },
});
