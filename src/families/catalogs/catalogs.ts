/**
 * Catalogs (the spec's `catalogs` tag): RETAIL, HOTEL and CREATIVE_ASSETS catalogs
 * of a user. Everything else of the family hangs under a catalog, and every read or
 * write finds its catalog through `owned`, so another user's catalog is never seen.
 */
import type { Clock } from '../../kernel/clock.js';
import { pinterestTimestamp } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { IdGenerator } from '../../kernel/ids.js';
import type { Bookmarks, Page, PageRequest } from '../../kernel/pagination.js';
import type { Database, Queryable } from '../../storage/database.js';
import type { UserStore } from '../user-account/store.js';

export const CATALOG_TYPES = ['RETAIL', 'HOTEL', 'CREATIVE_ASSETS'] as const;
export type CatalogType = (typeof CATALOG_TYPES)[number];

/** pinbox: Pinterest documents no limit on a user's catalogs; this keeps one user from filling the store. */
export const CATALOGS_PER_USER = 100;

export interface CatalogRow {
  id: string;
  owner_id: string;
  catalog_type: CatalogType;
  name: string | null;
  created_at: number;
  updated_at: number;
}

export function presentCatalog(row: CatalogRow) {
  return {
    id: row.id,
    name: row.name,
    catalog_type: row.catalog_type,
    created_at: pinterestTimestamp(Number(row.created_at)),
    updated_at: pinterestTimestamp(Number(row.updated_at)),
  };
}

export class CatalogService {
  constructor(private readonly deps: { db: Database; clock: Clock; ids: IdGenerator; bookmarks: Bookmarks; users: UserStore }) {}

  /** The user's catalog `id`: 404 code 678 for one that is unknown or another's. */
  async owned(userId: string, id: string, q: Queryable = this.deps.db): Promise<CatalogRow> {
    const row = await q.get<CatalogRow>('SELECT * FROM catalogs WHERE id = ? AND owner_id = ?', [id, userId]);
    if (!row) throw new ApiError('catalog_not_found');
    return row;
  }

  /**
   * The catalog an operation without `catalog_id` works on. Pinterest: "If not
   * provided, default to oldest retail catalog" (CatalogsRetailItemsPostFilter);
   * none gives 409 code 4182.
   */
  async oldest(userId: string, type: CatalogType, q: Queryable = this.deps.db): Promise<CatalogRow> {
    const row = await q.get<CatalogRow>('SELECT * FROM catalogs WHERE owner_id = ? AND catalog_type = ? ORDER BY created_at, id LIMIT 1', [userId, type]);
    if (!row) throw new ApiError('catalog_required', `Can't access this feature without an existing catalog. (pinbox: the user has no ${type} catalog.)`);
    return row;
  }

  /** `catalog_id` when given (the user's), else the user's oldest catalog of `type`. */
  resolve(userId: string, catalogId: string | undefined, type: CatalogType, q: Queryable = this.deps.db): Promise<CatalogRow> {
    return catalogId === undefined ? this.oldest(userId, type, q) : this.owned(userId, catalogId, q);
  }

  /** Pinterest: catalogs need a business account (403 code 654). */
  async create(userId: string, input: { catalog_type: CatalogType; name: string }): Promise<CatalogRow> {
    return this.deps.db.transaction(async (tx) => {
      const user = await this.deps.users.getById(userId, tx);
      if (!user || user.account_type !== 'BUSINESS') {
        throw new ApiError('business_account_required', 'You must have a business account to operate as merchant.');
      }
      return this.insert(tx, userId, input);
    });
  }

  /** Writes a catalog (the API and fixtures), keeping the per-user limit. */
  async insert(q: Queryable, ownerId: string, input: { catalog_type: CatalogType; name: string | null }): Promise<CatalogRow> {
    const owned = await q.get<{ n: number }>('SELECT COUNT(*) AS n FROM catalogs WHERE owner_id = ?', [ownerId]);
    if (Number(owned?.n ?? 0) >= CATALOGS_PER_USER) throw invalidField('name', `cannot be given to another catalog: the user has ${CATALOGS_PER_USER}, as many as pinbox keeps`);
    const now = this.deps.clock.now();
    const row: CatalogRow = { id: this.deps.ids.next(), owner_id: ownerId, catalog_type: input.catalog_type, name: input.name, created_at: now, updated_at: now };
    await q.run('INSERT INTO catalogs (id, owner_id, catalog_type, name, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [
      row.id,
      row.owner_id,
      row.catalog_type,
      row.name,
      now,
      now,
    ]);
    return row;
  }

  list(userId: string, request: PageRequest): Promise<Page<CatalogRow>> {
    return this.deps.bookmarks.page(`catalogs/list:${userId}`, request, (row) => row.id, (after, limit) =>
      this.deps.db.all<CatalogRow>('SELECT * FROM catalogs WHERE owner_id = ? AND id > ? ORDER BY id LIMIT ?', [userId, after ?? '', limit]),
    );
  }
}
