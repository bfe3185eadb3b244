import { pinterestTimestamp } from '../kernel/clock.js';
import { ApiError } from '../kernel/errors.js';
import { ALL_SCOPES, parseScopes, type Scope } from '../kernel/scopes.js';
import type { Core, Families } from '../families/index.js';
import type { AccountType, UserRow } from '../families/user-account/store.js';

/**
 * Emulator-side operations that Pinterest's API does not offer but tests need:
 * making users and tokens, sharing a board with a collaborator, follows. Reached
 * from the programmatic entry (`pinbox.admin`); never from `/v5`.
 */
export class Admin {
  constructor(
    private readonly core: Core,
    private readonly families: Families,
    private readonly defaultAppId: string,
  ) {}

  private async user(username: string): Promise<UserRow> {
    const user = await this.families.stores.users.getByUsername(username);
    if (!user) throw new ApiError('user_not_found', `User '${username}' not found.`);
    return user;
  }

  /**
   * Creates a user.
   * @example await pinbox.admin.createUser({ username: 'alice' })
   */
  async createUser(input: { username: string; accountType?: AccountType; businessName?: string }): Promise<{ id: string; username: string }> {
    const row = await this.core.db.transaction((tx) => this.families.stores.users.create(tx, input));
    return { id: row.id, username: row.username };
  }

  /**
   * Issues an access token for a user with the scopes given (default: all).
   * @example const { token } = await pinbox.admin.issueToken({ username: 'alice', scopes: ['boards:read'] })
   */
  async issueToken(input: { username: string; scopes?: readonly string[]; appId?: string; lifetimeMs?: number }): Promise<{ token: string; expiresAt: number }> {
    const user = await this.user(input.username);
    const { scopes, unknown } = parseScopes((input.scopes ?? ALL_SCOPES).join(','));
    if (unknown.length) throw new ApiError('invalid_parameters', `Unknown scopes: ${unknown.join(', ')}`);
    const issued = await this.core.db.transaction((tx) =>
      this.families.stores.tokens.issue(tx, {
        userId: user.id,
        appId: input.appId ?? this.defaultAppId,
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
}
