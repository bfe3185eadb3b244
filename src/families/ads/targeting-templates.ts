/**
 * Targeting templates (the spec's `targeting_template` tag): saved targeting of an
 * ad account, an entity on the shared mechanism (entity.ts). Pinterest: a template
 * holds a whole targeting (`targeting_attributes`, keywords, placement, auto
 * targeting); an ad group takes at most one in `targeting_template_ids`, which
 * excludes other targeting fields, and `['0']` clears it (§2.2 of the ads
 * reference). pinbox: applying a template copies its targeting into the ad group,
 * replacing the ad group's (`targeting_spec`, `placement_group`,
 * `auto_targeting_enabled`), and keeps no link: the ad group answers
 * `targeting_template_ids` null, and a later change to the template leaves it be.
 * REMOVE deletes a template (answered `status: DELETED`, no longer listed or applied).
 */
import { authOf } from '../../kernel/auth.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import { paginationQuerySchema, type Bookmarks, type PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { Database, Queryable, SqlValue } from '../../storage/database.js';
import type { AdAccountService } from './ad-accounts.js';
import { defineAdEntity, ItemRefusal, type AdEntity, type EntityContext, type EntityFields, type EntityRecord, type EntityService } from './entity.js';
import { KEYWORD_VALUE_MAX, MATCH_TYPES } from './keywords.js';
import { potentialAudience } from './planning.js';
import { accountParams } from './parented-batch.js';
import { CAMPAIGN_ROLES } from './roles.js';
import { presentIfSet, trackingUrls } from './schemas.js';
import { checkAgeRange } from './targeting-spec.js';

const PLACEMENT_GROUPS = ['ALL', 'SEARCH', 'BROWSE', 'OTHER'] as const;

const fields = {
  name: { type: 'string', minLength: 1, maxLength: 255 },
  auto_targeting_enabled: { type: 'boolean' },
  keywords: {
    type: 'array',
    items: { type: 'object', additionalProperties: false, required: ['match_type', 'value'], properties: { match_type: { enum: MATCH_TYPES }, value: { type: 'string', minLength: 1, maxLength: KEYWORD_VALUE_MAX } } },
  },
  placement_group: { enum: PLACEMENT_GROUPS },
  targeting_attributes: { type: 'object' },
  tracking_urls: trackingUrls,
} as const;

function checkTemplate(next: EntityFields): EntityFields {
  checkAgeRange(next.targeting_attributes as Record<string, unknown>, 'targeting_attributes');
  return next;
}

/** The targeting template entity (one per process: it has no dependencies). */
export const targetingTemplateEntity: AdEntity = defineAdEntity({
  noun: 'targeting template',
  table: 'ad_targeting_templates',
  resource: 'targeting_templates',
  idParam: 'targeting_template_id',
  roles: CAMPAIGN_ROLES,
  columns: { name: 'text' },
  extra: ['auto_targeting_enabled', 'keywords', 'placement_group', 'targeting_attributes', 'tracking_urls'],
  filters: {},
  exceptions: 'array',
  schemas: {
    create: { type: 'object', additionalProperties: false, required: ['name', 'targeting_attributes'], properties: fields },
    update: { type: 'object', required: ['id'], properties: { id: { type: 'string' }, status: { enum: ['ARCHIVED'] }, targeting_attributes: fields.targeting_attributes } },
  },
  defaultStatus: 'ACTIVE',
  draftOnly: [],
  descendants: [],
  fixture: { key: 'targeting_templates', kind: 'targeting_template', parentKey: 'ad_account' },
  bulk: { type: 'TARGETING_TEMPLATE', readOnly: [] },
  async create(item) {
    return checkTemplate({ auto_targeting_enabled: true, keywords: [], placement_group: 'ALL', tracking_urls: null, ...item });
  },
  async update(item, current) {
    return checkTemplate({ ...current, ...(item.targeting_attributes !== undefined ? { targeting_attributes: item.targeting_attributes } : {}) });
  },
  present(record) {
    return presentBody(record);
  },
});

function presentBody(record: EntityRecord): Record<string, unknown> {
  return {
    name: record.name,
    auto_targeting_enabled: record.auto_targeting_enabled,
    keywords: record.keywords,
    placement_group: record.placement_group,
    targeting_attributes: record.targeting_attributes,
    ...presentIfSet(record, ['tracking_urls']),
  };
}

/** Pinterest's TargetingTemplateGetResponseData; the audience estimate when asked, from the model of ad_groups/audience_sizing. */
function presentTemplate(record: EntityRecord, sizing: boolean): Record<string, unknown> {
  const body: Record<string, unknown> = {
    id: record.id,
    ad_account_id: record.ad_account_id,
    ...presentBody(record),
    status: record.status === 'ARCHIVED' ? 'DELETED' : 'ACTIVE',
    created_time: Math.floor(record.created_at / 1000),
    updated_time: Math.floor(record.updated_at / 1000),
    valid: record.status !== 'ARCHIVED',
  };
  if (sizing) {
    const estimate = potentialAudience({
      auto_targeting_enabled: record.auto_targeting_enabled as boolean,
      keywords: record.keywords as { match_type: string; value: string }[],
      placement_group: record.placement_group as string,
      targeting_spec: record.targeting_attributes as Record<string, unknown>,
    });
    const thousands = (n: number) => Math.round(n / 1000) * 1000;
    body.sizing = { reach_estimate: { estimate: thousands(estimate), lower_bound: thousands(estimate * 0.8), upper_bound: thousands(estimate * 1.2) } };
  }
  return body;
}

/**
 * An ad group item with its template applied: `targeting_template_ids` naming an
 * active template of the account replaces the item's targeting with the template's
 * (a `targeting_spec` given beside it is refused, as Pinterest excludes it); `['0']`
 * clears. Called by the ad group's rules before they check the item.
 */
export async function applyTargetingTemplate(item: EntityFields, context: EntityContext): Promise<EntityFields> {
  const ids = item.targeting_template_ids as string[] | null | undefined;
  if (!ids || ids.length === 0) return item;
  if (ids.length === 1 && ids[0] === '0') return { ...item, targeting_template_ids: null };
  const spec = item.targeting_spec as Record<string, unknown> | undefined;
  if (spec && Object.keys(spec).length > 0) throw invalidField('targeting_template_ids', "cannot be given with 'targeting_spec': a template holds the whole targeting");
  const template = await targetingTemplateEntity.store.get(context.q, context.account.id, ids[0]);
  if (!template || template.status !== 'ACTIVE') throw new ItemRefusal(2, `Invalid parameters: 'targeting_template_ids' ${ids[0]} is no active targeting template of ad account ${context.account.id}.`);
  return {
    ...item,
    targeting_spec: template.targeting_attributes,
    placement_group: template.placement_group,
    auto_targeting_enabled: template.auto_targeting_enabled,
    targeting_template_ids: null,
  };
}

type TemplateListQuery = PageRequest & { order?: 'ASCENDING' | 'DESCENDING'; include_sizing?: boolean; search_query?: string };

/** A refused item of a one-object route is the route's 400. */
function asRequestError(error: unknown): never {
  if (error instanceof ItemRefusal) throw new ApiError('invalid_parameters', error.message);
  throw error;
}

/** targeting_template/list, /create and /update. */
export function targetingTemplateRoutes(service: EntityService, deps: { db: Database; bookmarks: Bookmarks; accounts: AdAccountService }): ApiRoute[] {
  const entity = service.entity;
  const inAccount = <T>(userId: string, accountId: string, write: boolean, work: (tx: Queryable, account: Awaited<ReturnType<AdAccountService['require']>>['account']) => Promise<T>) =>
    deps.db.transaction(async (tx) => {
      const { account } = await deps.accounts.require(userId, accountId, write ? entity.roles.write : entity.roles.read, tx);
      return work(tx, account);
    });
  return [
    defineRoute<{ Params: { ad_account_id: string }; Querystring: TemplateListQuery }>({
      method: 'GET',
      url: entity.path,
      operationId: 'targeting_template/list',
      scopes: entity.scopes.read,
      schema: {
        params: accountParams,
        querystring: {
          type: 'object',
          properties: { ...paginationQuerySchema, order: { enum: ['ASCENDING', 'DESCENDING'] }, include_sizing: { type: 'boolean' }, search_query: { type: 'string', maxLength: 255 } },
        },
      },
      handler: async (request) => {
        const { query } = request;
        const accountId = request.params.ad_account_id;
        await deps.accounts.require(authOf(request).userId, accountId, entity.roles.read);
        const descending = query.order === 'DESCENDING';
        const search = query.search_query?.toLowerCase() ?? null;
        const key = `targeting_template/list:${accountId}:${descending ? 'D' : 'A'}:${search ?? ''}`;
        const page = await deps.bookmarks.page(key, query, (record: EntityRecord) => record.id, async (after, limit) => {
          const where = ['ad_account_id = ?', "status = 'ACTIVE'"];
          const params: SqlValue[] = [accountId];
          if (search !== null) {
            where.push("LOWER(name) LIKE ? ESCAPE '\\'");
            params.push(`%${search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
          }
          if (after !== null) {
            where.push(descending ? 'id < ?' : 'id > ?');
            params.push(after);
          }
          const rows = await deps.db.all<Record<string, unknown>>(`SELECT * FROM ad_targeting_templates WHERE ${where.join(' AND ')} ORDER BY id ${descending ? 'DESC' : 'ASC'} LIMIT ?`, [...params, limit]);
          return rows.map((row) => entity.store.decode(row));
        });
        return { items: page.items.map((record) => presentTemplate(record, query.include_sizing === true)), bookmark: page.bookmark };
      },
    }),
    defineRoute<{ Params: { ad_account_id: string }; Body: Record<string, unknown> }>({
      method: 'POST',
      url: entity.path,
      operationId: 'targeting_template/create',
      scopes: entity.scopes.write,
      schema: { params: accountParams, body: entity.schemas.create },
      handler: async (request) =>
        inAccount(authOf(request).userId, request.params.ad_account_id, true, async (tx, account) =>
          presentTemplate(await service.createOne(tx, account, { ...request.body }).catch(asRequestError), false),
        ),
    }),
    defineRoute<{ Params: { ad_account_id: string }; Body: { id: string; operation_type: 'REMOVE' | 'UPDATE'; targeting_attributes?: Record<string, unknown> } }>({
      method: 'PATCH',
      url: entity.path,
      operationId: 'targeting_template/update',
      scopes: entity.scopes.write,
      schema: {
        params: accountParams,
        body: {
          type: 'object',
          required: ['operation_type', 'id'],
          properties: { id: { type: 'string', pattern: '^\\d+$', maxLength: 18 }, operation_type: { enum: ['REMOVE', 'UPDATE'] }, targeting_attributes: fields.targeting_attributes },
        },
      },
      handler: async (request) => {
        const { id, operation_type: operation, targeting_attributes: attributes } = request.body;
        if (operation === 'UPDATE' && attributes === undefined) throw invalidField('targeting_attributes', 'is required to UPDATE a template');
        return inAccount(authOf(request).userId, request.params.ad_account_id, true, async (tx, account) => {
          if (!(await entity.store.get(tx, account.id, id))) throw new ApiError('ad_entity_not_found', `Targeting template ${id} not found in ad account ${account.id}.`);
          const item = operation === 'REMOVE' ? { id, status: 'ARCHIVED' } : { id, targeting_attributes: attributes };
          return presentTemplate(await service.updateOne(tx, account, item).catch(asRequestError), false);
        });
      },
    }),
  ];
}
