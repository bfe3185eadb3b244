import { pinterestTimestamp } from '../kernel/clock.js';
import { ApiError } from '../kernel/errors.js';
import { ALL_SCOPES, parseScopes, type Scope } from '../kernel/scopes.js';
import type { Core, Families } from '../families/registry.js';
import { newClientSecret, redirectUriProblem } from '../families/oauth/app-store.js';
import { ACCESS_TIERS, type AccessTier } from '../kernel/rate-limits/tiers.js';
import { DEV_USERNAME } from '../families/oauth/dev-identity.js';
import { hashPassword } from '../families/oauth/password.js';
import { describeInspection, type TokenDescription } from '../families/oauth/token-inspection.js';
import type { AccountType, UserRow } from '../families/user-account/store.js';

function checkAccess(access: { tier?: unknown; sandbox?: unknown }): void {
  if (access.tier !== undefined && !ACCESS_TIERS.includes(access.tier as AccessTier)) {
    throw new ApiError('invalid_parameters', `Invalid parameters: 'tier' must be one of ${ACCESS_TIERS.join(', ')}.`);
  }
  if (access.sandbox !== undefined && typeof access.sandbox !== 'boolean') {
    throw new ApiError('invalid_parameters', `Invalid parameters: 'sandbox' must be true or false.`);
  }
}

function checkRedirectUri(uri: string): void {
  const problem = redirectUriProblem(uri);
  if (problem) throw new ApiError('invalid_parameters', `Invalid parameters: 'redirect_uri' ${uri} ${problem}.`);
}

/**
 * Emulator-side operations that Pinterest's API does not offer but tests need:
 * making users and tokens, sharing a board with a collaborator, follows. Reached
 * from the programmatic entry (`pinbox.admin`); never from `/v5`.
 */
export class Admin {
  constructor(
    private readonly core: Core,
    private readonly families: Families,
    /** The app tokens are issued for when none is named: the dev app (null when the store has none). */
    private readonly defaultAppId: string | null,
  ) {}

  private async user(username: string): Promise<UserRow> {
    const user = await this.families.stores.users.getByUsername(username);
    if (!user) throw new ApiError('user_not_found', `User '${username}' not found.`);
    return user;
  }

  /**
   * Creates a user. With a password, the user can sign in on the OAuth pages
   * (only a slow hash of it is stored).
   * @example await pinbox.admin.createUser({ username: 'alice', password: 'wonderland' })
   */
  async createUser(input: {
    username: string;
    password?: string;
    accountType?: AccountType;
    businessName?: string;
  }): Promise<{ id: string; username: string }> {
    if (!/^[A-Za-z0-9_.-]{1,100}$/.test(input.username)) {
      throw new ApiError('invalid_parameters', `Invalid parameters: 'username' must be 1 to 100 letters, digits, '_', '.' or '-'.`);
    }
    if (await this.families.stores.users.getByUsername(input.username)) {
      throw new ApiError('invalid_parameters', `Invalid parameters: 'username' ${input.username} is taken.`);
    }
    const passwordHash = input.password === undefined ? undefined : await hashPassword(input.password);
    const row = await this.core.db.transaction((tx) => this.families.stores.users.create(tx, { ...input, passwordHash }));
    return { id: row.id, username: row.username };
  }

  /** Sets (or with null, removes) the password a user signs in to the OAuth pages with. */
  async setPassword(username: string, password: string | null): Promise<void> {
    const user = await this.user(username);
    const passwordHash = password === null ? null : await hashPassword(password);
    await this.core.db.transaction((tx) => this.families.stores.users.setPasswordHash(tx, user.id, passwordHash));
  }

  /**
   * Registers a developer app, owned by `owner` (default the dev user), with its
   * redirect URIs and access tier (default trial, as new Pinterest apps start).
   * The client secret is returned once; only its hash is stored.
   * @example const { id, secret } = await pinbox.admin.createApp({ redirectUris: ['http://127.0.0.1:8080/callback'] })
   */
  async createApp(input: {
    name?: string;
    owner?: string;
    redirectUris?: readonly string[];
    tier?: AccessTier;
    /** Calls the API sandbox rather than production (default false): trial apps create Pins only there. */
    sandbox?: boolean;
    secret?: string;
  }): Promise<{ id: string; name: string; secret: string; owner: string; tier: AccessTier; sandbox: boolean; redirectUris: string[] }> {
    const owner = await this.user(input.owner ?? DEV_USERNAME);
    for (const uri of input.redirectUris ?? []) checkRedirectUri(uri);
    checkAccess(input);
    const secret = input.secret ?? newClientSecret();
    const { apps } = this.families.stores;
    return this.core.db.transaction(async (tx) => {
      const app = await apps.create(tx, { name: input.name ?? 'pinbox app', ownerUserId: owner.id, tier: input.tier, sandbox: input.sandbox, secret });
      for (const uri of input.redirectUris ?? []) await apps.addRedirectUri(tx, app.id, uri);
      const redirectUris = await apps.redirectUris(app.id, tx);
      return { id: app.id, name: app.name, secret, owner: owner.username, tier: app.tier, sandbox: app.sandbox, redirectUris };
    });
  }

  /**
   * Changes an app's access tier (which decides its rate limits) or environment
   * (sandbox or production); calls made with its tokens see the change at once.
   * @example await pinbox.admin.setAppAccess(appId, { tier: 'trial', sandbox: true })
   */
  async setAppAccess(appId: string, access: { tier?: AccessTier; sandbox?: boolean }): Promise<{ id: string; tier: AccessTier; sandbox: boolean }> {
    checkAccess(access);
    const { apps, tokens } = this.families.stores;
    if (!(await apps.get(appId))) throw new ApiError('invalid_parameters', `Invalid parameters: no app has the id ${appId}.`);
    await this.core.db.transaction((tx) => apps.setAccess(tx, appId, access));
    // Every process holds the app's tier in the grants it resolved: they go everywhere.
    await tokens.forgetCachedEverywhere();
    const app = (await apps.get(appId))!;
    return { id: app.id, tier: app.tier, sandbox: app.sandbox };
  }

  /** Registers one more redirect URI for an app. */
  async addRedirectUri(appId: string, uri: string): Promise<void> {
    checkRedirectUri(uri);
    if (!(await this.families.stores.apps.get(appId))) throw new ApiError('invalid_parameters', `Invalid parameters: no app has the id ${appId}.`);
    await this.core.db.transaction((tx) => this.families.stores.apps.addRedirectUri(tx, appId, uri));
  }

  /** What a token is: user, app, scopes, expiry, state (like Pinterest's token debugger). */
  async inspectToken(token: string): Promise<TokenDescription> {
    return describeInspection(await this.families.services.oauth.inspect(token));
  }

  /**
   * Issues an access token for a user with the scopes given (default: all).
   * @example const { token } = await pinbox.admin.issueToken({ username: 'alice', scopes: ['boards:read'] })
   */
  async issueToken(input: { username: string; scopes?: readonly string[]; appId?: string; lifetimeMs?: number }): Promise<{ token: string; expiresAt: number }> {
    const user = await this.user(input.username);
    const { scopes, unknown } = parseScopes((input.scopes ?? ALL_SCOPES).join(','));
    if (unknown.length) throw new ApiError('invalid_parameters', `Unknown scopes: ${unknown.join(', ')}`);
    const appId = input.appId ?? this.defaultAppId;
    if (appId === null || !(await this.families.stores.apps.get(appId))) {
      throw new ApiError('invalid_parameters', `Invalid parameters: no app to issue the token for; name one with 'appId'.`);
    }
    const issued = await this.core.db.transaction((tx) =>
      this.families.stores.tokens.issue(tx, {
        userId: user.id,
        appId,
        scopes: scopes as Scope[],
        lifetimeMs: input.lifetimeMs,
      }),
    );
    return { token: issued.token, expiresAt: issued.expiresAt };
  }

  /** Makes `username` a collaborator on a board (a group board). */
  async addCollaborator(boardId: string, username: string): Promise<void> {
    const user = await this.user(username);
    const board = await this.families.stores.boards.get(boardId);
    if (!board) throw new ApiError('board_not_found');
    const now = pinterestTimestamp(this.core.clock.now());
    await this.core.db.transaction((tx) => this.families.stores.boards.addCollaborator(tx, boardId, user.id, now));
  }

  async followBoard(username: string, boardId: string): Promise<void> {
    const user = await this.user(username);
    const board = await this.families.stores.boards.get(boardId);
    if (!board) throw new ApiError('board_not_found');
    const now = pinterestTimestamp(this.core.clock.now());
    await this.core.db.transaction((tx) => this.families.stores.boards.follow(tx, user.id, boardId, now));
  }

  async followUser(username: string, followeeUsername: string): Promise<void> {
    const [user, followee] = [await this.user(username), await this.user(followeeUsername)];
    await this.core.db.transaction((tx) => this.families.stores.users.follow(tx, user.id, followee.id));
  }

  /** Makes a user follow an interest; the interest is made if it is new. */
  async followInterest(username: string, interest: { id: string; key: string; name: string }): Promise<void> {
    const user = await this.user(username);
    await this.core.db.transaction(async (tx) => {
      await this.families.stores.users.ensureInterest(tx, interest);
      await this.families.stores.users.followInterest(tx, user.id, interest.id);
    });
  }

  async linkBusiness(username: string, businessUsername: string): Promise<void> {
    const [user, business] = [await this.user(username), await this.user(businessUsername)];
    await this.core.db.transaction((tx) => this.families.stores.users.linkBusiness(tx, user.id, business.id));
  }

  /**
   * Fixes a Pin's analytics for the given days (`YYYY-MM-DD`, UTC) in place of the
   * generator's numbers; `null` gives a metric back to the generator. Real events
   * (saves through the API) still add on top, and account figures follow.
   * @example await pinbox.admin.setPinMetrics(pinId, { dates: ['2026-11-20'], metrics: { IMPRESSION: 500, SAVE: 12 } })
   */
  async setPinMetrics(pinId: string, input: { dates: readonly string[]; metrics: Record<string, number | null> }): Promise<void> {
    await this.families.services.analytics.setPinMetrics(pinId, input.dates, input.metrics);
  }

  /**
   * Fixes an ad's delivery figures for whole days (`YYYY-MM-DD`, UTC, today at the
   * latest): IMPRESSION, CLICKTHROUGH, OUTBOUND_CLICK, SAVE, VIDEO_START,
   * VIDEO_MRC_VIEW, VIDEO_P100_COMPLETE, SPEND_IN_MICRO_DOLLAR. Its ad group,
   * campaign and account add them up; budgets count the spend.
   * @example await pinbox.admin.setAdMetrics(adId, { dates: ['2026-11-20'], metrics: { IMPRESSION: 500, SPEND_IN_MICRO_DOLLAR: 2_000_000 } })
   */
  async setAdMetrics(adId: string, input: { dates: readonly string[]; metrics: Record<string, number> }): Promise<void> {
    await this.families.services.adDelivery.setAdMetrics(adId, input.dates, input.metrics);
  }
}
