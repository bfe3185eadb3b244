/**
 * The items of catalogs, written by feed ingestions and item batches alike. Writes
 * go many rows to a statement (one round trip for a chunk on PostgreSQL); an
 * unchanged item keeps its `updated_at`.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable, SqlValue } from '../../storage/database.js';
import { ITEM_FILTER_COLUMNS } from './migrations.js';
import type { CheckedItem } from './retail-attributes.js';

/** Rows to one INSERT: 200 rows of 31 columns stay far below both engines' parameter limits. */
const ROWS_PER_STATEMENT = 200;

const COLUMNS = ['catalog_id', 'item_id', 'feed_id', 'seen_in', 'country', 'language', 'attributes', ...ITEM_FILTER_COLUMNS, 'created_at', 'updated_at'] as const;
const UPDATED = COLUMNS.filter((column) => column !== 'catalog_id' && column !== 'item_id' && column !== 'created_at' && column !== 'updated_at');
const ROW_PLACEHOLDER = `(${COLUMNS.map(() => '?').join(', ')})`;
const CONFLICT = `ON CONFLICT (catalog_id, item_id) DO UPDATE SET ${UPDATED.map((column) => `${column} = excluded.${column}`).join(', ')},
  updated_at = CASE WHEN catalog_items.attributes = excluded.attributes THEN catalog_items.updated_at ELSE excluded.updated_at END`;

export interface ItemRow {
  catalog_id: string;
  item_id: string;
  feed_id: string | null;
  country: string | null;
  language: string | null;
  attributes: string;
  availability: string;
  created_at: number;
  updated_at: number;
  [column: string]: SqlValue;
}

/** Where written items come from: a feed's ingestion (`seenIn` is its result) or an item batch. */
export interface ItemSource {
  feedId: string | null;
  seenIn: string | null;
  country: string | null;
  language: string | null;
}

/** Marks the catalog's items changed (a new `items_state`): what was computed from them is stale. */
export async function itemsChanged(q: Queryable, catalogId: string): Promise<void> {
  await q.run('UPDATE catalogs SET items_state = ? WHERE id = ?', [randomUUID(), catalogId]);
}

/** Writes items of one catalog (new ones made, known ones replaced). */
export async function upsertItems(q: Queryable, catalogId: string, items: readonly CheckedItem[], source: ItemSource, now: number): Promise<void> {
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) {
    const slice = items.slice(start, start + ROWS_PER_STATEMENT);
    const params: SqlValue[] = [];
    for (const item of slice) {
      params.push(catalogId, item.item_id, source.feedId, source.seenIn, source.country, source.language, JSON.stringify(item.attributes));
      for (const column of ITEM_FILTER_COLUMNS) params.push(item.columns[column]);
      params.push(now, now);
    }
    await q.run(`INSERT INTO catalog_items (${COLUMNS.join(', ')}) VALUES ${slice.map(() => ROW_PLACEHOLDER).join(', ')} ${CONFLICT}`, params);
  }
  if (items.length > 0) await itemsChanged(q, catalogId);
}

export function getItems(q: Queryable, catalogId: string, itemIds: readonly string[]): Promise<ItemRow[]> {
  if (itemIds.length === 0) return Promise.resolve([]);
  return q.all<ItemRow>(`SELECT * FROM catalog_items WHERE catalog_id = ? AND item_id IN (${itemIds.map(() => '?').join(', ')})`, [catalogId, ...itemIds]);
}

export async function deleteItems(q: Queryable, catalogId: string, itemIds: readonly string[]): Promise<number> {
  if (itemIds.length === 0) return 0;
  const removed = (await q.run(`DELETE FROM catalog_items WHERE catalog_id = ? AND item_id IN (${itemIds.map(() => '?').join(', ')})`, [catalogId, ...itemIds])).changes;
  if (removed > 0) await itemsChanged(q, catalogId);
  return removed;
}
