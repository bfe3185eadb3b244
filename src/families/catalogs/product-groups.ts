/**
 * Product groups (the spec's `catalog_product_groups` tag): named filters over a
 * catalog's items (all of them, or one feed's), evaluated by the database against
 * the stored items, so `products` and `product_counts` always say what the items
 * are now. Every feed comes with its automatic ALL_PRODUCTS group, which cannot be
 * altered (409 code 4177).
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../../kernel/clock.js';
import { pinterestTimestamp } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { IdGenerator } from '../../kernel/ids.js';
import type { Bookmarks, Page, PageRequest } from '../../kernel/pagination.js';
import type { Database, Queryable, SqlValue } from '../../storage/database.js';
import type { CatalogRow, CatalogService, CatalogType } from './catalogs.js';
import type { FeedService } from './feeds.js';
import { checkFilters, compileFilters, filtersKey, referencedGroups, type Condition, type Filters } from './filters.js';
import type { ItemRow } from './item-store.js';

/** Pinterest: the product group types; all but MERCHANT_CREATED are made by Pinterest. */
export const PRODUCT_GROUP_TYPES = ['MERCHANT_CREATED', 'ALL_PRODUCTS', 'BEST_DEALS', 'PINNER_FAVORITES', 'TOP_SELLERS', 'BACK_IN_STOCK', 'NEW_ARRIVALS', 'SHOPIFY_COLLECTIONS', 'I2PC'] as const;
/** pinbox: how deep PRODUCT_GROUP references may nest (a group naming a group naming a group). */
const REFERENCE_DEPTH = 5;

export interface ProductGroupRow {
  id: string;
  catalog_id: string;
  feed_id: string | null;
  name: string;
  description: string | null;
  filters: string;
  filters_key: string;
  group_type: string;
  status: 'ACTIVE' | 'INACTIVE';
  country: string | null;
  locale: string | null;
  created_at: number;
  updated_at: number;
}

export interface ProductGroupInput {
  name?: string;
  description?: string | null;
  filters?: Filters;
  feed_id?: string;
  catalog_id?: string;
  catalog_type?: CatalogType;
  country?: string;
  locale?: string;
}

/** The scope a group's filters run over: a catalog, and one feed of it for a feed-based group. */
interface Scope {
  catalog: CatalogRow;
  feedId: string | null;
}

export function presentGroup(row: ProductGroupRow, catalogType: CatalogType) {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    filters: JSON.parse(row.filters) as Filters,
    type: row.group_type,
    status: row.status,
    feed_id: row.feed_id,
    catalog_id: row.catalog_id,
    catalog_type: catalogType,
    country: row.country,
    locale: row.locale,
    // Pinterest: a product group's times are Unix seconds.
    created_at: Math.floor(Number(row.created_at) / 1000),
    updated_at: Math.floor(Number(row.updated_at) / 1000),
  };
}

/** Pinterest makes a product Pin for each item; pinbox names it by a number derived from the catalog and the item. */
export function productPinId(catalogId: string, itemId: string): string {
  return BigInt(`0x${createHash('sha256').update(`${catalogId}\0${itemId}`).digest('hex').slice(0, 15)}`).toString();
}

const numberOrNull = (value: unknown): number | null => {
  const match = typeof value === 'string' ? /^\s*(\d+(?:\.\d+)?)/.exec(value) : null;
  return match ? Number(match[1]) : null;
};

/** A product as the products lists answer it: its metadata and its product Pin. */
export function presentProduct(row: ItemRow, catalogType: CatalogType) {
  const attributes = JSON.parse(row.attributes) as Record<string, unknown>;
  const images = Array.isArray(attributes.image_link) ? (attributes.image_link as string[]) : [];
  return {
    catalog_type: catalogType,
    metadata: {
      item_id: row.item_id,
      item_group_id: typeof attributes.item_group_id === 'string' ? attributes.item_group_id : null,
      availability: row.availability,
      price: Number(row.price),
      sale_price: numberOrNull(attributes.sale_price),
      currency: row.currency,
    },
    pin: {
      id: productPinId(row.catalog_id, row.item_id),
      created_at: pinterestTimestamp(Number(row.created_at)),
      link: typeof attributes.link === 'string' ? attributes.link : null,
      title: typeof attributes.title === 'string' ? attributes.title : null,
      description: typeof attributes.description === 'string' ? attributes.description : null,
      media: images.length ? { media_type: 'image', images: { originals: { url: images[0], width: 1000, height: 1000 } } } : undefined,
    },
  };
}

interface ProductCounts {
  total: number;
  in_stock: number;
  out_of_stock: number;
  preorder: number;
  videos: number;
}

/** pinbox: how many product_counts answers a process keeps (by catalog state and condition). */
const COUNTS_KEPT = 1000;

export class ProductGroupService {
  /**
   * product_counts answers by the catalog's items_state and the compiled condition:
   * a state names one content of the items, so a kept answer is right for as long as
   * the state is the catalog's, in any process, even after a restore.
   */
  private readonly countsKept = new Map<string, ProductCounts>();

  /** Forgets the kept counts (a reset or a restore). */
  forgetCached(): void {
    this.countsKept.clear();
  }

  constructor(private readonly deps: { db: Database; clock: Clock; ids: IdGenerator; bookmarks: Bookmarks; catalogs: CatalogService; feeds: FeedService }) {}

  /** The user's product group with its catalog: 404 code 4180 otherwise. */
  async owned(userId: string, id: string, q: Queryable = this.deps.db): Promise<{ group: ProductGroupRow; catalog: CatalogRow }> {
    const group = await q.get<ProductGroupRow>('SELECT g.* FROM catalog_product_groups g JOIN catalogs c ON c.id = g.catalog_id WHERE g.id = ? AND c.owner_id = ?', [id, userId]);
    if (!group) throw new ApiError('product_group_not_found');
    const catalog = (await q.get<CatalogRow>('SELECT * FROM catalogs WHERE id = ?', [group.catalog_id]))!;
    return { group, catalog };
  }

  /** Where a new group or an ad-hoc filter runs: a feed (the older request) or a catalog. */
  private async scopeOf(userId: string, input: ProductGroupInput, q: Queryable): Promise<Scope> {
    if (input.feed_id !== undefined) {
      const { feed, catalog } = await this.deps.feeds.owned(userId, input.feed_id, q);
      return { catalog, feedId: feed.id };
    }
    const catalog = await this.deps.catalogs.resolve(userId, input.catalog_id, input.catalog_type ?? 'RETAIL', q);
    if (input.catalog_type !== undefined && catalog.catalog_type !== input.catalog_type) {
      throw invalidField('catalog_type', `is ${input.catalog_type}, but catalog ${catalog.id} is a ${catalog.catalog_type} catalog`);
    }
    return { catalog, feedId: null };
  }

  async create(userId: string, input: ProductGroupInput): Promise<{ group: ProductGroupRow; catalog: CatalogRow }> {
    return this.deps.db.transaction(async (tx) => {
      const scope = await this.scopeOf(userId, input, tx);
      await tx.lock(`catalog-product-groups:${scope.catalog.id}`);
      const group = await this.insert(tx, scope, input, 'MERCHANT_CREATED');
      return { group, catalog: scope.catalog };
    });
  }

  /** Pinterest: create_many answers the new groups' ids, in order; one refusal refuses them all. */
  async createMany(userId: string, inputs: readonly ProductGroupInput[]): Promise<string[]> {
    return this.deps.db.transaction(async (tx) => {
      const ids: string[] = [];
      for (const input of inputs) {
        const scope = await this.scopeOf(userId, input, tx);
        await tx.lock(`catalog-product-groups:${scope.catalog.id}`);
        ids.push((await this.insert(tx, scope, input, 'MERCHANT_CREATED')).id);
      }
      return ids;
    });
  }

  /** Writes a group (the API, fixtures, a feed's ALL_PRODUCTS): a name and filters no other group of its scope has. */
  async insert(tx: Queryable, scope: Scope, input: ProductGroupInput, type: string): Promise<ProductGroupRow> {
    const filters = type === 'MERCHANT_CREATED' ? checkFilters(input.filters!) : input.filters!;
    const now = this.deps.clock.now();
    const row: ProductGroupRow = {
      id: this.deps.ids.next(),
      catalog_id: scope.catalog.id,
      feed_id: scope.feedId,
      name: input.name!,
      description: input.description ?? null,
      filters: JSON.stringify(filters),
      filters_key: filtersKey(filters),
      group_type: type,
      status: 'ACTIVE',
      country: input.country ?? null,
      locale: input.locale ?? null,
      created_at: now,
      updated_at: now,
    };
    if (type === 'MERCHANT_CREATED') {
      await this.checkUnique(tx, row, null);
      await this.checkReferences(tx, scope, filters, row.id);
    }
    await tx.run(
      `INSERT INTO catalog_product_groups (id, catalog_id, feed_id, name, description, filters, filters_key, group_type, status, country, locale, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [row.id, row.catalog_id, row.feed_id, row.name, row.description, row.filters, row.filters_key, row.group_type, row.status, row.country, row.locale, now, now],
    );
    return row;
  }

  /** Pinterest: 409 code 4179 for a name, 4178 for filters another group of the same feed (pinbox: or catalog) has. */
  private async checkUnique(q: Queryable, row: ProductGroupRow, exceptId: string | null): Promise<void> {
    const same = (column: string, value: string) =>
      q.get<{ id: string }>(`SELECT id FROM catalog_product_groups WHERE catalog_id = ? AND COALESCE(feed_id, '') = ? AND ${column} = ? AND id <> ?`, [
        row.catalog_id,
        row.feed_id ?? '',
        value,
        exceptId ?? '',
      ]);
    if (await same('name', row.name)) throw new ApiError('product_group_name_taken');
    if (await same('filters_key', row.filters_key)) throw new ApiError('product_group_filters_taken');
  }

  /** PRODUCT_GROUP names groups of the same catalog, never the group itself, however deep. */
  private async checkReferences(q: Queryable, scope: Scope, filters: Filters, selfId: string): Promise<void> {
    const invalid = (why: string) =>
      new ApiError('product_group_filters_invalid', `Catalog product group filters failed validation, please ensure all filters are set correctly. (pinbox: ${why}.)`);
    const visit = async (current: Filters, depth: number): Promise<void> => {
      for (const id of referencedGroups(current)) {
        if (id === selfId) throw invalid('PRODUCT_GROUP names the group itself');
        if (depth >= REFERENCE_DEPTH) throw invalid(`PRODUCT_GROUP references nest deeper than ${REFERENCE_DEPTH}`);
        const named = await q.get<ProductGroupRow>('SELECT * FROM catalog_product_groups WHERE id = ? AND catalog_id = ?', [id, scope.catalog.id]);
        if (!named) throw invalid(`PRODUCT_GROUP names ${id}, which is no product group of catalog ${scope.catalog.id}`);
        await visit(JSON.parse(named.filters) as Filters, depth + 1);
      }
    };
    await visit(filters, 0);
  }

  async update(userId: string, id: string, input: ProductGroupInput): Promise<{ group: ProductGroupRow; catalog: CatalogRow }> {
    return this.deps.db.transaction(async (tx) => {
      const { group, catalog } = await this.owned(userId, id, tx);
      await tx.lock(`catalog-product-groups:${catalog.id}`);
      if (group.group_type !== 'MERCHANT_CREATED') throw new ApiError('product_group_auto_generated');
      const filters = input.filters === undefined ? (JSON.parse(group.filters) as Filters) : checkFilters(input.filters);
      const next: ProductGroupRow = {
        ...group,
        name: input.name ?? group.name,
        description: input.description === undefined ? group.description : input.description,
        filters: JSON.stringify(filters),
        filters_key: filtersKey(filters),
        country: input.country ?? group.country,
        locale: input.locale ?? group.locale,
        updated_at: this.deps.clock.now(),
      };
      await this.checkUnique(tx, next, group.id);
      await this.checkReferences(tx, { catalog, feedId: group.feed_id }, filters, group.id);
      await tx.run('UPDATE catalog_product_groups SET name = ?, description = ?, filters = ?, filters_key = ?, country = ?, locale = ?, updated_at = ? WHERE id = ?', [
        next.name,
        next.description,
        next.filters,
        next.filters_key,
        next.country,
        next.locale,
        next.updated_at,
        group.id,
      ]);
      return { group: next, catalog };
    });
  }

  /** Pinterest: 204; an automatic group cannot be deleted (4177), nor one another group's filters name (pinbox: 4183). */
  async delete(userId: string, ids: readonly string[]): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      for (const id of ids) {
        const { group } = await this.owned(userId, id, tx);
        if (group.group_type !== 'MERCHANT_CREATED') throw new ApiError('product_group_auto_generated');
        if ((await this.deps.feeds.promotedGroup(tx, [group.id])) !== null) throw new ApiError('product_group_has_active_promotions');
        const naming = await tx.all<ProductGroupRow>('SELECT * FROM catalog_product_groups WHERE catalog_id = ? AND id <> ?', [group.catalog_id, group.id]);
        const by = naming.find((other) => !ids.includes(other.id) && referencedGroups(JSON.parse(other.filters) as Filters).includes(group.id));
        if (by) throw new ApiError('product_group_filters_invalid', `Catalog product group filters failed validation, please ensure all filters are set correctly. (pinbox: product group ${by.id} names ${group.id} in its filters.)`);
        await tx.run('DELETE FROM catalog_product_groups WHERE id = ?', [group.id]);
      }
    });
  }

  list(userId: string, query: { feed_id?: string; catalog_id?: string; id?: string[] } & PageRequest): Promise<Page<{ group: ProductGroupRow; catalog_type: CatalogType }>> {
    const ids = (query.id ?? []).map(String);
    const listKey = `catalogs_product_groups/list:${userId}:${query.feed_id ?? ''}:${query.catalog_id ?? ''}:${ids.join(',')}`;
    return this.deps.bookmarks.page(listKey, query, (row) => row.group.id, async (after, limit) => {
      if (query.feed_id !== undefined) await this.deps.feeds.owned(userId, query.feed_id);
      if (query.catalog_id !== undefined) await this.deps.catalogs.owned(userId, query.catalog_id);
      const rows = await this.deps.db.all<ProductGroupRow & { catalog_type: CatalogType }>(
        `SELECT g.*, c.catalog_type FROM catalog_product_groups g JOIN catalogs c ON c.id = g.catalog_id
          WHERE c.owner_id = ? AND (? = '' OR g.feed_id = ?) AND (? = '' OR g.catalog_id = ?)
          ${ids.length ? `AND g.id IN (${ids.map(() => '?').join(', ')})` : ''} AND g.id > ? ORDER BY g.id LIMIT ?`,
        [userId, query.feed_id ?? '', query.feed_id ?? '', query.catalog_id ?? '', query.catalog_id ?? '', ...ids, after ?? '', limit],
      );
      return rows.map(({ catalog_type, ...group }) => ({ group: group as ProductGroupRow, catalog_type }));
    });
  }

  /** The SQL condition of a group's filters, its references compiled in (they were checked acyclic when written). */
  private async condition(q: Queryable, scope: Scope, filters: Filters, depth = 0): Promise<Condition> {
    const referenced = new Map<string, Condition>();
    for (const id of referencedGroups(filters)) {
      const named = await q.get<ProductGroupRow>('SELECT * FROM catalog_product_groups WHERE id = ? AND catalog_id = ?', [id, scope.catalog.id]);
      // A group deleted since is matched by nothing.
      referenced.set(id, named && depth < REFERENCE_DEPTH ? await this.condition(q, { catalog: scope.catalog, feedId: named.feed_id }, JSON.parse(named.filters) as Filters, depth + 1) : { sql: '1 = 0', params: [] });
      const scoped = referenced.get(id)!;
      if (named?.feed_id) referenced.set(id, { sql: `feed_id = ? AND (${scoped.sql})`, params: [named.feed_id, ...scoped.params] });
    }
    return compileFilters(filters, (id) => referenced.get(id)!);
  }

  private async where(q: Queryable, scope: Scope, filters: Filters): Promise<Condition> {
    const condition = await this.condition(q, scope, filters);
    const feed = scope.feedId === null ? '' : ' AND feed_id = ?';
    return { sql: `catalog_id = ?${feed} AND (${condition.sql})`, params: [scope.catalog.id, ...(scope.feedId === null ? [] : [scope.feedId]), ...condition.params] };
  }

  /** Pinterest: product_counts by availability, `videos` the items with a video, counted from the stored items. */
  async counts(userId: string, id: string) {
    const { group, catalog } = await this.owned(userId, id);
    const where = await this.where(this.deps.db, { catalog, feedId: group.feed_id }, JSON.parse(group.filters) as Filters);
    const state = (await this.deps.db.get<{ items_state: string | null }>('SELECT items_state FROM catalogs WHERE id = ?', [catalog.id]))?.items_state ?? '';
    const key = `${state}\0${where.sql}\0${JSON.stringify(where.params)}`;
    let counts = this.countsKept.get(key);
    if (!counts) {
      counts = await this.countRow(where);
      if (this.countsKept.size >= COUNTS_KEPT) this.countsKept.delete(this.countsKept.keys().next().value!);
      this.countsKept.set(key, counts);
    }
    return { catalog_type: catalog.catalog_type, ...counts };
  }

  private async countRow(where: Condition): Promise<ProductCounts> {
    const row = await this.deps.db.get<Record<string, number | null>>(
      `SELECT COUNT(*) AS total,
        SUM(CASE WHEN availability = 'IN_STOCK' THEN 1 ELSE 0 END) AS in_stock,
        SUM(CASE WHEN availability = 'OUT_OF_STOCK' THEN 1 ELSE 0 END) AS out_of_stock,
        SUM(CASE WHEN availability = 'PREORDER' THEN 1 ELSE 0 END) AS preorder,
        SUM(CASE WHEN media_type = 'VIDEO' THEN 1 ELSE 0 END) AS videos
       FROM catalog_items WHERE ${where.sql}`,
      where.params,
    );
    const n = (key: string) => Number(row?.[key] ?? 0);
    return { total: n('total'), in_stock: n('in_stock'), out_of_stock: n('out_of_stock'), preorder: n('preorder'), videos: n('videos') };
  }

  async products(userId: string, id: string, request: PageRequest) {
    const { group, catalog } = await this.owned(userId, id);
    return this.page(`catalogs_product_group_pins/list:${group.id}`, { catalog, feedId: group.feed_id }, JSON.parse(group.filters) as Filters, request);
  }

  /** products_by_product_group_filter/list: the products of filters not saved as a group. */
  async productsByFilters(userId: string, input: ProductGroupInput, request: PageRequest) {
    const scope = await this.scopeOf(userId, input, this.deps.db);
    const filters = checkFilters(input.filters!);
    await this.checkReferences(this.deps.db, scope, filters, '');
    const key = createHash('sha256').update(`${scope.catalog.id}:${scope.feedId ?? ''}:${filtersKey(filters)}`).digest('hex').slice(0, 32);
    return this.page(`products_by_product_group_filter/list:${key}`, scope, filters, request);
  }

  private async page(listKey: string, scope: Scope, filters: Filters, request: PageRequest) {
    const where = await this.where(this.deps.db, scope, filters);
    const page = await this.deps.bookmarks.page(listKey, request, (row: ItemRow) => row.item_id, (after, limit) =>
      this.deps.db.all<ItemRow>(`SELECT * FROM catalog_items WHERE ${where.sql} AND item_id > ? ORDER BY item_id LIMIT ?`, [...where.params, after ?? '', limit] as SqlValue[]),
    );
    return { items: page.items.map((row) => presentProduct(row, scope.catalog.catalog_type)), bookmark: page.bookmark };
  }
}
