import { defineFixtureSection, invalidFixture } from '../fixture-section.js';
import { hashPassword } from '../oauth/password.js';
import type { UserStore } from './store.js';

/** A user of a fixture file. */
export interface UserFixture {
  username: string;
  password?: string;
  account_type?: 'personal' | 'business';
  business_name?: string;
  about?: string;
  website_url?: string;
}

const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;

/** The fixture's `users`, named by username (kind `user`) by every other section. */
export function userFixtures(users: UserStore) {
  return defineFixtureSection({
    key: 'users',
    item: {
      type: 'object',
      additionalProperties: false,
      required: ['username'],
      properties: {
        username: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' },
        password: { type: 'string', minLength: 1 },
        account_type: { enum: ['personal', 'business'] },
        business_name: text(100),
        about: text(500),
        website_url: text(2048),
      },
    },
    lookup: { kind: 'user', find: async (username, q) => (await users.getByUsername(username, q))?.id ?? null },
    async check(items: readonly UserFixture[], { names }) {
      for (const [i, user] of items.entries()) {
        if ((await names.known('user', user.username)) || !names.declare('user', user.username)) throw invalidFixture(`users[${i}].username`, `${user.username} is taken`);
      }
      // Only the hashes are stored; hashing is the slow part, done before the transaction.
      return Promise.all(items.map((user) => (user.password === undefined ? undefined : hashPassword(user.password))));
    },
    async write(tx, items, passwords, { names }) {
      const made: { username: string; id: string }[] = [];
      for (const [i, user] of items.entries()) {
        const business = user.account_type === 'business';
        const row = await users.create(tx, {
          username: user.username,
          accountType: business ? 'BUSINESS' : 'PINNER',
          businessName: business ? (user.business_name ?? user.username) : null,
          about: user.about,
          websiteUrl: user.website_url,
          passwordHash: passwords[i],
        });
        names.record('user', user.username, row.id);
        made.push({ username: row.username, id: row.id });
      }
      return made;
    },
  });
}
