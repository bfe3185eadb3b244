/**
 * The batch shape keywords and labels share (Pinterest's KeywordsResponse and
 * LabelsResponse): a create names one parent and a list of items, an update a
 * list of items by id, and the answer is `{<plural>: [made], errors: [{data,
 * error_messages}]}`, each refused item in `errors` with what it gave. Every item
 * is checked and written by the entity's own rules on the shared mechanism
 * (EntityService.createOne/updateOne), in the caller's transaction, one by one:
 * a refused item writes nothing, the others are written.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { authOf } from '../../kernel/auth.js';
import { ApiError, fromValidation } from '../../kernel/errors.js';
import { paginationQuerySchema, type Bookmarks, type PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { Database, Queryable, SqlValue } from '../../storage/database.js';
import { defineFixtureSection, invalidFixture, type FixtureSection } from '../fixture-section.js';
import type { AdAccountService } from './ad-accounts.js';
import type { BulkPart } from './bulk.js';
import { ItemRefusal, type EntityRecord, type EntityService } from './entity.js';
import type { AdAccountRow } from './roles.js';

export interface BatchAnswer {
  items: Record<string, unknown>[];
  errors: { data: Record<string, unknown>; error_messages: string[] }[];
}

/** Why an item was refused, as Pinterest's `error_messages` says it; anything else is no refusal and goes on up. */
export function refusalMessage(error: unknown): string {
  if (error instanceof ItemRefusal || (error instanceof ApiError && error.status < 500)) return error.message;
  throw error;
}

export interface ParentedBatchShape {
  /** The answer of one stored record. */
  present(record: EntityRecord): Record<string, unknown>;
  /**
   * Pinterest: a refused item comes back "with nulled/negated properties" beside
   * what it gave. pinbox leaves the nulled ones out, since the spec's schema of the
   * object makes them non-nullable.
   */
  refusedData(item: Record<string, unknown>): Record<string, unknown>;
}

/** Writes items one by one: each made or updated record presented, each refused one in `errors`. */
export async function writeBatch(
  service: EntityService,
  shape: ParentedBatchShape,
  tx: Queryable,
  account: AdAccountRow,
  items: readonly Record<string, unknown>[],
  write: 'create' | 'update',
): Promise<BatchAnswer> {
  const answer: BatchAnswer = { items: [], errors: [] };
  for (const item of items) {
    try {
      const record = write === 'create' ? await service.createOne(tx, account, { ...item }) : await service.updateOne(tx, account, { ...item });
      answer.items.push(shape.present(record));
    } catch (error) {
      const message = refusalMessage(error);
      // A refused update shows the item over the keyword or label it names, when there is one.
      const current = write === 'update' && typeof item.id === 'string' ? await service.entity.store.get(tx, account.id, item.id) : undefined;
      answer.errors.push({ data: shape.refusedData(current ? { ...shape.present(current), ...item } : item), error_messages: [message] });
    }
  }
  return answer;
}

/** A keyword-like entity: its service on the shared mechanism and the shapes of its batch routes. */
export interface ParentedBatchEntity extends ParentedBatchShape {
  service: EntityService;
  /** The list key of its requests and answers (`keywords`, `labels`). */
  plural: string;
  operations: { create: string; update: string };
  /** JSON Schemas of one create request (`{<plural>: [...], parent_id}`) and of one update item. */
  schemas: { request: object; updateItem: object };
  /** The bulk resource of a record's parent (`campaigns`, `ad_groups`), or null when it is the ad account. */
  parentResource(record: EntityRecord): string | null;
  /** An update item of the API as the mechanism takes it (`archived: true` becomes `status: ARCHIVED`). */
  updateItem(item: Record<string, unknown>): Record<string, unknown>;
}

/** A create request: each item given the request's parent. */
function createItems(entity: ParentedBatchEntity, request: Record<string, unknown>): Record<string, unknown>[] {
  return (request[entity.plural] as Record<string, unknown>[]).map((item) => ({ ...item, parent_id: request.parent_id }));
}

/** Answers one create request in the caller's transaction. */
export async function createBatch(entity: ParentedBatchEntity, tx: Queryable, account: AdAccountRow, request: Record<string, unknown>): Promise<BatchAnswer> {
  return writeBatch(entity.service, entity, tx, account, createItems(entity, request), 'create');
}

/** Answers update items in the caller's transaction. */
export async function updateBatch(entity: ParentedBatchEntity, tx: Queryable, account: AdAccountRow, items: readonly Record<string, unknown>[]): Promise<BatchAnswer> {
  return writeBatch(entity.service, entity, tx, account, items.map((item) => entity.updateItem(item)), 'update');
}

/** The path parameters of a route under one ad account. */
export const accountParams = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;

/** A query list of ids, given repeated or comma-separated. */
export const idList = { type: 'array', minItems: 1, items: { type: 'string', pattern: '^\\d+(,\\d+)*$', maxLength: 5000 } } as const;

/** Values given repeated or comma-separated (`?ids=1,2&ids=3`). */
export function splitList(values: readonly string[]): string[] {
  return values.flatMap((value) => value.split(',')).filter((value) => value.length > 0);
}

/**
 * A list route of a keyword-like entity: its rows of the account that meet every
 * filter (`column IN values`, from the query), by id, paged, each presented.
 */
export function parentedListRoute<Q extends PageRequest>(
  service: EntityService,
  deps: { db: Database; bookmarks: Bookmarks; accounts: AdAccountService },
  list: {
    operationId: string;
    query: Record<string, object>;
    /** The filters a query asks for, checked: `[column, values]`. */
    filters(query: Q, accountId: string): [string, readonly string[]][];
    present(record: EntityRecord): Record<string, unknown>;
  },
): ApiRoute {
  const { entity } = service;
  return defineRoute<{ Params: { ad_account_id: string }; Querystring: Q }>({
    method: 'GET',
    url: entity.path,
    operationId: list.operationId,
    scopes: entity.scopes.read,
    schema: { params: accountParams, querystring: { type: 'object', properties: { ...paginationQuerySchema, ...list.query } } },
    handler: async (request) => {
      const accountId = request.params.ad_account_id;
      await deps.accounts.require(authOf(request).userId, accountId, entity.roles.read);
      const query = request.query as Q;
      const filters = list.filters(query, accountId);
      const key = `${list.operationId}:${accountId}:${filters.map(([column, values]) => `${column}=${values.join(',')}`).join(':')}`;
      const page = await deps.bookmarks.page(key, query, (record: EntityRecord) => record.id, async (after, limit) => {
        const where = ['ad_account_id = ?', ...filters.map(([column, values]) => `${column} IN (${values.map(() => '?').join(', ')})`)];
        const params: SqlValue[] = [accountId, ...filters.flatMap(([, values]) => values)];
        if (after !== null) {
          // Ads ids are 18 digits, zero-padded (ad-ids.ts), so text order is id order.
          where.push('id > ?');
          params.push(after);
        }
        const rows = await deps.db.all<Record<string, unknown>>(`SELECT * FROM ${entity.table} WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`, [...params, limit]);
        return rows.map((row) => entity.store.decode(row));
      });
      return { items: page.items.map(list.present), bookmark: page.bookmark };
    },
  });
}

/** Its create (POST) and update (PATCH) routes, each one transaction. */
export function parentedBatchRoutes(entity: ParentedBatchEntity): ApiRoute[] {
  const { service, plural } = entity;
  const { entity: definition, deps } = service;
  const answer = (batch: BatchAnswer) => ({ [plural]: batch.items, errors: batch.errors });
  return [
    defineRoute<{ Params: { ad_account_id: string }; Body: Record<string, unknown> }>({
      method: 'POST',
      url: definition.path,
      operationId: entity.operations.create,
      scopes: definition.scopes.write,
      schema: { params: accountParams, body: entity.schemas.request },
      handler: async (request) =>
        deps.db.transaction(async (tx) => {
          const { account } = await deps.accounts.require(authOf(request).userId, request.params.ad_account_id, definition.roles.write, tx);
          return answer(await createBatch(entity, tx, account, request.body));
        }),
    }),
    defineRoute<{ Params: { ad_account_id: string }; Body: Record<string, Record<string, unknown>[]> }>({
      method: 'PATCH',
      url: definition.path,
      operationId: entity.operations.update,
      scopes: definition.scopes.write,
      schema: {
        params: accountParams,
        body: { type: 'object', required: [plural], properties: { [plural]: { type: 'array', minItems: 1, maxItems: PARENTED_BATCH_MAX, items: entity.schemas.updateItem } } },
      },
      handler: async (request) =>
        deps.db.transaction(async (tx) => {
          const { account } = await deps.accounts.require(authOf(request).userId, request.params.ad_account_id, definition.roles.write, tx);
          return answer(await updateBatch(entity, tx, account, request.body[plural]));
        }),
    }),
  ];
}

/**
 * The schemas of a create request (`{<plural>: [item, …], parent_id}`) and of an
 * update item (its `id` and the fields it takes).
 */
export function batchSchemas(plural: string, item: object, parentId: object, update: Record<string, object>): { request: object; updateItem: object } {
  return {
    request: { type: 'object', required: [plural, 'parent_id'], properties: { [plural]: { type: 'array', minItems: 1, maxItems: PARENTED_BATCH_MAX, items: item }, parent_id: parentId } },
    updateItem: { type: 'object', required: ['id'], properties: { id: { type: 'string', pattern: '^\\d+$', maxLength: 18 }, parent_id: parentId, ...update } },
  };
}

/** pinbox: the most items one keywords or labels request takes (Pinterest documents none; keyword metrics take 2,000). */
export const PARENTED_BATCH_MAX = 2000;

const requestAjv = new Ajv({ allErrors: false, strict: false, coerceTypes: false });

/**
 * Its part in bulk/upsert and bulk/download: each create request and each update
 * item is checked when submitted, as its route's schema checks it, and answered in
 * the file as its route answers it, in input order; download gives its records
 * whose parent the download keeps.
 */
/** Refuses a bulk/upsert list item its schema does not take, naming it by its place (`create.keywords.0.value`). */
export function checkListItem(validate: ValidateFunction, write: 'create' | 'update', list: string, i: number, item: unknown): void {
  if (!validate(item)) throw fromValidation(`${write}.${list}`, (validate.errors ?? []).map((e) => ({ ...e, instancePath: `/${write}/${list}/${i}${e.instancePath}` })));
}

export function parentedBulkPart(entity: ParentedBatchEntity): BulkPart {
  const { service, plural } = entity;
  const validators = { create: requestAjv.compile(entity.schemas.request), update: requestAjv.compile(entity.schemas.updateItem) };
  return {
    list: plural,
    type: service.entity.bulk.type,
    roles: service.entity.roles,
    check(write, items) {
      for (const [i, item] of items.entries()) checkListItem(validators[write], write, plural, i, item);
    },
    async upsert(tx, account, write, items) {
      const answers = [];
      for (const item of items) {
        const batch = write === 'create' ? await createBatch(entity, tx, account, item) : await updateBatch(entity, tx, account, [item]);
        answers.push({ answer: { [plural]: batch.items, errors: batch.errors }, written: batch.items.length, refused: batch.errors.length });
      }
      return answers;
    },
    async download(tx, account, statuses, kept) {
      const records = await service.all(tx, account.id, statuses);
      return records.filter((record) => kept(entity.parentResource(record), String(record.parent_id), record)).map((record) => entity.present(record));
    },
  };
}

/** The fixture kinds a keyword-like entity's parent may be, and the table each is in. */
const PARENT_TABLES = { ad_account: 'ad_accounts', campaign: 'ad_campaigns', ad_group: 'ad_groups' } as const;
export type ParentKind = keyof typeof PARENT_TABLES;

/**
 * Its fixture section (under its `plural` key): each item one create item of the
 * API, checked by the same rules, plus the fixture name of its parent (exactly one
 * of `parentKinds`).
 */
export function parentedBatchFixtures(entity: ParentedBatchEntity, accounts: AdAccountService, parentKinds: readonly ParentKind[], properties: Record<string, object>): FixtureSection {
  const key = entity.plural;
  return defineFixtureSection({
    key,
    item: {
      type: 'object',
      required: Object.keys(properties),
      additionalProperties: false,
      properties: { ...Object.fromEntries(parentKinds.map((kind) => [kind, { type: 'string', minLength: 1 }])), ...properties },
    },
    async check(items: readonly Record<string, unknown>[], { names }) {
      for (const [i, item] of items.entries()) {
        const named = parentKinds.filter((kind) => item[kind] !== undefined);
        if (named.length !== 1) throw invalidFixture(`${key}[${i}]`, `names exactly one of ${parentKinds.join(', ')}`);
        if (!names.declared(named[0], String(item[named[0]]))) throw invalidFixture(`${key}[${i}].${named[0]}`, `names no ${named[0].replace('_', ' ')} of the fixture`);
      }
    },
    async write(tx, items, _prepared, { names }) {
      const made: { id: string }[] = [];
      for (const [i, item] of items.entries()) {
        const kind = parentKinds.find((k) => item[k] !== undefined)!;
        const parentId = await names.idOf(kind, String(item[kind]), tx);
        const accountId = kind === 'ad_account' ? parentId : (await tx.get<{ ad_account_id: string }>(`SELECT ad_account_id FROM ${PARENT_TABLES[kind]} WHERE id = ?`, [parentId]))!.ad_account_id;
        const account = (await accounts.get(accountId, tx))!;
        const fields = Object.fromEntries(Object.keys(properties).map((field) => [field, item[field]]));
        const answer = await createBatch(entity, tx, account, { parent_id: parentId, [key]: [fields] });
        if (answer.errors.length > 0) throw invalidFixture(`${key}[${i}]`, answer.errors[0].error_messages[0].replace(/^Invalid parameters: /, ''));
        made.push({ id: String(answer.items[0].id) });
      }
      return made;
    },
  });
}
