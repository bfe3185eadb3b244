/**
 * Feeds (the spec's `catalog_feeds` tag): a feed points at a file pinbox fetches
 * and ingests on its clock, on create, on `ingest` and on the feed's schedule.
 * Each ingestion is a processing result, PROCESSING for FEED_PROCESSING_MS of the
 * clock and then run (ingestion.ts); what the clock owes lives in the store, so a
 * restarted pinbox carries on.
 */
import type { Clock } from '../../kernel/clock.js';
import { pinterestTimestamp } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { IdGenerator } from '../../kernel/ids.js';
import type { Bookmarks, Page, PageRequest } from '../../kernel/pagination.js';
import type { Database, Queryable } from '../../storage/database.js';
import type { CatalogRow, CatalogService, CatalogType } from './catalogs.js';
import type { FeedFormat } from './feed-parse.js';
import { itemsChanged } from './item-store.js';
import { ScheduledWork } from './scheduled.js';

/** pinbox: how long an ingestion waits on the clock before it runs (Pinterest: "can take hours"). */
export const FEED_PROCESSING_MS = 15 * 60_000;
/** Pinterest: feeds are pulled every 24–48 hours; pinbox pulls one without a preferred time 24 hours after the last pull. */
export const FEED_INTERVAL_MS = 24 * 3_600_000;
/** Pinterest: at most 50 feeds (DOC-feed); pinbox counts them per user. */
export const FEEDS_PER_USER = 50;
/** pinbox: a process that claimed an ingestion holds it this long on the clock; one that died leaves it to the next. */
export const INGESTION_LEASE_MS = 10 * 60_000;

export interface FeedRow {
  id: string;
  catalog_id: string;
  owner_id: string;
  name: string;
  format: FeedFormat;
  location: string;
  credentials: string | null;
  default_country: string | null;
  default_locale: string | null;
  default_currency: string | null;
  default_availability: string | null;
  schedule: string | null;
  status: 'ACTIVE' | 'INACTIVE';
  next_ingest_at: number | null;
  signature: string | null;
  /** When the file last changed (its signature became `signature`); null before the first completed ingestion. */
  signature_at?: number | string | null;
  created_at: number;
  updated_at: number;
}

export interface ProcessingResultRow {
  id: string;
  feed_id: string;
  status: 'PROCESSING' | 'COMPLETED' | 'FAILED';
  due_at: number;
  lease_until: number | null;
  summary: string | null;
  created_at: number;
  updated_at: number;
}

export interface FeedInput {
  catalog_type?: CatalogType;
  catalog_id?: string;
  name?: string;
  format?: FeedFormat;
  location?: string;
  credentials?: { username: string; password: string } | null;
  default_country?: string;
  default_locale?: string;
  default_currency?: string | null;
  default_availability?: string | null;
  preferred_processing_schedule?: { time: string; timezone: string } | null;
  status?: 'ACTIVE' | 'INACTIVE';
}

/** The offset of `timeZone` from UTC at `ms`, in milliseconds. */
function zoneOffset(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })
    .formatToParts(new Date(ms))
    .reduce<Record<string, number>>((all, part) => (part.type === 'literal' ? all : { ...all, [part.type]: Number(part.value) }), {});
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second) - Math.floor(ms / 1000) * 1000;
}

/** The next instant after `after` that reads `time` (HH:MM) in `timeZone`. */
export function nextDailyRun(after: number, time: string, timeZone: string): number {
  const [hour, minute] = time.split(':').map(Number);
  for (let day = 0; day <= 2; day++) {
    const local = new Date(after + zoneOffset(after, timeZone) + day * 86_400_000);
    const guess = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate(), hour, minute);
    const at = guess - zoneOffset(guess, timeZone);
    if (at > after) return at;
  }
  return after + FEED_INTERVAL_MS;
}

function nextRun(row: Pick<FeedRow, 'schedule' | 'status'>, after: number): number | null {
  if (row.status !== 'ACTIVE') return null;
  const schedule = row.schedule ? (JSON.parse(row.schedule) as { time: string; timezone: string }) : null;
  return schedule ? nextDailyRun(after, schedule.time, schedule.timezone) : after + FEED_INTERVAL_MS;
}

export function presentFeed(row: FeedRow, catalogType: CatalogType) {
  const common = {
    id: row.id,
    created_at: pinterestTimestamp(Number(row.created_at)),
    updated_at: pinterestTimestamp(Number(row.updated_at)),
    name: row.name,
    format: row.format,
    catalog_type: catalogType,
    // Pinterest echoes the credentials a feed was given (observed in Airbyte's tests).
    credentials: row.credentials ? (JSON.parse(row.credentials) as { username: string; password: string }) : null,
    location: row.location,
    preferred_processing_schedule: row.schedule ? (JSON.parse(row.schedule) as { time: string; timezone: string }) : null,
    status: row.status,
    default_currency: row.default_currency,
    default_locale: row.default_locale ?? '',
  };
  // Pinterest: each type's feed has its own fields (CatalogsRetailFeed, CatalogsHotelFeed,
  // CatalogsCreativeAssetsFeed); a retail feed does not name its catalog.
  if (catalogType === 'HOTEL') return { ...common, catalog_id: row.catalog_id };
  if (catalogType === 'CREATIVE_ASSETS') return { ...common, catalog_id: row.catalog_id, default_country: row.default_country };
  return { ...common, default_country: row.default_country, default_availability: row.default_availability };
}

const URL_CREDENTIALS = /^[a-z]+:\/\/[^/?#]*@/i;

export class FeedService {
  private readonly work: ScheduledWork;
  /** Writes what comes with a new feed (its ALL_PRODUCTS product group); set by the family. */
  onFeedMade: (tx: Queryable, catalog: CatalogRow, feed: FeedRow) => Promise<void> = async () => undefined;
  /**
   * Whether any of these product groups has an ACTIVE promotion (set by the
   * product-group-promotions family; none until then). Pinterest: a feed or a group
   * with active promotions is not deleted (409 4162 / 4176).
   */
  promotedGroup: (q: Queryable, groupIds: readonly string[]) => Promise<string | null> = async () => null;
  /** Runs an ingestion that is due (ingestion.ts); set by the family once both are built. */
  runIngestion: (resultId: string) => Promise<void> = async () => undefined;

  constructor(private readonly deps: { db: Database; clock: Clock; ids: IdGenerator; bookmarks: Bookmarks; catalogs: CatalogService }) {
    this.work = new ScheduledWork(deps.clock);
  }

  /** The user's feed with its catalog: 404 code 4161 otherwise. */
  async owned(userId: string, feedId: string, q: Queryable = this.deps.db): Promise<{ feed: FeedRow; catalog: CatalogRow }> {
    const feed = await q.get<FeedRow>('SELECT * FROM catalog_feeds WHERE id = ? AND owner_id = ?', [feedId, userId]);
    if (!feed) throw new ApiError('feed_not_found');
    const catalog = (await q.get<CatalogRow>('SELECT * FROM catalogs WHERE id = ?', [feed.catalog_id]))!;
    return { feed, catalog };
  }

  /**
   * Pinterest: `default_country` and `default_locale` are optional in the spec, but a
   * retail feed without them is refused with 501 code 4181; a hotel feed has no
   * country. A feed without `catalog_type` (the older request) goes to the user's
   * oldest retail catalog, made for it when the user has none.
   */
  async create(userId: string, input: FeedInput): Promise<{ feed: FeedRow; catalog: CatalogRow }> {
    const type: CatalogType = input.catalog_type ?? 'RETAIL';
    if ((type !== 'HOTEL' && input.default_country === undefined) || input.default_locale === undefined) {
      throw new ApiError('feed_defaults_missing', `Not implemented at the moment. Please, see documentation (pinbox: a ${type} feed needs default_country and default_locale).`);
    }
    if (URL_CREDENTIALS.test(input.location!)) throw invalidField('location', 'must not carry credentials: give them in credentials');
    return this.deps.db.transaction(async (tx) => {
      await tx.lock(`catalog-feed-names:${userId}`);
      let catalog: CatalogRow;
      if (input.catalog_id !== undefined) {
        catalog = await this.deps.catalogs.owned(userId, input.catalog_id, tx);
        if (catalog.catalog_type !== type) throw invalidField('catalog_type', `is ${type}, but catalog ${catalog.id} is a ${catalog.catalog_type} catalog`);
      } else if (input.catalog_type !== undefined) {
        throw invalidField('catalog_id', `is required with catalog_type`);
      } else {
        catalog = await this.deps.catalogs.oldest(userId, 'RETAIL', tx).catch(() => this.deps.catalogs.insert(tx, userId, { catalog_type: 'RETAIL', name: input.name! }));
      }
      const feed = await this.insert(tx, userId, catalog, input);
      if (feed.status === 'ACTIVE') await this.queueIngestion(tx, feed);
      return { feed, catalog };
    });
  }

  /** Writes a feed (the API and fixtures): a name no other feed of the user has, at most FEEDS_PER_USER. */
  async insert(tx: Queryable, userId: string, catalog: CatalogRow, input: FeedInput): Promise<FeedRow> {
    await this.checkName(tx, userId, input.name!, null);
    const count = await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM catalog_feeds WHERE owner_id = ?', [userId]);
    if (Number(count?.n ?? 0) >= FEEDS_PER_USER) throw invalidField('name', `cannot be given to another feed: the user has ${FEEDS_PER_USER}, as many as Pinterest allows`);
    const now = this.deps.clock.now();
    const row: FeedRow = {
      id: this.deps.ids.next(),
      catalog_id: catalog.id,
      owner_id: userId,
      name: input.name!,
      format: input.format!,
      location: input.location!,
      credentials: input.credentials ? JSON.stringify(input.credentials) : null,
      default_country: catalog.catalog_type === 'HOTEL' ? null : input.default_country ?? null,
      default_locale: input.default_locale ?? null,
      default_currency: input.default_currency ?? null,
      default_availability: catalog.catalog_type === 'RETAIL' ? input.default_availability ?? null : null,
      schedule: input.preferred_processing_schedule ? JSON.stringify(input.preferred_processing_schedule) : null,
      status: input.status ?? 'ACTIVE',
      next_ingest_at: null,
      signature: null,
      created_at: now,
      updated_at: now,
    };
    row.next_ingest_at = nextRun(row, now);
    await tx.run(
      `INSERT INTO catalog_feeds (id, catalog_id, owner_id, name, format, location, credentials, default_country, default_locale, default_currency,
        default_availability, schedule, status, next_ingest_at, signature, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        row.id,
        row.catalog_id,
        row.owner_id,
        row.name,
        row.format,
        row.location,
        row.credentials,
        row.default_country,
        row.default_locale,
        row.default_currency,
        row.default_availability,
        row.schedule,
        row.status,
        row.next_ingest_at,
        null,
        now,
        now,
      ],
    );
    await this.onFeedMade(tx, catalog, row);
    if (row.next_ingest_at !== null) this.scheduleFeedAfterCommit(tx, row.id, row.next_ingest_at);
    return row;
  }

  private async checkName(q: Queryable, userId: string, name: string, exceptId: string | null): Promise<void> {
    const taken = await q.get('SELECT id FROM catalog_feeds WHERE owner_id = ? AND name = ? AND id <> ?', [userId, name, exceptId ?? '']);
    if (taken) throw new ApiError('feed_name_taken', `The feed name already exists. (pinbox: another feed of the user is named '${name}'.)`);
  }

  async update(userId: string, feedId: string, input: FeedInput): Promise<{ feed: FeedRow; catalog: CatalogRow }> {
    if (input.location !== undefined && URL_CREDENTIALS.test(input.location)) throw invalidField('location', 'must not carry credentials: give them in credentials');
    return this.deps.db.transaction(async (tx) => {
      await tx.lock(`catalog-feed-names:${userId}`);
      const { feed, catalog } = await this.owned(userId, feedId, tx);
      if (input.name !== undefined) await this.checkName(tx, userId, input.name, feed.id);
      const next: FeedRow = {
        ...feed,
        name: input.name ?? feed.name,
        format: input.format ?? feed.format,
        location: input.location ?? feed.location,
        credentials: input.credentials === undefined ? feed.credentials : input.credentials ? JSON.stringify(input.credentials) : null,
        default_currency: input.default_currency === undefined ? feed.default_currency : input.default_currency,
        default_availability: input.default_availability === undefined ? feed.default_availability : input.default_availability,
        schedule:
          input.preferred_processing_schedule === undefined ? feed.schedule : input.preferred_processing_schedule ? JSON.stringify(input.preferred_processing_schedule) : null,
        status: input.status ?? feed.status,
        updated_at: this.deps.clock.now(),
      };
      const rescheduled = next.schedule !== feed.schedule || next.status !== feed.status;
      if (rescheduled) next.next_ingest_at = nextRun(next, next.updated_at);
      await tx.run(
        `UPDATE catalog_feeds SET name = ?, format = ?, location = ?, credentials = ?, default_currency = ?, default_availability = ?, schedule = ?, status = ?,
          next_ingest_at = ?, updated_at = ? WHERE id = ?`,
        [next.name, next.format, next.location, next.credentials, next.default_currency, next.default_availability, next.schedule, next.status, next.next_ingest_at, next.updated_at, feed.id],
      );
      if (rescheduled && next.next_ingest_at !== null) this.scheduleFeedAfterCommit(tx, feed.id, next.next_ingest_at);
      return { feed: next, catalog };
    });
  }

  /** Pinterest: 204; the feed's items go with it. */
  async delete(userId: string, feedId: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const { feed } = await this.owned(userId, feedId, tx);
      const groups = await tx.all<{ id: string }>('SELECT id FROM catalog_product_groups WHERE feed_id = ?', [feed.id]);
      if ((await this.promotedGroup(tx, groups.map((group) => group.id))) !== null) throw new ApiError('feed_has_active_promotions');
      await tx.run('DELETE FROM catalog_feeds WHERE id = ?', [feed.id]);
      await itemsChanged(tx, feed.catalog_id);
    });
  }

  list(userId: string, catalogId: string | undefined, request: PageRequest): Promise<Page<{ feed: FeedRow; catalog_type: CatalogType }>> {
    return this.deps.bookmarks.page(`feeds/list:${userId}:${catalogId ?? ''}`, request, (row) => row.feed.id, async (after, limit) => {
      if (catalogId !== undefined) await this.deps.catalogs.owned(userId, catalogId);
      const rows = await this.deps.db.all<FeedRow & { catalog_type: CatalogType }>(
        `SELECT f.*, c.catalog_type FROM catalog_feeds f JOIN catalogs c ON c.id = f.catalog_id
          WHERE f.owner_id = ? AND (? = '' OR f.catalog_id = ?) AND f.id > ? ORDER BY f.id LIMIT ?`,
        [userId, catalogId ?? '', catalogId ?? '', after ?? '', limit],
      );
      return rows.map(({ catalog_type, ...feed }) => ({ feed: feed as FeedRow, catalog_type }));
    });
  }

  /**
   * Pinterest: feeds/ingest starts an ingestion and answers `{id, feed_id,
   * created_at, status}`. pinbox: while one is PROCESSING, that one is answered.
   */
  async ingest(userId: string, feedId: string): Promise<ProcessingResultRow> {
    return this.deps.db.transaction(async (tx) => {
      const { feed } = await this.owned(userId, feedId, tx);
      await tx.lock(`catalog-feed-ingest:${feed.id}`);
      const running = await tx.get<ProcessingResultRow>("SELECT * FROM catalog_processing_results WHERE feed_id = ? AND status = 'PROCESSING' ORDER BY id DESC LIMIT 1", [feed.id]);
      return running ?? this.queueIngestion(tx, feed);
    });
  }

  /** A new processing result, PROCESSING until FEED_PROCESSING_MS have passed on the clock. */
  private async queueIngestion(tx: Queryable & { afterCommit?: (fn: () => void) => void }, feed: FeedRow): Promise<ProcessingResultRow> {
    const now = this.deps.clock.now();
    const row: ProcessingResultRow = { id: this.deps.ids.next(), feed_id: feed.id, status: 'PROCESSING', due_at: now + FEED_PROCESSING_MS, lease_until: null, summary: null, created_at: now, updated_at: now };
    await tx.run("INSERT INTO catalog_processing_results (id, feed_id, status, due_at, created_at, updated_at) VALUES (?, ?, 'PROCESSING', ?, ?, ?)", [row.id, feed.id, row.due_at, now, now]);
    const schedule = () => this.scheduleResult(row.id, row.due_at);
    if (tx.afterCommit) tx.afterCommit(schedule);
    else schedule();
    return row;
  }

  private scheduleResult(id: string, at: number): void {
    this.work.schedule(`result:${id}`, at, 'catalog feed ingestion', () => this.runIngestion(id));
  }

  private scheduleFeedAfterCommit(tx: Queryable & { afterCommit?: (fn: () => void) => void }, feedId: string, at: number): void {
    const schedule = () => this.work.schedule(`feed:${feedId}`, at, 'catalog feed schedule', () => this.scheduledPull(feedId));
    if (tx.afterCommit) tx.afterCommit(schedule);
    else schedule();
  }

  /** The feed's schedule came round: one process moves next_ingest_at on (a conditional update) and queues the pull. */
  private async scheduledPull(feedId: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const feed = await tx.get<FeedRow>('SELECT * FROM catalog_feeds WHERE id = ?', [feedId]);
      if (!feed || feed.next_ingest_at === null || Number(feed.next_ingest_at) > this.deps.clock.now()) return;
      const next = nextRun(feed, Number(feed.next_ingest_at));
      const moved = await tx.run('UPDATE catalog_feeds SET next_ingest_at = ? WHERE id = ? AND next_ingest_at = ?', [next, feed.id, feed.next_ingest_at]);
      if (moved.changes === 0) return;
      const running = await tx.get("SELECT id FROM catalog_processing_results WHERE feed_id = ? AND status = 'PROCESSING'", [feed.id]);
      if (!running) await this.queueIngestion(tx, feed);
      if (next !== null) this.scheduleFeedAfterCommit(tx, feed.id, next);
    });
  }

  /** Schedules what the store owes the clock: PROCESSING results and ACTIVE feeds' pulls (start, reset, restore). */
  async scheduleOwed(): Promise<void> {
    this.work.clear();
    const results = await this.deps.db.all<{ id: string; due_at: number; lease_until: number | null }>(
      "SELECT id, due_at, lease_until FROM catalog_processing_results WHERE status = 'PROCESSING'",
    );
    for (const row of results) this.scheduleResult(row.id, Math.max(Number(row.due_at), Number(row.lease_until ?? 0)));
    const feeds = await this.deps.db.all<{ id: string; next_ingest_at: number }>("SELECT id, next_ingest_at FROM catalog_feeds WHERE status = 'ACTIVE' AND next_ingest_at IS NOT NULL");
    for (const feed of feeds) this.scheduleFeedAfterCommit(this.deps.db, feed.id, Number(feed.next_ingest_at));
  }

  /** Schedules a result again at `at` (a claimed ingestion whose lease passes then). */
  retryAt(id: string, at: number): void {
    this.scheduleResult(id, at);
  }

  /** Pinterest: newest first; the bookmark "is not functional" there, pinbox's works. */
  async results(userId: string, feedId: string, request: PageRequest): Promise<Page<ProcessingResultRow>> {
    await this.owned(userId, feedId);
    const page = await this.deps.bookmarks.page(`feed_processing_results/list:${feedId}`, request, (row: ProcessingResultRow) => row.id, (after, limit) =>
      this.deps.db.all<ProcessingResultRow>('SELECT * FROM catalog_processing_results WHERE feed_id = ? AND (? = \'\' OR id < ?) ORDER BY id DESC LIMIT ?', [
        feedId,
        after ?? '',
        after ?? '',
        limit,
      ]),
    );
    return page;
  }

  /** A page of item numbers of a result's issues (their bookmark is the last number). */
  issuePage(listKey: string, request: PageRequest, fetch: (after: string | null, limit: number) => Promise<number[]>): Promise<Page<number>> {
    return this.deps.bookmarks.page(listKey, request, (number) => String(number), fetch);
  }

  /** The user's processing result: 404 code 4184 otherwise. */
  async ownedResult(userId: string, resultId: string): Promise<ProcessingResultRow> {
    const row = await this.deps.db.get<ProcessingResultRow>(
      'SELECT r.* FROM catalog_processing_results r JOIN catalog_feeds f ON f.id = r.feed_id WHERE r.id = ? AND f.owner_id = ?',
      [resultId, userId],
    );
    if (!row) throw new ApiError('processing_result_not_found');
    return row;
  }
}
