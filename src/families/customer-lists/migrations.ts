import type { Migration } from '../../storage/migrate.js';

/**
 * Customer lists and their uploads. Pinterest: "Your original list will be deleted
 * when the matching process is complete", so a list keeps only whom it matched
 * (`customer_list_members`: `user:<id>` or `member:<n>` of the seeded population).
 * Records waiting for matching are kept as digests (a plain email is hashed on
 * arrival) in `customer_list_batches`, and an upload's parts in
 * `customer_list_upload_parts`; both go once matched. Instants are milliseconds.
 */
export const CUSTOMER_LIST_MIGRATIONS: readonly Migration[] = [
  {
    version: 8,
    name: 'customer-lists',
    sql: `
CREATE TABLE customer_lists (
  id TEXT PRIMARY KEY,
  ad_account_id TEXT NOT NULL REFERENCES ad_accounts(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  list_type TEXT NOT NULL,
  status TEXT NOT NULL,
  num_batches INTEGER NOT NULL,
  num_uploaded INTEGER NOT NULL,
  num_removed INTEGER NOT NULL,
  matched INTEGER NOT NULL,
  due_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX customer_lists_account ON customer_lists(ad_account_id, id);
CREATE INDEX customer_lists_due ON customer_lists(due_at);

CREATE TABLE customer_list_batches (
  id TEXT PRIMARY KEY,
  list_id TEXT NOT NULL REFERENCES customer_lists(id) ON DELETE CASCADE,
  operation TEXT NOT NULL,
  digests TEXT NOT NULL
);
CREATE INDEX customer_list_batches_list ON customer_list_batches(list_id, id);

CREATE TABLE customer_list_members (
  list_id TEXT NOT NULL REFERENCES customer_lists(id) ON DELETE CASCADE,
  member TEXT NOT NULL,
  PRIMARY KEY (list_id, member)
);

CREATE TABLE customer_list_uploads (
  id TEXT PRIMARY KEY,
  list_id TEXT NOT NULL REFERENCES customer_lists(id) ON DELETE CASCADE,
  ad_account_id TEXT NOT NULL,
  operation TEXT NOT NULL,
  total_parts INTEGER NOT NULL,
  state TEXT NOT NULL,
  record_counts TEXT,
  error_counts TEXT,
  due_at BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE customer_list_upload_parts (
  upload_id TEXT NOT NULL REFERENCES customer_list_uploads(id) ON DELETE CASCADE,
  part_number INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (upload_id, part_number)
);
`,
  },
];
