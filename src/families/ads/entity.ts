/**
 * The one mechanism every ad-account-scoped entity is built on (campaigns, ad
 * groups and ads now; keywords, audiences, conversion tags, lead forms, promotions
 * later). An entity declares its table, its rules for one item, its list filters
 * and its role rule (`defineAdEntity`); `adEntityRoutes` makes its four routes from
 * that (list, bulk create, bulk update, get) and `adEntityFixtures` its fixture
 * section. Reset, per-user reset and snapshots reach its rows because its table is
 * the ads family's and hangs off `ad_accounts` (see migrations.ts).
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { authOf } from '../../kernel/auth.js';
import { ApiError, fromValidation, invalidField } from '../../kernel/errors.js';
import { paginationQuerySchema, type Bookmarks, type PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { Scope } from '../../kernel/scopes.js';
import { literalOperationAt, notServedYet } from '../../kernel/operations.js';
import type { Clock } from '../../kernel/clock.js';
import type { Database, Queryable, SqlValue } from '../../storage/database.js';
import { defineFixtureSection, invalidFixture, type FixtureSection } from '../fixture-section.js';
import type { AdAccountService } from './ad-accounts.js';
import type { AdIds } from './ad-ids.js';
import type { AdAccountRow, RoleRule } from './roles.js';
import { ENTITY_STATUSES, illegalMove, type EntityStatus } from './status.js';

/** How a declared column is kept: text, a whole number, a flag (0/1), or JSON text. */
export type ColumnKind = 'text' | 'integer' | 'boolean' | 'json';

/** One stored entity, in the API's field names: the common columns, the declared ones and the extra fields. */
export interface EntityRecord {
  id: string;
  ad_account_id: string;
  status: EntityStatus;
  /** Milliseconds on pinbox's clock. */
  created_at: number;
  updated_at: number;
  [field: string]: unknown;
}

/** The fields an item's rules give for a record (the common columns are the mechanism's). */
export type EntityFields = Record<string, unknown>;

/** What an item's rules and the presentation see. */
export interface EntityContext {
  q: Queryable;
  account: AdAccountRow;
  /** Milliseconds on pinbox's clock. */
  now: number;
  /** The record's parent (its campaign, its ad group), when the entity has one. */
  parent: EntityRecord | null;
}

/** Pinterest: a failed item's `exceptions` entry. */
export interface ItemException {
  code: number;
  message: string;
}

/**
 * A failed item, thrown by an item's rules; the mechanism answers it as that item's
 * exception, and the other items carry on.
 * @example throw new ItemRefusal(2384, "Invalid parameters: 'daily_spend_cap' ...")
 */
export class ItemRefusal extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** pinbox: Pinterest has no public code for an illegal status move or an edit of an archived entity; 400 is its generic ads code. */
export const ENTITY_STATE_CODE = 400;

/** Pinterest: "Advertiser not found." and its kin come back as code 2 in an item's exceptions. */
export const ITEM_NOT_FOUND_CODE = 2;

/** How an entity's parent is named in its items (`campaign_id`, maybe `C`-prefixed). */
export interface ParentLink {
  entity: AdEntity;
  /** The item field and column holding the parent's id. */
  field: string;
  /** Pinterest: a prefix inputs may carry (`C` for campaign ids, `AG` for ad groups). */
  prefix?: string;
}

export interface AdEntityDefinition {
  /** The entity in messages: `campaign`, `ad group`, `ad`. */
  noun: string;
  table: string;
  /**
   * The spec's tag and path segment (`campaigns`): the routes are
   * `/ad_accounts/{id}/<resource>[/{idParam}]`, operations `<resource>/list|create|update|get`.
   */
  resource: string;
  /** The path parameter of the get route, e.g. `campaign_id`. */
  idParam: string;
  /** Default: Pinterest's `ads:read` to read and `ads:write` to write. */
  scopes?: { read: readonly Scope[]; write: readonly Scope[] };
  roles: RoleRule;
  /** Its own columns, beyond id, ad_account_id, status, created_at, updated_at and extra. */
  columns: Readonly<Record<string, ColumnKind>>;
  /** Fields kept in the `extra` JSON column: stored and given back, never queried. */
  extra: readonly string[];
  /** List filters: query parameter -> the column it matches (`campaign_ids` -> `campaign_id`). */
  filters: Readonly<Record<string, string>>;
  /** Pinterest: `exceptions` is an array for campaigns and ad groups, one object for ads. */
  exceptions: 'array' | 'object';
  /** JSON Schemas of one create and one update item (checked item by item, so one bad item fails alone). */
  schemas: { create: object; update: object };
  /** The status an item without one gets. */
  defaultStatus: EntityStatus;
  /** Fields that change only while the entity is a DRAFT. */
  draftOnly: readonly string[];
  parent?: ParentLink;
  /** Tables of its descendants and their column naming it: archiving it archives them. */
  descendants: readonly { table: string; column: string }[];
  /** Checks one create item; returns the record's fields (defaults filled) or throws `ItemRefusal`/`invalidField`. */
  create(item: Record<string, unknown>, context: EntityContext): Promise<EntityFields>;
  /** Checks one update item against the record; returns the fields after the update. */
  update(item: Record<string, unknown>, current: EntityRecord, context: EntityContext): Promise<EntityFields>;
  /** Work after a record was written in the batch's transaction (a campaign's CBO turning on or off reaches its ad groups). */
  afterWrite?(before: EntityRecord | null, after: EntityRecord, context: EntityContext): Promise<void>;
  /** The response body of one record beyond id, ad_account_id, status and times (the mechanism's), given its ancestors nearest first. */
  present(record: EntityRecord, ancestors: readonly EntityRecord[], context: { now: number; account: AdAccountRow }): Record<string, unknown>;
  /** Its fixture section: the key in the file and the kind its items are named by. */
  fixture: { key: string; kind: string; parentKey: string };
  /**
   * Its part in bulk/upsert (under the key `resource`) and bulk/download: the spec's
   * `BulkEntityType`, and the fields of its answers that no create or update item
   * takes beyond the common ones (`READ_ONLY_FIELDS`), which bulk/upsert drops so a
   * downloaded entity can go back as it came.
   */
  bulk: { type: string; readOnly: readonly string[] };
}

/** The fields every entity's answer carries that no item sets. */
export const READ_ONLY_FIELDS = ['type', 'summary_status', 'created_time', 'updated_time'] as const;

export interface AdEntity extends AdEntityDefinition {
  readonly store: EntityStore;
  /** Under /v5, in Fastify syntax, e.g. `/ad_accounts/:ad_account_id/campaigns`. */
  readonly path: string;
  readonly operations: { list: string; create: string; update: string; get: string };
  readonly scopes: { read: readonly Scope[]; write: readonly Scope[] };
}

/**
 * Declares an ad-account-scoped entity.
 * @example
 * export const campaigns = defineAdEntity({ noun: 'campaign', table: 'ad_campaigns', resource: 'campaigns', idParam: 'campaign_id', roles, columns, ... });
 */
export function defineAdEntity(definition: AdEntityDefinition): AdEntity {
  const { resource } = definition;
  return {
    scopes: { read: ['ads:read'], write: ['ads:write'] },
    ...definition,
    store: new EntityStore(definition),
    path: `/ad_accounts/:ad_account_id/${resource}`,
    operations: { list: `${resource}/list`, create: `${resource}/create`, update: `${resource}/update`, get: `${resource}/get` },
  };
}

const itemAjv = new Ajv({ allErrors: false, strict: false, useDefaults: false, coerceTypes: false });

/** Reads and writes the rows of one entity's table, column by column from its declaration. */
export class EntityStore {
  private readonly columns: readonly string[];

  constructor(private readonly entity: AdEntityDefinition) {
    this.columns = ['id', 'ad_account_id', 'status', 'created_at', 'updated_at', ...Object.keys(entity.columns), 'extra'];
  }

  decode(row: Record<string, unknown>): EntityRecord {
    const record: EntityRecord = {
      id: row.id as string,
      ad_account_id: row.ad_account_id as string,
      status: row.status as EntityStatus,
      created_at: Number(row.created_at),
      updated_at: Number(row.updated_at),
    };
    for (const [column, kind] of Object.entries(this.entity.columns)) {
      const value = row[column];
      if (value === null || value === undefined) record[column] = null;
      else if (kind === 'boolean') record[column] = Number(value) === 1;
      else if (kind === 'integer') record[column] = Number(value);
      else if (kind === 'json') record[column] = JSON.parse(value as string);
      else record[column] = value;
    }
    Object.assign(record, JSON.parse((row.extra as string | null) ?? '{}'));
    return record;
  }

  private encode(record: EntityRecord): SqlValue[] {
    const extra: Record<string, unknown> = {};
    for (const field of this.entity.extra) if (record[field] !== undefined) extra[field] = record[field];
    return this.columns.map((column) => {
      if (column === 'extra') return JSON.stringify(extra);
      const value = record[column];
      if (value === undefined || value === null) return null;
      const kind = this.entity.columns[column];
      if (kind === 'boolean') return value ? 1 : 0;
      if (kind === 'json') return JSON.stringify(value);
      return value as SqlValue;
    });
  }

  async get(q: Queryable, accountId: string, id: string): Promise<EntityRecord | undefined> {
    const row = await q.get<Record<string, unknown>>(`SELECT * FROM ${this.entity.table} WHERE ad_account_id = ? AND id = ?`, [accountId, id]);
    return row && this.decode(row);
  }

  async getMany(q: Queryable, ids: readonly string[]): Promise<EntityRecord[]> {
    if (ids.length === 0) return [];
    const rows = await q.all<Record<string, unknown>>(`SELECT * FROM ${this.entity.table} WHERE id IN (${ids.map(() => '?').join(', ')})`, ids);
    return rows.map((row) => this.decode(row));
  }

  async insert(q: Queryable, record: EntityRecord): Promise<void> {
    await q.run(`INSERT INTO ${this.entity.table} (${this.columns.join(', ')}) VALUES (${this.columns.map(() => '?').join(', ')})`, this.encode(record));
  }

  async replace(q: Queryable, record: EntityRecord): Promise<void> {
    const values = this.encode(record);
    const sets = this.columns.slice(1).map((column) => `${column} = ?`);
    await q.run(`UPDATE ${this.entity.table} SET ${sets.join(', ')} WHERE id = ?`, [...values.slice(1), record.id]);
  }

  /** One page of the account's records, by id in `order`, after the id `after`. */
  async list(
    q: Queryable,
    accountId: string,
    statuses: readonly string[],
    filter: { column: string; values: readonly string[] } | null,
    descending: boolean,
    after: string | null,
    limit: number,
  ): Promise<EntityRecord[]> {
    const where = ['ad_account_id = ?', `status IN (${statuses.map(() => '?').join(', ')})`];
    const params: SqlValue[] = [accountId, ...statuses];
    if (filter) {
      where.push(`${filter.column} IN (${filter.values.map(() => '?').join(', ')})`);
      params.push(...filter.values);
    }
    if (after !== null) {
      where.push(descending ? 'id < ?' : 'id > ?');
      params.push(after);
    }
    const rows = await q.all<Record<string, unknown>>(
      `SELECT * FROM ${this.entity.table} WHERE ${where.join(' AND ')} ORDER BY id ${descending ? 'DESC' : 'ASC'} LIMIT ?`,
      [...params, limit],
    );
    return rows.map((row) => this.decode(row));
  }
}

/** What the mechanism's routes and fixtures are built from. */
export interface EntityDeps {
  db: Database;
  clock: Clock;
  ids: AdIds;
  bookmarks: Bookmarks;
  accounts: AdAccountService;
  /**
   * Delivery on the clock (delivery.ts): brought up to now before an account's
   * entities are read or written, so a write takes effect from that hour on and
   * summary_status reads budgets spent so far.
   */
  delivery?: { catchUp(accountId: string): Promise<void>; catchUpIn(q: Queryable, accountId: string): Promise<void> };
}

/** The operations every entity gets from its declaration: bulk create and update item by item, get, list. */
export class EntityService {
  private readonly validators = new Map<object, ValidateFunction>();

  constructor(
    readonly entity: AdEntity,
    readonly deps: EntityDeps,
  ) {}

  private validate(schema: object, item: unknown): void {
    let validator = this.validators.get(schema);
    if (!validator) this.validators.set(schema, (validator = itemAjv.compile(schema)));
    if (!validator(item)) throw fromValidation('body', validator.errors ?? []);
  }

  /** The parent an item names (prefix removed), checked: in the account, neither archived nor a deleted draft. */
  private async parentOf(q: Queryable, account: AdAccountRow, item: Record<string, unknown>, status: EntityStatus): Promise<EntityRecord | null> {
    const link = this.entity.parent;
    if (!link) return null;
    const given = String(item[link.field]);
    const id = link.prefix && given.startsWith(link.prefix) ? given.slice(link.prefix.length) : given;
    const parent = await link.entity.store.get(q, account.id, id);
    if (!parent) throw new ItemRefusal(ITEM_NOT_FOUND_CODE, `Invalid parameters: '${link.field}' ${given} is no ${link.entity.noun} of ad account ${account.id}.`);
    if (parent.status === 'ARCHIVED' || parent.status === 'DELETED_DRAFT') {
      throw new ItemRefusal(ENTITY_STATE_CODE, `Invalid parameters: '${link.field}' ${id} is ${parent.status}: nothing is added under an archived or deleted ${link.entity.noun}.`);
    }
    // pinbox: a draft's children are drafts, so nothing runs under a campaign that is not yet set up.
    if (parent.status === 'DRAFT' && status !== 'DRAFT') {
      throw new ItemRefusal(ENTITY_STATE_CODE, `Invalid parameters: 'status' must be DRAFT under the DRAFT ${link.entity.noun} ${id}.`);
    }
    item[link.field] = id;
    return parent;
  }

  /** Creates one item, or answers why not; writes nothing when it fails. */
  async createOne(q: Queryable, account: AdAccountRow, item: Record<string, unknown>): Promise<EntityRecord> {
    this.validate(this.entity.schemas.create, item);
    if (item.ad_account_id !== undefined && item.ad_account_id !== account.id) {
      throw invalidField('ad_account_id', `is ${String(item.ad_account_id)} but the path names ad account ${account.id}`);
    }
    const status = (item.status as EntityStatus | undefined) ?? this.entity.defaultStatus;
    if (status === 'ARCHIVED' || status === 'DELETED_DRAFT') {
      throw new ItemRefusal(ENTITY_STATE_CODE, `Invalid parameters: 'status' cannot be ${status} on create: a new ${this.entity.noun} is ACTIVE, PAUSED or DRAFT.`);
    }
    const now = this.deps.clock.now();
    const parent = await this.parentOf(q, account, item, status);
    const context: EntityContext = { q, account, now, parent };
    const fields = await this.entity.create(item, context);
    const record: EntityRecord = { ...fields, id: this.deps.ids.next(), ad_account_id: account.id, status, created_at: now, updated_at: now };
    await this.entity.store.insert(q, record);
    await this.entity.afterWrite?.(null, record, context);
    return record;
  }

  /** Updates one item by its id, or answers why not (an illegal status move among the reasons). */
  async updateOne(q: Queryable, account: AdAccountRow, item: Record<string, unknown>): Promise<EntityRecord> {
    this.validate(this.entity.schemas.update, item);
    const id = String(item.id);
    if (item.ad_account_id !== undefined && item.ad_account_id !== account.id) {
      throw invalidField('ad_account_id', `is ${String(item.ad_account_id)} but the path names ad account ${account.id}`);
    }
    const current = await this.entity.store.get(q, account.id, id);
    if (!current) throw new ItemRefusal(ITEM_NOT_FOUND_CODE, `Invalid parameters: 'id' ${id} is no ${this.entity.noun} of ad account ${account.id}.`);
    const to = (item.status as EntityStatus | undefined) ?? current.status;
    const problem = illegalMove(current.status, to, this.entity.noun);
    if (problem) throw new ItemRefusal(ENTITY_STATE_CODE, problem);
    for (const field of this.entity.draftOnly) {
      if (item[field] !== undefined && !sameValue(item[field], current[field]) && current.status !== 'DRAFT') {
        throw invalidField(field, `changes only while the ${this.entity.noun} is a DRAFT (it is ${current.status})`);
      }
    }
    const link = this.entity.parent;
    if (link && item[link.field] !== undefined) {
      const given = String(item[link.field]);
      const named = link.prefix && given.startsWith(link.prefix) ? given.slice(link.prefix.length) : given;
      if (named !== current[link.field]) throw invalidField(link.field, `cannot change: a ${this.entity.noun} stays under the ${link.entity.noun} it was made in`);
      item[link.field] = named;
    }
    const now = this.deps.clock.now();
    const parent = link ? ((await link.entity.store.get(q, account.id, String(current[link.field]))) ?? null) : null;
    const context: EntityContext = { q, account, now, parent };
    const fields = await this.entity.update(item, current, context);
    const record: EntityRecord = { ...current, ...fields, id: current.id, ad_account_id: account.id, status: to, created_at: current.created_at, updated_at: now };
    await this.entity.store.replace(q, record);
    if (to !== current.status && (to === 'ARCHIVED' || to === 'DELETED_DRAFT')) await this.cascade(q, record.id, to, now);
    await this.entity.afterWrite?.(current, record, context);
    return record;
  }

  /**
   * Pinterest: archiving a campaign archives its ad groups and ads, an ad group its
   * ads; it cannot be undone. pinbox: deleting a draft deletes its draft children,
   * and a draft under an archived parent becomes a deleted draft.
   */
  private async cascade(q: Queryable, id: string, to: 'ARCHIVED' | 'DELETED_DRAFT', now: number): Promise<void> {
    for (const { table, column } of this.entity.descendants) {
      if (to === 'ARCHIVED') {
        await q.run(`UPDATE ${table} SET status = 'ARCHIVED', updated_at = ? WHERE ${column} = ? AND status IN ('ACTIVE', 'PAUSED')`, [now, id]);
      }
      await q.run(`UPDATE ${table} SET status = 'DELETED_DRAFT', updated_at = ? WHERE ${column} = ? AND status = 'DRAFT'`, [now, id]);
    }
  }

  /**
   * Runs a batch of 1..30 items in one transaction, item by item in input order: a
   * refused item writes nothing and gets its exception, the others are written.
   */
  async bulk(userId: string, accountId: string, items: readonly Record<string, unknown>[], write: 'create' | 'update'): Promise<{ items: Record<string, unknown>[] }> {
    return this.deps.db.transaction(async (tx) => {
      const { account } = await this.deps.accounts.require(userId, accountId, this.entity.roles.write, tx);
      return { items: await this.writeItems(tx, account, items, write) };
    });
  }

  /**
   * Writes items one by one in the caller's transaction, as the bulk routes and
   * bulk/upsert do: each answer is `{data, exceptions}` in Pinterest's shape, a
   * refused item's `exceptions` saying why.
   */
  async writeItems(tx: Queryable, account: AdAccountRow, items: readonly Record<string, unknown>[], write: 'create' | 'update'): Promise<{ data?: Record<string, unknown>; exceptions: unknown }[]> {
    await this.deps.delivery?.catchUpIn(tx, account.id);
    const none = this.entity.exceptions === 'array' ? [] : {};
    const out: { data?: Record<string, unknown>; exceptions: unknown }[] = [];
    for (const item of items) {
      try {
        const record = write === 'create' ? await this.createOne(tx, account, { ...item }) : await this.updateOne(tx, account, { ...item });
        out.push({ data: (await this.present(tx, account, [record]))[0], exceptions: none });
      } catch (error) {
        const exception = asItemException(error);
        out.push({ exceptions: this.entity.exceptions === 'array' ? [exception] : exception });
      }
    }
    return out;
  }

  /** Every record of the account with one of `statuses`, by id (bulk/download). */
  async all(q: Queryable, accountId: string, statuses: readonly string[]): Promise<EntityRecord[]> {
    return this.entity.store.list(q, accountId, statuses, null, false, null, Number.MAX_SAFE_INTEGER);
  }

  async getOne(userId: string, accountId: string, id: string): Promise<Record<string, unknown>> {
    const { account } = await this.deps.accounts.require(userId, accountId, this.entity.roles.read);
    await this.deps.delivery?.catchUp(accountId);
    const record = await this.entity.store.get(this.deps.db, accountId, id);
    if (!record) throw new ApiError('ad_entity_not_found', `${capitalized(this.entity.noun)} ${id} not found in ad account ${accountId}.`);
    return (await this.present(this.deps.db, account, [record]))[0];
  }

  async list(userId: string, accountId: string, query: ListQuery): Promise<{ items: Record<string, unknown>[]; bookmark: string | null }> {
    const { account } = await this.deps.accounts.require(userId, accountId, this.entity.roles.read);
    await this.deps.delivery?.catchUp(accountId);
    const given = Object.keys(this.entity.filters).filter((param) => query[param] !== undefined);
    // Pinterest: "Provide only campaign_id or ad_group_id. Do not provide both."
    if (given.length > 1) throw invalidField(given[1], `cannot be given with '${given[0]}': filter by one kind of id at a time`);
    const filter = given.length === 1 ? { column: this.entity.filters[given[0]], values: splitList(query[given[0]] as string[]) } : null;
    if (filter && filter.values.length > 250) throw invalidField(given[0], 'names more than 250 ids');
    const statuses = query.entity_statuses ? splitList(query.entity_statuses) : ['ACTIVE', 'PAUSED'];
    for (const status of statuses) if (!(ENTITY_STATUSES as readonly string[]).includes(status)) throw invalidField('entity_statuses', `has an unknown status '${status}'`);
    const descending = query.order === 'DESCENDING';
    const listKey = `${this.entity.operations.list}:${accountId}:${statuses.join(',')}:${filter ? `${filter.column}=${filter.values.join(',')}` : ''}:${descending ? 'D' : 'A'}`;
    const page = await this.deps.bookmarks.page(listKey, query, (record: EntityRecord) => record.id, (after, limit) =>
      this.entity.store.list(this.deps.db, accountId, statuses, filter, descending, after, limit),
    );
    return { items: await this.present(this.deps.db, account, page.items), bookmark: page.bookmark };
  }

  /** Response bodies of records, each with its ancestors loaded once per page (summary_status reads them). */
  async present(q: Queryable, account: AdAccountRow, records: readonly EntityRecord[]): Promise<Record<string, unknown>[]> {
    const chains = records.map(() => [] as EntityRecord[]);
    let level: (EntityRecord | undefined)[] = [...records];
    let link = this.entity.parent;
    while (link) {
      const field = link.field;
      const ids = [...new Set(level.filter((r): r is EntityRecord => r !== undefined).map((r) => String(r[field])))];
      const byId = new Map((await link.entity.store.getMany(q, ids)).map((r) => [r.id, r]));
      level = level.map((r) => (r ? byId.get(String(r[field])) : undefined));
      level.forEach((ancestor, i) => ancestor && chains[i].push(ancestor));
      link = link.entity.parent;
    }
    const now = this.deps.clock.now();
    // Every entity answers its id, account, status and times alike; the rest is its own.
    return records.map((record, i) => ({
      id: record.id,
      ad_account_id: record.ad_account_id,
      ...this.entity.present(record, chains[i], { now, account }),
      status: record.status,
      created_time: Math.floor(record.created_at / 1000),
      updated_time: Math.floor(record.updated_at / 1000),
    }));
  }
}

export type ListQuery = PageRequest & { entity_statuses?: string[]; order?: 'ASCENDING' | 'DESCENDING' } & Record<string, unknown>;

function asItemException(error: unknown): ItemException {
  if (error instanceof ItemRefusal) return { code: error.code, message: error.message };
  if (error instanceof ApiError && error.status < 500) return { code: error.code, message: error.message };
  throw error;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function capitalized(noun: string): string {
  return noun[0].toUpperCase() + noun.slice(1);
}

/** Values given repeated or comma-separated (`?campaign_ids=1,2&campaign_ids=3`). */
function splitList(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(',')).filter((value) => value.length > 0);
}

const idList = { type: 'array', minItems: 1, items: { type: 'string', pattern: '^\\d+(,\\d+)*$', maxLength: 5000 } } as const;
const adAccountParams = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;
const batchBody = { type: 'array', minItems: 1, maxItems: 30, items: { type: 'object' } } as const;

/** The four routes of an entity, from its declaration. */
export function adEntityRoutes(service: EntityService): ApiRoute[] {
  const { entity } = service;
  type AccountParams = { ad_account_id: string };
  const bulkRoute = (write: 'create' | 'update') =>
    defineRoute<{ Params: AccountParams; Body: Record<string, unknown>[] }>({
      method: write === 'create' ? 'POST' : 'PATCH',
      url: entity.path,
      operationId: entity.operations[write],
      scopes: entity.scopes.write,
      schema: { params: adAccountParams, body: batchBody },
      handler: async (request) => service.bulk(authOf(request).userId, request.params.ad_account_id, request.body, write),
    });
  return [
    defineRoute<{ Params: AccountParams; Querystring: ListQuery }>({
      method: 'GET',
      url: entity.path,
      operationId: entity.operations.list,
      scopes: entity.scopes.read,
      schema: {
        params: adAccountParams,
        querystring: {
          type: 'object',
          properties: {
            ...paginationQuerySchema,
            ...Object.fromEntries(Object.keys(entity.filters).map((param) => [param, idList])),
            entity_statuses: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Z_]+(,[A-Z_]+)*$' } },
            order: { type: 'string', enum: ['ASCENDING', 'DESCENDING'] },
            translate_interests_to_names: { type: 'boolean' },
          },
        },
      },
      handler: async (request) => service.list(authOf(request).userId, request.params.ad_account_id, request.query),
    }),
    bulkRoute('create'),
    bulkRoute('update'),
    defineRoute<{ Params: AccountParams & Record<string, string> }>({
      method: 'GET',
      url: `${entity.path}/:${entity.idParam}`,
      operationId: entity.operations.get,
      scopes: entity.scopes.read,
      schema: {
        params: {
          type: 'object',
          required: ['ad_account_id', entity.idParam],
          // The id is checked in the handler: a literal path of Pinterest's (`…/campaigns/analytics`) lands here too.
          properties: { ...adAccountParams.properties, [entity.idParam]: { type: 'string' } },
        },
      },
      handler: async (request) => {
        const id = request.params[entity.idParam];
        if (!/^\d{1,18}$/.test(id)) {
          const literal = literalOperationAt('GET', request.url.split('?')[0].slice('/v5'.length), entity.idParam);
          if (literal) throw notServedYet(literal);
          throw invalidField(entity.idParam, 'must be an id of at most 18 digits');
        }
        return service.getOne(authOf(request).userId, request.params.ad_account_id, id);
      },
    }),
  ];
}

/**
 * An entity's fixture section: each item is one create item of the API (checked by
 * the same rules) plus the fixture name of its parent (`ad_account`, `campaign`, …)
 * and, optionally, a `key` its children name it by.
 */
export function adEntityFixtures(service: EntityService, extra: { properties?: Record<string, object>; apply?: (q: Queryable, record: EntityRecord, item: Record<string, unknown>) => Promise<void> } = {}): FixtureSection {
  const { entity } = service;
  const { key, kind, parentKey } = entity.fixture;
  const parentKind = entity.parent ? entity.parent.entity.fixture.kind : 'ad_account';
  const own = new Set(['key', parentKey, ...Object.keys(extra.properties ?? {})]);
  return defineFixtureSection({
    key,
    item: {
      type: 'object',
      required: [parentKey],
      properties: { key: { type: 'string', minLength: 1 }, [parentKey]: { type: 'string', minLength: 1 }, ...(extra.properties ?? {}) },
    },
    async check(items: readonly Record<string, unknown>[], { names }) {
      for (const [i, item] of items.entries()) {
        if (!names.declared(parentKind, String(item[parentKey]))) throw invalidFixture(`${key}[${i}].${parentKey}`, `names no ${parentKind.replace('_', ' ')} of the fixture`);
        if (item.key !== undefined && !names.declare(kind, String(item.key))) throw invalidFixture(`${key}[${i}].key`, `${String(item.key)} appears twice`);
      }
    },
    async write(tx, items, _prepared, { names }) {
      const made: { key?: string; id: string }[] = [];
      for (const [i, item] of items.entries()) {
        const fields = Object.fromEntries(Object.entries(item).filter(([field]) => !own.has(field)));
        const parentId = await names.idOf(parentKind, String(item[parentKey]), tx);
        const accountId = entity.parent ? String((await entity.parent.entity.store.getMany(tx, [parentId]))[0].ad_account_id) : parentId;
        if (entity.parent) fields[entity.parent.field] = parentId;
        const account = (await service.deps.accounts.get(accountId, tx))!;
        let record: EntityRecord;
        try {
          record = await service.createOne(tx, account, fields);
        } catch (error) {
          if (error instanceof ItemRefusal || error instanceof ApiError) throw invalidFixture(`${key}[${i}]`, error.message.replace(/^Invalid parameters: /, ''));
          throw error;
        }
        await extra.apply?.(tx, record, item);
        if (item.key !== undefined) names.record(kind, String(item.key), record.id);
        made.push({ ...(item.key !== undefined ? { key: String(item.key) } : {}), id: record.id });
      }
      return made;
    },
  });
}
