import type { Migration } from '../../storage/migrate.js';

/** Audiences of an ad account; a size and status are derived on every read from what they are built on (a customer list's match). */
export const AUDIENCE_MIGRATIONS: readonly Migration[] = [
  {
    version: 8,
    name: 'audiences',
    sql: `
CREATE TABLE audiences (
  id TEXT PRIMARY KEY,
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT,
  audience_type TEXT NOT NULL,
  rule TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX audiences_account ON audiences(ad_account_id, id);
`,
  },
  {
    version: 8,
    name: 'audience-shares',
    sql: `
CREATE TABLE audience_shares (
  audience_id TEXT NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
  recipient_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  shared_at BIGINT NOT NULL,
  PRIMARY KEY (audience_id, recipient_account_id)
);
CREATE INDEX audience_shares_recipient ON audience_shares(recipient_account_id, audience_id);
`,
  },
  {
    version: 9,
    // Audiences shared with businesses (business-sharing.ts): a business is a BUSINESS
    // user, so the recipient is a users row.
    name: 'audience-business-shares',
    sql: `
CREATE TABLE audience_business_shares (
  audience_id TEXT NOT NULL REFERENCES audiences(id) ON DELETE CASCADE,
  recipient_business_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  shared_at BIGINT NOT NULL,
  PRIMARY KEY (audience_id, recipient_business_id)
);
CREATE INDEX audience_business_shares_recipient ON audience_business_shares(recipient_business_id, audience_id);
`,
  },
];
