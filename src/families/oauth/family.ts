import { createHmac } from 'node:crypto';
import { AuthAttempts } from '../../kernel/auth-attempts.js';
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
    const stores = { apps: new AppStore(db, clock), tokens: new TokenStore(db, clock, core.invalidations), codes: new CodeStore(clock), sessions: new SessionStore(db, clock) };
    // Failed client authentications and sign-ins, in this process until the server shares them through Redis.
    const authAttempts = new AuthAttempts(clock);
    const oauth = new OAuthService({ db, clock, ids, apps: stores.apps, users, tokens: stores.tokens, codes: stores.codes, attempts: authAttempts });
    const pages = oauthPages({
      oauth,
      sessions: stores.sessions,
      clients: stores.apps,
      attempts: authAttempts,
      csrfKey: createHmac('sha256', core.instanceSecret).update('oauth-pages-csrf').digest(),
    });
    return {
      stores,
      services: { oauth, authAttempts },
      routes: oauthRoutes({ oauth, clock }),
      pages: (app) => void app.register(pages),
      // Resolved token grants are kept beside the store; a reset or restore changes them at once.
      // Failed attempts are forgotten with the rate-limit counts.
      forgetCached: async () => {
        stores.tokens.forgetCached();
        await authAttempts.clear();
      },
      fixtures: oauthFixtures(stores.apps, stores.tokens),
    };
  },
});
