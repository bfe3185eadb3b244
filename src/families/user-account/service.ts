import type { AuthContext } from '../../kernel/auth.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { Bookmarks, Page, PageRequest } from '../../kernel/pagination.js';
import type { Database } from '../../storage/database.js';
import type { AccountCounts, InterestRow, UserRow, UserStore } from './store.js';

/** The signed-in user's account, follows, followed interests and linked businesses. */
export class UserAccountService {
  constructor(private readonly deps: { db: Database; users: UserStore; bookmarks: Bookmarks }) {}

  async account(auth: AuthContext): Promise<{ user: UserRow; counts: AccountCounts }> {
    const user = await this.deps.users.getById(auth.userId);
    // The token outlived its user (deleted by a reset): the token no longer authenticates anyone.
    if (!user) throw new ApiError('authentication_failed');
    return { user, counts: await this.deps.users.counts(auth.userId) };
  }

  businesses(auth: AuthContext): Promise<UserRow[]> {
    return this.deps.users.linkedBusinesses(auth.userId);
  }

  followers(auth: AuthContext, page: PageRequest): Promise<Page<UserRow>> {
    return this.deps.bookmarks.page(`followers/list:${auth.userId}`, page, (u) => u.id, (after, limit) =>
      this.deps.users.followers(auth.userId, after, limit),
    );
  }

  following(auth: AuthContext, explicitOnly: boolean, page: PageRequest): Promise<Page<UserRow>> {
    return this.deps.bookmarks.page(`user_following/get:${auth.userId}:${explicitOnly ? 1 : 0}`, page, (u) => u.id, (after, limit) =>
      this.deps.users.following(auth.userId, explicitOnly, after, limit),
    );
  }

  async follow(auth: AuthContext, username: string): Promise<UserRow> {
    const target = await this.deps.users.getByUsername(username);
    if (!target) throw new ApiError('user_not_found');
    if (target.id === auth.userId) throw invalidField('username', 'is the signed-in user, who cannot follow themselves');
    await this.deps.db.transaction((tx) => this.deps.users.follow(tx, auth.userId, target.id));
    return target;
  }

  async followedInterests(username: string, page: PageRequest): Promise<Page<InterestRow>> {
    const user = await this.deps.users.getByUsername(username);
    if (!user) throw new ApiError('user_not_found');
    return this.deps.bookmarks.page(`user_account/followed_interests:${user.id}`, page, (i) => i.id, (after, limit) =>
      this.deps.users.followedInterests(user.id, after, limit),
    );
  }
}
