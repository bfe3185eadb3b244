/**
 * Items (the spec's `catalog_items` tag): items/post reads items by id, and
 * items/batch changes up to 1000 of them asynchronously on pinbox's clock. A batch
 * is a row of `catalog_item_batches`, PROCESSING until its time has passed; then it
 * is carried out once (by the clock's task, or the first read that finds it due,
 * in whichever process), item by item, in one transaction.
 * Pinterest: developers.pinterest.com/docs/work-with-catalogs/modify-items-in-batch.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../kernel/clock.js';
import { pinterestTimestamp } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { IdGenerator } from '../../kernel/ids.js';
import type { Database, Queryable } from '../../storage/database.js';
import type { CatalogRow, CatalogService, CatalogType } from './catalogs.js';
import { deleteItems, getItems, upsertItems, type ItemRow } from './item-store.js';
import { attributesAsRow, type ItemIssue } from './retail-attributes.js';
import { ScheduledWork } from './scheduled.js';
import { checkerFor } from './verticals.js';

export const BATCH_OPERATIONS = ['CREATE', 'UPDATE', 'UPSERT', 'DELETE', 'DELETE_DISCONTINUED'] as const;
export type BatchOperation = (typeof BATCH_OPERATIONS)[number];
/** Pinterest: UPDATE and DELETE finish in seconds, CREATE and UPSERT take longer; pinbox's figures on its clock. */
export const BATCH_MS = { quick: 5_000, slow: 60_000 } as const;

export interface BatchItemInput {
  operation?: BatchOperation;
  item_id: string;
  attributes?: Record<string, unknown>;
  update_mask?: string[] | null;
}

export interface BatchInput {
  catalog_type?: CatalogType;
  catalog_id?: string;
  country: string;
  language: string;
  operation?: BatchOperation;
  items: BatchItemInput[];
}

interface BatchRow {
  id: string;
  owner_id: string;
  catalog_id: string;
  catalog_type: CatalogType;
  status: 'PROCESSING' | 'COMPLETED' | 'FAILED';
  request: string;
  records: string | null;
  due_at: number;
  created_at: number;
  completed_at: number | null;
}

interface ItemRecord {
  item_id: string;
  status: 'SUCCESS' | 'FAILURE' | 'PROCESSING';
  errors: { attribute: string; code: number; message: string }[];
  warnings: { attribute: string; code: number; message: string }[];
}

/**
 * pinbox: Pinterest's item errors carry an integer code it does not document; pinbox
 * gives 1 (invalid parameters) and puts Pinterest's issue name first in the message.
 */
const ITEM_ERROR_CODE = 1;

const event = (issue: ItemIssue) => ({
  attribute: issue.attribute.toLowerCase(),
  code: ITEM_ERROR_CODE,
  message: `${issue.code}${issue.provided ? ` (given: ${issue.provided.slice(0, 100)})` : ''}`,
});
const refusal = (attribute: string, message: string) => ({ attribute, code: ITEM_ERROR_CODE, message });

export function presentAttributes(row: ItemRow): Record<string, unknown> {
  return JSON.parse(row.attributes) as Record<string, unknown>;
}

/** items/post's filter: RETAIL names `item_ids`, HOTEL `hotel_ids`, CREATIVE_ASSETS `creative_assets_ids`. */
export interface ItemsFilter {
  catalog_type: CatalogType;
  catalog_id?: string;
  item_ids?: string[];
  hotel_ids?: string[];
  creative_assets_ids?: string[];
}

/** The key each catalog type names its items by (Catalogs*ItemResponse). */
const ITEM_ID_KEYS = { RETAIL: 'item_id', HOTEL: 'hotel_id', CREATIVE_ASSETS: 'creative_assets_id' } as const satisfies Record<CatalogType, string>;

export class ItemService {
  private readonly work: ScheduledWork;

  constructor(private readonly deps: { db: Database; clock: Clock; ids: IdGenerator; catalogs: CatalogService }) {
    this.work = new ScheduledWork(deps.clock);
  }

  /** items/post: each asked id as an item, or as errors when the catalog has none by that id. */
  async read(userId: string, body: { country: string; language: string; filters: ItemsFilter }) {
    const { filters } = body;
    // Pinterest: each catalog type names its items by its own key, in the filter and in the answer.
    const key = ITEM_ID_KEYS[filters.catalog_type];
    for (const other of Object.values(ITEM_ID_KEYS)) {
      if (other !== key && filters[`${other}s`] !== undefined) throw invalidField(`filters.${other}s`, `is not taken for a ${filters.catalog_type} catalog (it names items by '${key}s')`);
    }
    const asked = filters[`${key}s`];
    if (!asked) throw invalidField(`filters.${key}s`, `is required for a ${filters.catalog_type} catalog`);
    const catalog = await this.deps.catalogs.resolve(userId, filters.catalog_id, filters.catalog_type);
    if (catalog.catalog_type !== filters.catalog_type) throw invalidField('filters.catalog_type', `is ${filters.catalog_type}, but catalog ${catalog.id} is a ${catalog.catalog_type} catalog`);
    const rows = await getItems(this.deps.db, catalog.id, [...new Set(asked)]);
    const byId = new Map(rows.map((row) => [row.item_id, row]));
    return {
      items: asked.map((itemId) => {
        const row = byId.get(itemId);
        if (!row) return { catalog_type: catalog.catalog_type, [key]: itemId, errors: [refusal(key, `Item ${itemId} not found in catalog ${catalog.id}.`)] };
        // pinbox makes no Pins from catalog items, so an item has none.
        return { catalog_type: catalog.catalog_type, [key]: itemId, attributes: presentAttributes(row), pins: [] };
      }),
    };
  }

  async submit(userId: string, body: BatchInput) {
    const type = body.catalog_type ?? 'RETAIL';
    const catalog = await this.deps.catalogs.resolve(userId, body.catalog_id, type);
    if (catalog.catalog_type !== type) throw invalidField('catalog_type', `is ${type}, but catalog ${catalog.id} is a ${catalog.catalog_type} catalog`);
    const items = body.items.map((item, i) => {
      const operation = item.operation ?? body.operation;
      if (!operation) throw invalidField(`items[${i}].operation`, 'is required when the request names no operation');
      if ((operation === 'CREATE' || operation === 'UPSERT') && !item.attributes) throw invalidField(`items[${i}].attributes`, `is required for ${operation}`);
      return { ...item, operation };
    });
    const now = this.deps.clock.now();
    const quick = items.every((item) => item.operation !== 'CREATE' && item.operation !== 'UPSERT');
    const serial = this.deps.ids.next();
    const id = `${serial}-${createHash('sha256').update(`${serial}:${catalog.id}`).digest('hex').slice(0, 32)}`;
    const dueAt = now + (quick ? BATCH_MS.quick : BATCH_MS.slow);
    await this.deps.db.run(
      "INSERT INTO catalog_item_batches (id, owner_id, catalog_id, catalog_type, status, request, due_at, created_at) VALUES (?, ?, ?, ?, 'PROCESSING', ?, ?, ?)",
      [id, userId, catalog.id, catalog.catalog_type, JSON.stringify({ country: body.country, language: body.language, items }), dueAt, now],
    );
    this.schedule(id, dueAt);
    return this.present((await this.deps.db.get<BatchRow>('SELECT * FROM catalog_item_batches WHERE id = ?', [id]))!);
  }

  private schedule(id: string, at: number): void {
    this.work.schedule(id, at, 'catalog items batch', () => this.settle(id));
  }

  async scheduleOwed(): Promise<void> {
    this.work.clear();
    for (const row of await this.deps.db.all<{ id: string; due_at: number }>("SELECT id, due_at FROM catalog_item_batches WHERE status = 'PROCESSING'")) {
      this.schedule(row.id, Number(row.due_at));
    }
  }

  async get(userId: string, batchId: string) {
    let row = await this.deps.db.get<BatchRow>('SELECT * FROM catalog_item_batches WHERE id = ? AND owner_id = ?', [batchId, userId]);
    if (!row) throw new ApiError('items_batch_not_found');
    if (row.status === 'PROCESSING' && Number(row.due_at) <= this.deps.clock.now()) {
      await this.settle(row.id);
      row = (await this.deps.db.get<BatchRow>('SELECT * FROM catalog_item_batches WHERE id = ?', [batchId]))!;
    }
    return this.present(row);
  }

  private present(row: BatchRow) {
    const request = JSON.parse(row.request) as { items: BatchItemInput[] };
    const records: ItemRecord[] = row.records
      ? (JSON.parse(row.records) as ItemRecord[])
      : request.items.map((item) => ({ item_id: item.item_id, status: 'PROCESSING', errors: [], warnings: [] }));
    return {
      catalog_type: row.catalog_type,
      batch_id: row.id,
      status: row.status,
      created_time: pinterestTimestamp(Number(row.created_at)),
      completed_time: row.completed_at === null ? null : pinterestTimestamp(Number(row.completed_at)),
      items: records,
    };
  }

  /** Carries a due batch out once: the claim (an UPDATE of a PROCESSING row) lets one transaction win. */
  async settle(id: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (tx) => {
      const claimed = await tx.run("UPDATE catalog_item_batches SET status = 'PROCESSING' WHERE id = ? AND status = 'PROCESSING' AND due_at <= ?", [id, now]);
      if (claimed.changes === 0) return;
      const row = (await tx.get<BatchRow>('SELECT * FROM catalog_item_batches WHERE id = ?', [id]))!;
      const catalog = await tx.get<CatalogRow>('SELECT * FROM catalogs WHERE id = ?', [row.catalog_id]);
      const request = JSON.parse(row.request) as { country: string; language: string; items: (BatchItemInput & { operation: BatchOperation })[] };
      const records: ItemRecord[] = [];
      for (const item of request.items) records.push(catalog ? await this.apply(tx, catalog, request, item, now) : failure(item.item_id, refusal('catalog_id', 'The catalog is gone.')));
      const status = records.length > 0 && records.every((record) => record.status === 'FAILURE') ? 'FAILED' : 'COMPLETED';
      await tx.run('UPDATE catalog_item_batches SET status = ?, records = ?, completed_at = ? WHERE id = ?', [status, JSON.stringify(records), now, id]);
    });
  }

  /**
   * One item of a batch. Pinterest: CREATE makes new items and is not for a catalog
   * fed by a feed; UPSERT writes every attribute and is only for catalogs without a
   * feed; UPDATE changes the given attributes (with `update_mask`, only the masked
   * ones, and a masked one given no value is deleted); DELETE removes the item;
   * DELETE_DISCONTINUED only marks it out of stock.
   */
  private async apply(tx: Queryable, catalog: CatalogRow, request: { country: string; language: string }, item: BatchItemInput & { operation: BatchOperation }, now: number): Promise<ItemRecord> {
    const [existing] = await getItems(tx, catalog.id, [item.item_id]);
    const fed = (operation: string) =>
      tx.get('SELECT id FROM catalog_feeds WHERE catalog_id = ?', [catalog.id]).then((feed) => (feed ? refusal('operation', `${operation} is not for a catalog fed by a feed: change its items with UPDATE, DELETE or DELETE_DISCONTINUED, or in the feed`) : null));
    switch (item.operation) {
      case 'DELETE':
        if (!existing) return failure(item.item_id, refusal('item_id', `Item ${item.item_id} not found.`));
        await deleteItems(tx, catalog.id, [item.item_id]);
        return success(item.item_id);
      case 'DELETE_DISCONTINUED':
        if (!existing) return failure(item.item_id, refusal('item_id', `Item ${item.item_id} not found.`));
        return this.write(tx, catalog, request, item.item_id, { ...presentAttributes(existing), availability: 'out of stock' }, existing, now);
      case 'CREATE': {
        const refused = await fed('CREATE');
        if (refused) return failure(item.item_id, refused);
        if (existing) return failure(item.item_id, refusal('item_id', `Item ${item.item_id} exists already: change it with UPDATE or UPSERT.`));
        return this.write(tx, catalog, request, item.item_id, item.attributes ?? {}, undefined, now);
      }
      case 'UPSERT': {
        const refused = await fed('UPSERT');
        if (refused) return failure(item.item_id, refused);
        return this.write(tx, catalog, request, item.item_id, item.attributes ?? {}, existing, now);
      }
      case 'UPDATE': {
        if (!existing) return failure(item.item_id, refusal('item_id', `Item ${item.item_id} not found: make it with CREATE or UPSERT.`));
        const merged = { ...presentAttributes(existing) };
        const given = item.attributes ?? {};
        const fields = item.update_mask ?? Object.keys(given);
        for (const field of fields) {
          if (given[field] === undefined || given[field] === null) delete merged[field];
          else merged[field] = given[field];
        }
        return this.write(tx, catalog, request, item.item_id, merged, existing, now);
      }
    }
  }

  private async write(
    tx: Queryable,
    catalog: CatalogRow,
    request: { country: string; language: string },
    itemId: string,
    attributes: Record<string, unknown>,
    existing: ItemRow | undefined,
    now: number,
  ): Promise<ItemRecord> {
    const checked = checkerFor(catalog.catalog_type).check({ ...attributesAsRow(attributes), id: itemId }, {});
    if (!checked.item) return { item_id: itemId, status: 'FAILURE', errors: checked.errors.map(event), warnings: checked.warnings.map(event) };
    // An item a feed made stays the feed's (its next ingestion writes it again).
    const source = { feedId: existing?.feed_id ?? null, seenIn: (existing?.seen_in as string | null) ?? null, country: request.country, language: request.language };
    await upsertItems(tx, catalog.id, [checked.item], source, now);
    return { item_id: itemId, status: 'SUCCESS', errors: [], warnings: checked.warnings.map(event) };
  }
}

function success(itemId: string): ItemRecord {
  return { item_id: itemId, status: 'SUCCESS', errors: [], warnings: [] };
}

function failure(itemId: string, error: { attribute: string; code: number; message: string }): ItemRecord {
  return { item_id: itemId, status: 'FAILURE', errors: [error], warnings: [] };
}
