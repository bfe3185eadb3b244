import type { Migration } from '../../storage/migrate.js';

/** The item columns product group filters are evaluated on (normalised: lower case, paths joined by " > "). */
export const ITEM_FILTER_COLUMNS = [
  'availability',
  'price',
  'currency',
  'brand',
  'item_condition',
  'gender',
  'item_group_id_key',
  'custom_label_0',
  'custom_label_1',
  'custom_label_2',
  'custom_label_3',
  'custom_label_4',
  'custom_number_0',
  'custom_number_1',
  'custom_number_2',
  'custom_number_3',
  'custom_number_4',
  'product_type',
  'google_product_category',
  'title_key',
  'item_id_key',
  'media_type',
] as const;

/**
 * Catalogs: catalogs per user, their feeds, each ingestion's processing result and
 * its sampled item issues, the items (from feeds or item batches), item batches,
 * product groups and catalog reports. Instants are milliseconds (`*_at`) except a
 * product group's, which Pinterest gives in seconds. A catalog belongs to a user
 * (its owner): a user's reset and the cascades take everything under it.
 */
export const CATALOGS_MIGRATIONS: readonly Migration[] = [
  {
    version: 8,
    name: 'catalogs-feeds-items-product-groups',
    sql: `
-- items_state: a new random value at every write to the catalog's items, so what is
-- computed from them (product_counts) can be kept while it is unchanged.
CREATE TABLE catalogs (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  catalog_type TEXT NOT NULL,
  name TEXT,
  items_state TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX catalogs_owner ON catalogs(owner_id, id);

-- next_ingest_at: when the feed's schedule ingests it next, on pinbox's clock.
-- signature: the SHA-256 of the file the last completed ingestion read.
CREATE TABLE catalog_feeds (
  id TEXT PRIMARY KEY,
  catalog_id TEXT NOT NULL REFERENCES catalogs(id) ON DELETE CASCADE,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  format TEXT NOT NULL,
  location TEXT NOT NULL,
  credentials TEXT,
  default_country TEXT,
  default_locale TEXT,
  default_currency TEXT,
  default_availability TEXT,
  schedule TEXT,
  status TEXT NOT NULL,
  next_ingest_at BIGINT,
  signature TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX catalog_feeds_owner ON catalog_feeds(owner_id, id);
CREATE INDEX catalog_feeds_catalog ON catalog_feeds(catalog_id, id);

-- A feed's ingestion: PROCESSING until due_at on the clock, then run once (the
-- claim sets lease_until; a process that died mid-run leaves it to pass), then
-- COMPLETED or FAILED with its counters (summary, JSON).
CREATE TABLE catalog_processing_results (
  id TEXT PRIMARY KEY,
  feed_id TEXT NOT NULL REFERENCES catalog_feeds(id) ON DELETE CASCADE,
  status TEXT NOT NULL,
  due_at BIGINT NOT NULL,
  lease_until BIGINT,
  summary TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX catalog_processing_results_feed ON catalog_processing_results(feed_id, id);
CREATE INDEX catalog_processing_results_status ON catalog_processing_results(status, due_at);

-- Up to 20 samples per code of one processing result, by the item's place in the file.
CREATE TABLE catalog_item_issues (
  result_id TEXT NOT NULL REFERENCES catalog_processing_results(id) ON DELETE CASCADE,
  item_number INTEGER NOT NULL,
  code TEXT NOT NULL,
  severity TEXT NOT NULL,
  item_id TEXT,
  attribute TEXT,
  provided TEXT,
  PRIMARY KEY (result_id, item_number, code)
);

-- An item of a catalog: from a feed (feed_id, and seen_in the ingestion that read it
-- last) or from item batches (feed_id NULL). attributes is the API's shape (JSON),
-- the other columns are what product group filters read.
CREATE TABLE catalog_items (
  catalog_id TEXT NOT NULL REFERENCES catalogs(id) ON DELETE CASCADE,
  item_id TEXT NOT NULL,
  feed_id TEXT REFERENCES catalog_feeds(id) ON DELETE CASCADE,
  seen_in TEXT,
  country TEXT,
  language TEXT,
  attributes TEXT NOT NULL,
  availability TEXT,
  price DOUBLE PRECISION,
  currency TEXT,
  brand TEXT,
  item_condition TEXT,
  gender TEXT,
  item_group_id_key TEXT,
  custom_label_0 TEXT,
  custom_label_1 TEXT,
  custom_label_2 TEXT,
  custom_label_3 TEXT,
  custom_label_4 TEXT,
  custom_number_0 DOUBLE PRECISION,
  custom_number_1 DOUBLE PRECISION,
  custom_number_2 DOUBLE PRECISION,
  custom_number_3 DOUBLE PRECISION,
  custom_number_4 DOUBLE PRECISION,
  product_type TEXT,
  google_product_category TEXT,
  title_key TEXT,
  item_id_key TEXT,
  media_type TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (catalog_id, item_id)
);
CREATE INDEX catalog_items_feed ON catalog_items(feed_id, seen_in);

-- items/batch: PROCESSING until due_at, then carried out once; per-item records (JSON).
CREATE TABLE catalog_item_batches (
  id TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  catalog_id TEXT NOT NULL REFERENCES catalogs(id) ON DELETE CASCADE,
  catalog_type TEXT NOT NULL,
  status TEXT NOT NULL,
  request TEXT NOT NULL,
  records TEXT,
  due_at BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  completed_at BIGINT
);
CREATE INDEX catalog_item_batches_status ON catalog_item_batches(status, due_at);

CREATE TABLE catalog_product_groups (
  id TEXT PRIMARY KEY,
  catalog_id TEXT NOT NULL REFERENCES catalogs(id) ON DELETE CASCADE,
  feed_id TEXT REFERENCES catalog_feeds(id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  description TEXT,
  filters TEXT NOT NULL,
  filters_key TEXT NOT NULL,
  group_type TEXT NOT NULL,
  status TEXT NOT NULL,
  country TEXT,
  locale TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX catalog_product_groups_catalog ON catalog_product_groups(catalog_id, id);

-- A catalog report: the first request of a day builds it (IN_PROGRESS until due_at),
-- an identical request that day gets the same token; the file is kept in the row.
CREATE TABLE catalog_reports (
  token TEXT PRIMARY KEY,
  owner_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  catalog_id TEXT REFERENCES catalogs(id) ON DELETE CASCADE,
  request_key TEXT NOT NULL,
  day TEXT NOT NULL,
  status TEXT NOT NULL,
  due_at BIGINT NOT NULL,
  file TEXT,
  created_at BIGINT NOT NULL
);
CREATE INDEX catalog_reports_request ON catalog_reports(owner_id, request_key, day);
`,
  },
  {
    version: 9,
    name: 'catalogs-feed-signature-age',
    // signature_at: when the feed's file last changed (its signature became the one
    // kept), for FETCH_INACTIVE_FEED_ERROR on a file unchanged for 90 days.
    sql: `ALTER TABLE catalog_feeds ADD COLUMN signature_at BIGINT;`,
  },
];
