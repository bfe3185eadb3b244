/**
 * One ingestion of a feed, run when its processing result falls due: the file is
 * fetched through the guarded fetcher and parsed as it arrives, every row checked
 * against its catalog type's attributes, and the items written in chunks, each its
 * own short transaction, yielding to other requests between them. At the end the
 * items the file no longer has are removed (in chunks too) and the result is
 * written with Pinterest's counters and up to 20 sampled issues per code.
 *
 * Pinterest's guards: a file that would leave under 1% of the feed's items
 * (a >99% drop) is not applied (LARGE_PRODUCT_COUNT_DECREASE); a file whose bytes
 * have not changed since the last completed ingestion is reported with the
 * FETCH_SAME_SIGNATURE warning (its items are written again, which changes nothing);
 * one unchanged for 90 days fails with FETCH_INACTIVE_FEED_ERROR.
 */
import { setImmediate as yieldToOthers } from 'node:timers/promises';
import type { Clock } from '../../kernel/clock.js';
import type { FetchPolicy } from '../../kernel/outbound/fetch-policy.js';
import { guardedFetchStream, OutboundFetchError, type OutboundLimits } from '../../kernel/outbound/guarded-fetch.js';
import type { Database, Queryable } from '../../storage/database.js';
import type { CatalogRow } from './catalogs.js';
import { FeedFileError, readFeed } from './feed-parse.js';
import { INGESTION_LEASE_MS, type FeedRow, type FeedService } from './feeds.js';
import { itemsChanged, upsertItems } from './item-store.js';
import type { CheckedItem, ItemIssue } from './retail-attributes.js';
import { checkerFor } from './verticals.js';

/** pinbox: a feed file may be this large and take this long (Pinterest allows up to 5 M products). */
export const FEED_FETCH_LIMITS: OutboundLimits = { timeoutMs: 10 * 60_000, maxBytes: 1024 * 1024 * 1024, maxRedirects: 5 };
/** Items written per transaction, and rows read between two turns given back to the event loop. */
export const INGEST_CHUNK = 250;
const ROWS_PER_TURN = 100;
/** Pinterest: `item_issues` gives up to 20 samples per code. */
export const ISSUE_SAMPLES_PER_CODE = 20;
/** Pinterest: FETCH_INACTIVE_FEED_ERROR fails a feed whose file has not changed for 90 days. */
export const INACTIVE_FEED_MS = 90 * 24 * 60 * 60 * 1000;
/** Pinterest: LARGE_PRODUCT_COUNT_DECREASE trips on a drop of more than 99%. */
const LARGE_DECREASE_KEEPS = 0.01;

export interface ResultSummary {
  product_counts: { original: number; ingested: number } | null;
  ingestion_details: { errors: Record<string, number>; warnings: Record<string, number>; info: { IN_STOCK: number; OUT_OF_STOCK: number; PREORDER: number } };
  validation_details: { errors: Record<string, number>; warnings: Record<string, number> };
}

export interface Sample {
  item_number: number;
  code: string;
  severity: 'error' | 'warning';
  item_id: string | null;
  attribute: string;
  provided: string | null;
}

export function emptySummary(): ResultSummary {
  return {
    product_counts: null,
    ingestion_details: { errors: {}, warnings: {}, info: { IN_STOCK: 0, OUT_OF_STOCK: 0, PREORDER: 0 } },
    validation_details: { errors: {}, warnings: {} },
  };
}

export class IngestionRunner {
  constructor(
    private readonly deps: { db: Database; clock: Clock; fetchPolicy: FetchPolicy; feeds: FeedService; limits?: OutboundLimits },
  ) {}

  /** Claims the result if it is due and nobody holds it, then runs it; another process's live claim is waited out. */
  async run(resultId: string): Promise<void> {
    const now = this.deps.clock.now();
    const claimed = await this.deps.db.run(
      "UPDATE catalog_processing_results SET lease_until = ? WHERE id = ? AND status = 'PROCESSING' AND due_at <= ? AND (lease_until IS NULL OR lease_until <= ?)",
      [now + INGESTION_LEASE_MS, resultId, now, now],
    );
    if (claimed.changes === 0) {
      const row = await this.deps.db.get<{ status: string; lease_until: number | null }>('SELECT status, lease_until FROM catalog_processing_results WHERE id = ?', [resultId]);
      if (row?.status === 'PROCESSING' && row.lease_until !== null) this.deps.feeds.retryAt(resultId, Number(row.lease_until));
      return;
    }
    const feed = await this.deps.db.get<FeedRow>('SELECT f.* FROM catalog_feeds f JOIN catalog_processing_results r ON r.feed_id = f.id WHERE r.id = ?', [resultId]);
    if (!feed) return;
    const catalog = (await this.deps.db.get<CatalogRow>('SELECT * FROM catalogs WHERE id = ?', [feed.catalog_id]))!;
    const summary = emptySummary();
    const samples: Sample[] = [];
    let status: 'COMPLETED' | 'FAILED' = 'COMPLETED';
    let signature: string | null = null;
    try {
      signature = await this.ingest(resultId, feed, catalog, summary, samples);
      if (summary.ingestion_details.errors.LARGE_PRODUCT_COUNT_DECREASE) status = 'FAILED';
      // The same bytes as 90 days ago and every time since: Pinterest fails the feed as inactive
      // (its items were written again unchanged, so nothing of the catalog moved).
      const unchangedSince = feed.signature_at === null || feed.signature_at === undefined ? null : Number(feed.signature_at);
      if (status === 'COMPLETED' && signature === feed.signature && unchangedSince !== null && now - unchangedSince >= INACTIVE_FEED_MS) {
        status = 'FAILED';
        summary.validation_details.errors.FETCH_INACTIVE_FEED_ERROR = 1;
      }
    } catch (error) {
      if (!(error instanceof FeedFileError)) throw error;
      status = 'FAILED';
      summary.validation_details.errors[error.code] = 1;
    }
    await this.deps.db.transaction(async (tx) => {
      const current = await tx.get<{ status: string }>('SELECT status FROM catalog_processing_results WHERE id = ?', [resultId]);
      if (current?.status !== 'PROCESSING') return;
      await finishResult(tx, resultId, status, summary, samples, this.deps.clock.now());
      if (status === 'COMPLETED' && signature !== null) {
        // The age of the signature restarts only when the file changed.
        await tx.run('UPDATE catalog_feeds SET signature_at = CASE WHEN signature = ? AND signature_at IS NOT NULL THEN signature_at ELSE ? END, signature = ? WHERE id = ?', [signature, now, signature, feed.id]);
      }
    });
  }

  /** Reads, checks and writes the file; answers its signature. FeedFileError for a file that cannot be ingested at all. */
  private async ingest(resultId: string, feed: FeedRow, catalog: CatalogRow, summary: ResultSummary, samples: Sample[]): Promise<string> {
    const { db, clock } = this.deps;
    const headers: Record<string, string> = { accept: '*/*', 'user-agent': 'pinbox (Pinterest API emulator) catalog feed fetcher' };
    if (feed.credentials) {
      const { username, password } = JSON.parse(feed.credentials) as { username: string; password: string };
      headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    }
    let body: AsyncIterable<Buffer>;
    try {
      const url = new URL(feed.location);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new FeedFileError('FETCH_ERROR', `pinbox fetches feeds over http and https only, not ${url.protocol}`);
      const fetched = await guardedFetchStream(url, {
        policy: this.deps.fetchPolicy,
        limits: this.deps.limits ?? FEED_FETCH_LIMITS,
        headers,
        inspect: ({ status }) => {
          if (status < 200 || status > 299) throw new FeedFileError('FETCH_ERROR', `HTTP ${status}`);
        },
      });
      body = fetched.body;
    } catch (error) {
      if (error instanceof OutboundFetchError) throw new FeedFileError('FETCH_ERROR', error.detail);
      throw error;
    }
    const previous = Number((await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM catalog_items WHERE feed_id = ?', [feed.id]))?.n ?? 0);
    const source = { feedId: feed.id, seenIn: resultId, country: feed.default_country, language: feed.default_locale };
    let pending: CheckedItem[] = [];
    let ingested = 0;
    // Nothing is written until the file has shown it keeps at least 1% of the feed's items.
    const guardPassed = () => previous === 0 || ingested >= previous * LARGE_DECREASE_KEEPS;
    const flush = async () => {
      const chunk = pending;
      pending = [];
      await db.transaction((tx) => upsertItems(tx, catalog.id, chunk, source, clock.now()), { isolation: 'read committed' });
      await yieldToOthers();
    };
    const signature = await checkFeedFile(body, feed, catalog.catalog_type, summary, samples, async (item) => {
      ingested++;
      pending.push(item);
      if (pending.length >= INGEST_CHUNK && guardPassed()) await flush();
    });
    if (!guardPassed()) {
      summary.ingestion_details.errors.LARGE_PRODUCT_COUNT_DECREASE = 1;
      return signature;
    }
    if (pending.length > 0) await flush();
    // Items the file no longer holds go, a chunk at a time.
    for (;;) {
      const removed = await db.run(
        `DELETE FROM catalog_items WHERE catalog_id = ? AND item_id IN
          (SELECT item_id FROM catalog_items WHERE feed_id = ? AND (seen_in IS NULL OR seen_in <> ?) LIMIT ${INGEST_CHUNK})`,
        [catalog.id, feed.id, resultId],
      );
      if (removed.changes === 0) break;
      await itemsChanged(db, catalog.id);
      await yieldToOthers();
    }
    return signature;
  }
}

/**
 * Reads a feed file through, checking every row against its catalog type's
 * attributes: the counters and up to ISSUE_SAMPLES_PER_CODE samples per code go to
 * `summary` and `samples`, each good item to `onItem`. Answers the file's signature.
 * @throws FeedFileError for a file that cannot be ingested at all.
 */
export async function checkFeedFile(
  body: AsyncIterable<Buffer>,
  feed: Pick<FeedRow, 'format' | 'default_currency' | 'default_availability' | 'signature'>,
  catalogType: CatalogRow['catalog_type'],
  summary: ResultSummary,
  samples: Sample[],
  onItem: (item: CheckedItem) => Promise<void>,
): Promise<string> {
  const checker = checkerFor(catalogType);
  const sampled = new Map<string, number>();
  const note = (severity: 'error' | 'warning', itemNumber: number, itemId: string | null, issue: ItemIssue) => {
    const counts = severity === 'error' ? summary.validation_details.errors : summary.validation_details.warnings;
    counts[issue.code] = (counts[issue.code] ?? 0) + 1;
    const taken = sampled.get(issue.code) ?? 0;
    if (taken < ISSUE_SAMPLES_PER_CODE) {
      sampled.set(issue.code, taken + 1);
      samples.push({ item_number: itemNumber, code: issue.code, severity, item_id: itemId, attribute: issue.attribute, provided: issue.provided?.slice(0, 500) ?? null });
    }
  };
  const reading = readFeed(body, feed.format, checker.requiredColumns);
  const seen = new Set<string>();
  let original = 0;
  let ingested = 0;
  try {
    for await (const entry of reading.rows) {
      original++;
      if ('parseError' in entry) {
        note('error', entry.itemNumber, null, { code: 'PARSE_LINE_ERROR', attribute: 'ITEM_ID', provided: entry.parseError });
        continue;
      }
      const checked = checker.check(entry.row, { currency: feed.default_currency, availability: feed.default_availability }, seen);
      const itemId = entry.row.id ?? null;
      for (const issue of checked.errors) note('error', entry.itemNumber, itemId, issue);
      for (const issue of checked.warnings) note('warning', entry.itemNumber, itemId, issue);
      if (checked.item) {
        ingested++;
        summary.ingestion_details.info[checked.item.columns.availability]++;
        await onItem(checked.item);
      }
      if (original % ROWS_PER_TURN === 0) await yieldToOthers();
    }
  } catch (error) {
    // A download that breaks off (time-out, size cap, a reset) fails the file as a fetch that failed.
    const failure = error instanceof OutboundFetchError ? new FeedFileError('FETCH_ERROR', error.detail) : error;
    if (failure instanceof FeedFileError) summary.product_counts = { original, ingested: 0 };
    throw failure;
  }
  for (const warning of reading.warnings) summary.validation_details.warnings[warning] = (summary.validation_details.warnings[warning] ?? 0) + 1;
  const signature = reading.signature();
  if (feed.signature === signature) summary.validation_details.warnings.FETCH_SAME_SIGNATURE = 1;
  summary.product_counts = { original, ingested };
  return signature;
}

/** Writes a finished ingestion: its status, counters and sampled issues (the runner's and fixtures'). */
export async function finishResult(tx: Queryable, resultId: string, status: 'COMPLETED' | 'FAILED', summary: ResultSummary, samples: readonly Sample[], now: number): Promise<void> {
  await tx.run('UPDATE catalog_processing_results SET status = ?, summary = ?, lease_until = NULL, updated_at = ? WHERE id = ?', [status, JSON.stringify(summary), now, resultId]);
  for (const sample of samples) {
    await tx.run('INSERT INTO catalog_item_issues (result_id, item_number, code, severity, item_id, attribute, provided) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', [
      resultId,
      sample.item_number,
      sample.code,
      sample.severity,
      sample.item_id,
      sample.attribute,
      sample.provided,
    ]);
  }
}
