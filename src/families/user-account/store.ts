import type { Clock } from '../../kernel/clock.js';
import { pinterestTimestamp } from '../../kernel/clock.js';
import type { IdGenerator } from '../../kernel/ids.js';
import type { Database, Queryable, SqlValue } from '../../storage/database.js';

export type AccountType = 'PINNER' | 'BUSINESS';

export interface UserRow {
  id: string;
  username: string;
  account_type: AccountType;
  business_name: string | null;
  about: string;
  website_url: string;
  profile_image: string;
  created_at: string;
}

export interface AccountCounts {
  board_count: number;
  pin_count: number;
  follower_count: number;
  following_count: number;
}

export interface InterestRow {
  id: string;
  key: string;
  name: string;
}

const USER_COLUMNS = 'id, username, account_type, business_name, about, website_url, profile_image, created_at';

/** Users, who follows whom, followed interests and linked businesses. */
export class UserStore {
  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
  ) {}

  async create(
    q: Queryable,
    user: { username: string; accountType?: AccountType; businessName?: string | null; about?: string; websiteUrl?: string; passwordHash?: string },
  ): Promise<UserRow> {
    const row: UserRow = {
      id: this.ids.next(),
      username: user.username,
      account_type: user.accountType ?? 'PINNER',
      business_name: user.businessName ?? null,
      about: user.about ?? '',
      website_url: user.websiteUrl ?? '',
      profile_image: '',
      created_at: pinterestTimestamp(this.clock.now()),
    };
    await q.run(`INSERT INTO users (${USER_COLUMNS}, password_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`, [
      row.id,
      row.username,
      row.account_type,
      row.business_name,
      row.about,
      row.website_url,
      row.profile_image,
      row.created_at,
      user.passwordHash ?? null,
    ]);
    return row;
  }

  /** Sets the hash a user signs in to the OAuth pages with (null: cannot sign in). */
  async setPasswordHash(q: Queryable, userId: string, passwordHash: string | null): Promise<void> {
    await q.run('UPDATE users SET password_hash = ? WHERE id = ?', [passwordHash, userId]);
  }

  /** The user and its stored password hash, for signing in. */
  getWithPasswordHash(username: string): Promise<(UserRow & { password_hash: string | null }) | undefined> {
    return this.db.get(`SELECT ${USER_COLUMNS}, password_hash FROM users WHERE username = ?`, [username]);
  }

  getById(id: string, q: Queryable = this.db): Promise<UserRow | undefined> {
    return q.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`, [id]);
  }

  getByUsername(username: string, q: Queryable = this.db): Promise<UserRow | undefined> {
    return q.get<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE username = ?`, [username]);
  }

  /** Every user, oldest first, with their counts (the console's list; an instance has tens, not millions). */
  async listWithCounts(limit = 500): Promise<(UserRow & AccountCounts)[]> {
    const rows = await this.db.all<UserRow & AccountCounts>(
      `SELECT u.*,
         (SELECT COUNT(*) FROM boards b WHERE b.owner_id = u.id) AS board_count,
         (SELECT COUNT(*) FROM pins p WHERE p.owner_id = u.id) AS pin_count,
         (SELECT COUNT(*) FROM user_follows f WHERE f.followee_id = u.id) AS follower_count,
         (SELECT COUNT(*) FROM user_follows f WHERE f.follower_id = u.id) AS following_count
       FROM users u ORDER BY u.created_at, u.id LIMIT ?`,
      [limit],
    );
    return rows.map((row) => ({
      ...row,
      board_count: Number(row.board_count),
      pin_count: Number(row.pin_count),
      follower_count: Number(row.follower_count),
      following_count: Number(row.following_count),
    }));
  }

  async counts(userId: string): Promise<AccountCounts> {
    const row = await this.db.get<AccountCounts>(
      `SELECT
         (SELECT COUNT(*) FROM boards WHERE owner_id = ?) AS board_count,
         (SELECT COUNT(*) FROM pins WHERE owner_id = ?) AS pin_count,
         (SELECT COUNT(*) FROM user_follows WHERE followee_id = ?) AS follower_count,
         (SELECT COUNT(*) FROM user_follows WHERE follower_id = ?) AS following_count`,
      [userId, userId, userId, userId],
    );
    return {
      board_count: Number(row?.board_count ?? 0),
      pin_count: Number(row?.pin_count ?? 0),
      follower_count: Number(row?.follower_count ?? 0),
      following_count: Number(row?.following_count ?? 0),
    };
  }

  /** Records that `followerId` follows `followeeId`; following twice is a no-op (here and below: ON CONFLICT DO NOTHING). */
  async follow(q: Queryable, followerId: string, followeeId: string): Promise<void> {
    await q.run('INSERT INTO user_follows (follower_id, followee_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
      followerId,
      followeeId,
      pinterestTimestamp(this.clock.now()),
    ]);
  }

  /** Users following `userId`, largest user id first, after the key `after`. */
  followers(userId: string, after: string | null, limit: number): Promise<UserRow[]> {
    return this.db.all<UserRow>(
      `SELECT ${prefixed('u')} FROM user_follows f JOIN users u ON u.id = f.follower_id
       WHERE f.followee_id = ? ${after ? 'AND u.id < ?' : ''} ORDER BY u.id DESC LIMIT ?`,
      after ? [userId, after, limit] : [userId, limit],
    );
  }

  /**
   * Users `userId` follows. Pinterest: without `explicit_following`, the owners of
   * boards the user follows count as followed too (implicit follows).
   */
  following(userId: string, explicitOnly: boolean, after: string | null, limit: number): Promise<UserRow[]> {
    const implicit = explicitOnly
      ? ''
      : 'OR u.id IN (SELECT b.owner_id FROM board_follows bf JOIN boards b ON b.id = bf.board_id WHERE bf.user_id = ?)';
    const params: SqlValue[] = [userId];
    if (!explicitOnly) params.push(userId);
    if (after) params.push(after);
    params.push(limit);
    return this.db.all<UserRow>(
      `SELECT ${USER_COLUMNS} FROM users u
       WHERE (u.id IN (SELECT followee_id FROM user_follows WHERE follower_id = ?) ${implicit})
       ${after ? 'AND u.id < ?' : ''} ORDER BY u.id DESC LIMIT ?`,
      params,
    );
  }

  async ensureInterest(q: Queryable, interest: InterestRow): Promise<void> {
    await q.run('INSERT INTO interests (id, key, name) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [interest.id, interest.key, interest.name]);
  }

  async followInterest(q: Queryable, userId: string, interestId: string): Promise<void> {
    await q.run('INSERT INTO user_interests (user_id, interest_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
      userId,
      interestId,
      pinterestTimestamp(this.clock.now()),
    ]);
  }

  followedInterests(userId: string, after: string | null, limit: number): Promise<InterestRow[]> {
    return this.db.all<InterestRow>(
      `SELECT i.id, i.key, i.name FROM user_interests ui JOIN interests i ON i.id = ui.interest_id
       WHERE ui.user_id = ? ${after ? 'AND i.id < ?' : ''} ORDER BY i.id DESC LIMIT ?`,
      after ? [userId, after, limit] : [userId, limit],
    );
  }

  async linkBusiness(q: Queryable, userId: string, businessUserId: string): Promise<void> {
    await q.run('INSERT INTO linked_businesses (user_id, business_user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [
      userId,
      businessUserId,
      pinterestTimestamp(this.clock.now()),
    ]);
  }

  linkedBusinesses(userId: string): Promise<UserRow[]> {
    return this.db.all<UserRow>(
      `SELECT ${prefixed('u')} FROM linked_businesses l JOIN users u ON u.id = l.business_user_id
       WHERE l.user_id = ? ORDER BY u.username`,
      [userId],
    );
  }
}

function prefixed(alias: string): string {
  return USER_COLUMNS.split(', ')
    .map((column) => `${alias}.${column}`)
    .join(', ');
}
