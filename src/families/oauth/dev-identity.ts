import { ALL_SCOPES } from '../../kernel/scopes.js';
import type { Core, Families } from '../registry.js';
import { newClientSecret, redirectUriProblem } from './app-store.js';
import { hashPassword, newPassword } from './password.js';

export const DEV_USERNAME = 'pinbox_dev';
export const DEV_APP_NAME = 'pinbox dev app';

export interface DevIdentity {
  /** `password` is shown only when it is made or set, since only its hash is kept. */
  user: { id: string; username: string; password: string | null };
  /** `secret` likewise; `redirectUris` are every URI registered for the app. */
  app: { id: string; name: string; secret: string | null; redirectUris: string[] };
  token: string;
  tokenExpiresAt: number;
}

export interface DevIdentityOptions {
  token?: string;
  clientSecret?: string;
  /** Username of the dev user (default `pinbox_dev`). */
  username?: string;
  /** Sets the dev user's password (default: a random one when the user is made). */
  password?: string;
  /** Redirect URIs to register for the dev app, added to those it has. */
  redirectUris?: readonly string[];
}

/**
 * The identity a newcomer gets on start: a business user who can sign in to the
 * OAuth pages, a developer app it owns (with the redirect URIs asked for) and an
 * access token with every scope. On a persistent store the user and app are found
 * again; the app secret and the password are shown only when they are made (or
 * set by the caller), since only their hashes are kept.
 */
export async function ensureDevIdentity(core: Core, families: Families, options: DevIdentityOptions): Promise<DevIdentity> {
  const { users, apps, tokens } = families.stores;
  for (const uri of options.redirectUris ?? []) {
    const problem = redirectUriProblem(uri);
    if (problem) throw new Error(`--redirect-uri '${uri}' ${problem}`);
  }
  const username = options.username ?? DEV_USERNAME;
  const existing = await users.getByUsername(username);
  // Hashing is slow on purpose, so it happens before the transaction.
  const password = options.password ?? (existing ? null : newPassword());
  const passwordHash = password === null ? null : await hashPassword(password);
  return core.db.transaction(async (tx) => {
    let user = await users.getByUsername(username, tx);
    if (!user) {
      user = await users.create(tx, {
        username,
        accountType: 'BUSINESS',
        businessName: 'pinbox Dev Studio',
        about: 'The developer account pinbox makes on start.',
        passwordHash: passwordHash ?? undefined,
      });
    } else if (passwordHash !== null) {
      await users.setPasswordHash(tx, user.id, passwordHash);
    }
    let app = await apps.findByOwner(user.id, DEV_APP_NAME, tx);
    let secret: string | null = options.clientSecret ?? null;
    if (!app) {
      secret ??= newClientSecret();
      app = await apps.create(tx, { name: DEV_APP_NAME, ownerUserId: user.id, tier: 'standard', secret });
    } else if (options.clientSecret) {
      await apps.setSecret(tx, app.id, options.clientSecret);
    }
    for (const uri of options.redirectUris ?? []) await apps.addRedirectUri(tx, app.id, uri);
    const issued = await tokens.issue(tx, { userId: user.id, appId: app.id, scopes: ALL_SCOPES, token: options.token });
    return {
      user: { id: user.id, username: user.username, password },
      app: { id: app.id, name: app.name, secret, redirectUris: await apps.redirectUris(app.id, tx) },
      token: issued.token,
      tokenExpiresAt: issued.expiresAt,
    };
  });
}
