import { ALL_SCOPES } from '../../kernel/scopes.js';
import type { Core, Families } from '../index.js';
import { newClientSecret } from './app-store.js';

export const DEV_USERNAME = 'pinbox_dev';
const DEV_APP_NAME = 'pinbox dev app';

export interface DevIdentity {
  user: { id: string; username: string };
  app: { id: string; secret: string | null };
  token: string;
  tokenExpiresAt: number;
}

/**
 * The identity a newcomer gets on start: a business user, a developer app it
 * owns and an access token with every scope. On a persistent store the user and
 * app are found again; the app secret is shown only when it is made (or fixed by
 * the caller), since only its hash is kept.
 */
export async function ensureDevIdentity(
  core: Core,
  families: Families,
  options: { token?: string; clientSecret?: string },
): Promise<DevIdentity> {
  const { users, apps, tokens } = families.stores;
  return core.db.transaction(async (tx) => {
    const user =
      (await users.getByUsername(DEV_USERNAME, tx)) ??
      (await users.create(tx, {
        username: DEV_USERNAME,
        accountType: 'BUSINESS',
        businessName: 'pinbox Dev Studio',
        about: 'The developer account pinbox makes on start.',
      }));
    let app = await apps.findByOwner(user.id, DEV_APP_NAME, tx);
    let secret: string | null = options.clientSecret ?? null;
    if (!app) {
      secret ??= newClientSecret();
      app = await apps.create(tx, { name: DEV_APP_NAME, ownerUserId: user.id, tier: 'standard', secret });
    } else if (options.clientSecret) {
      await apps.setSecret(tx, app.id, options.clientSecret);
    }
    const issued = await tokens.issue(tx, { userId: user.id, appId: app.id, scopes: ALL_SCOPES, token: options.token });
    return {
      user: { id: user.id, username: user.username },
      app: { id: app.id, secret },
      token: issued.token,
      tokenExpiresAt: issued.expiresAt,
    };
  });
}
