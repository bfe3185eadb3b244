import type { Migration } from '../../storage/migrate.js';

/** The user account family's tables: users, who follows whom, interests and linked businesses. */
export const USER_ACCOUNT_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'users',
    sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  account_type TEXT NOT NULL,
  business_name TEXT,
  about TEXT NOT NULL DEFAULT '',
  website_url TEXT NOT NULL DEFAULT '',
  profile_image TEXT NOT NULL DEFAULT '',
  password_hash TEXT,
  created_at TEXT NOT NULL
);

CREATE TABLE user_follows (
  follower_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  followee_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  PRIMARY KEY (follower_id, followee_id)
);
CREATE INDEX user_follows_followee ON user_follows(followee_id, follower_id);

CREATE TABLE interests (
  id TEXT PRIMARY KEY,
  key TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL
);

CREATE TABLE user_interests (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  interest_id TEXT NOT NULL REFERENCES interests(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, interest_id)
);

CREATE TABLE linked_businesses (
  user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  business_user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  PRIMARY KEY (user_id, business_user_id)
);
`,
  },
];
