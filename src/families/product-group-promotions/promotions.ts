/**
 * Promotions (the spec's `promotions` tag): discount offers an ad account keeps
 * for its shopping ads (Black Friday 10% off, free shipping), an entity of the ads
 * mechanism under the ad account itself. Pinterest answers batches as
 * `{promotions: [{data, exception}]}` and a missing one with 404 code 4997.
 * pinbox: `discount_status` is read off pinbox's clock (SCHEDULED before
 * start_time, EXPIRED from end_time, PAUSED when paused); a promotion_custom_id is
 * unique among an account's promotions not archived, and is the id when none is
 * given; delete removes the promotion for good.
 */
import { authOf } from '../../kernel/auth.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { adEntityRoutes, defineAdEntity, ItemRefusal, type AdEntity, type EntityContext, type EntityFields, type EntityRecord, type EntityService } from '../ads/entity.js';
import { CAMPAIGN_ROLES } from '../ads/roles.js';
import { digits, itemSchema, seconds, status } from '../ads/schemas.js';

export const PROMOTION_TYPES = [
  'VARIABLE', 'SITEWIDE', 'CHECKOUT', 'SAVE_X_ON_Y', 'BUY_X_GET_Y', 'SPEND_X_SAVE_Y', 'FREE_SHIPPING', 'FREE_SHIPPING_MINIMUM', 'FREE_SHIPPING_WITH_DISCOUNT',
  'SITEWIDE_IN_STORES', 'EXTRA_PERCENT_OFF', 'GIFT_WITH_PURCHASE', 'GIFT_WITH_PURCHASE_MINIMUM', 'FIXED', 'PERCENT_OFF_CLEARANCE', 'X_OFF_Y',
  'GIFT_WITH_FIRST_PURCHASE', 'BUY_X_GET_ONE_FREE', 'CASH_BACK', 'POINTS_ON_ALL_PURCHASES', 'BONUS', 'POINTS_WITH_PURCHASE', 'CUSTOM',
] as const;
/** Pinterest: "Currently supported values are 'DEFAULT' and 'SHOPIFY'." */
export const PLATFORM_TYPES = ['DEFAULT', 'SHOPIFY'] as const;
/** Pinterest: the 400 of promotions/create for another platform. */
const PLATFORM_NOT_SUPPORTED = 'Platform type not supported for promotions.';

const fields = {
  end_time: { type: 'integer', minimum: 0 },
  external_id: { type: 'string', maxLength: 64 },
  platform_type: { type: 'string' },
  promotion_code: { type: 'string', maxLength: 255 },
  promotion_custom_id: { type: 'string', minLength: 1, maxLength: 50 },
  promotion_title: { type: 'string', minLength: 1, maxLength: 255 },
  promotion_type: { type: 'string', enum: PROMOTION_TYPES },
  start_time: { type: 'integer', minimum: 0 },
  template_values: {
    type: 'array',
    maxItems: 2,
    items: {
      type: 'object',
      additionalProperties: false,
      properties: { amount: { type: 'number', minimum: 0 }, currency_code: { type: 'string', pattern: '^[A-Z]{3}$' }, custom_text: { type: 'string', maxLength: 255 }, percent: { type: 'number', minimum: 0, maximum: 100 } },
    },
  },
  status,
  // Read-only: derived from the clock; an item may carry it back as it was answered.
  discount_status: { type: 'string' },
} as const;

const COLUMNS = ['promotion_title', 'promotion_type', 'promotion_custom_id', 'start_time', 'end_time'] as const;
const EXTRA = ['external_id', 'platform_type', 'promotion_code', 'template_values'] as const;

/** Checks what create and update share: the platform, the time window and the custom id's uniqueness. */
async function checked(next: EntityFields, context: EntityContext, selfId: string | null): Promise<EntityFields> {
  if (!(PLATFORM_TYPES as readonly string[]).includes(String(next.platform_type))) throw new ItemRefusal(400, PLATFORM_NOT_SUPPORTED);
  if (typeof next.start_time === 'number' && typeof next.end_time === 'number' && next.end_time <= next.start_time) {
    throw invalidField('end_time', `must be after 'start_time' (${next.start_time})`);
  }
  if (typeof next.promotion_custom_id === 'string') {
    const twin = await context.q.get<{ id: string }>("SELECT id FROM ad_promotions WHERE ad_account_id = ? AND promotion_custom_id = ? AND status <> 'ARCHIVED' AND id <> ?", [
      context.account.id,
      next.promotion_custom_id,
      selfId ?? '',
    ]);
    if (twin) throw invalidField('promotion_custom_id', `${next.promotion_custom_id} is already promotion ${twin.id}'s in ad account ${context.account.id}`);
  }
  return next;
}

/** Pinterest's discount_status at `now` (ms). */
function discountStatus(record: EntityRecord, now: number): string {
  if (record.status === 'PAUSED') return 'PAUSED';
  if (record.status !== 'ACTIVE') return 'OTHER';
  const at = seconds(now);
  if (typeof record.start_time === 'number' && at < record.start_time) return 'SCHEDULED';
  if (typeof record.end_time === 'number' && at >= record.end_time) return 'EXPIRED';
  return 'ACTIVE';
}

export const promotionEntity: AdEntity = defineAdEntity({
  noun: 'promotion',
  table: 'ad_promotions',
  resource: 'promotions',
  idParam: 'promotion_id',
  roles: CAMPAIGN_ROLES,
  columns: { promotion_title: 'text', promotion_type: 'text', promotion_custom_id: 'text', start_time: 'integer', end_time: 'integer' },
  extra: [...EXTRA],
  filters: {},
  exceptions: 'object',
  schemas: {
    create: itemSchema(['promotion_title', 'promotion_type'], fields),
    update: itemSchema(['id'], { ...fields, id: digits }),
  },
  defaultStatus: 'ACTIVE',
  draftOnly: [],
  descendants: [],
  fixture: { key: 'promotions', kind: 'promotion', parentKey: 'ad_account' },
  bulk: { type: 'PROMOTION', readOnly: ['discount_status'] },
  async create(item, context) {
    const { status: _status, discount_status: _discount, ad_account_id: _account, ...given } = item;
    return checked({ platform_type: 'DEFAULT', ...given }, context, null);
  },
  async update(item, current, context) {
    const { id: _id, status: _status, discount_status: _discount, ad_account_id: _account, ...given } = item;
    return checked({ ...current, ...given }, context, current.id);
  },
  present(record, _ancestors, { now }) {
    const body: Record<string, unknown> = {};
    for (const field of [...COLUMNS, ...EXTRA]) if (record[field] != null) body[field] = record[field];
    return { ...body, promotion_custom_id: record.promotion_custom_id ?? record.id, discount_status: discountStatus(record, now) };
  },
});

/** The spec's PromotionArrayElement: `exception` beside a failed item's missing data. */
function asPromotions(answer: { items: Record<string, unknown>[] }): { promotions: Record<string, unknown>[] } {
  return {
    promotions: answer.items.map((item) => {
      const exception = item.exceptions as Record<string, unknown>;
      return item.data ? { data: item.data } : { exception };
    }),
  };
}

const accountParams = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;
const batchBody = { type: 'array', minItems: 1, maxItems: 30, items: { type: 'object' } } as const;
const promotionParams = { type: 'object', required: ['ad_account_id', 'promotion_id'], properties: { ...accountParams.properties, promotion_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;

/** A missing promotion is Pinterest's 404 code 4997 rather than the mechanism's generic one. */
async function orMissing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof ApiError && error.code === 404) throw new ApiError('promotion_not_found');
    throw error;
  }
}

/** The promotions routes: list from the mechanism, batch create and update in Pinterest's shape, get, delete. */
export function promotionRoutes(service: EntityService): ApiRoute[] {
  const { entity } = service;
  type Params = { ad_account_id: string; promotion_id: string };
  const write = (kind: 'create' | 'update') =>
    defineRoute<{ Params: { ad_account_id: string }; Body: Record<string, unknown>[] }>({
      method: kind === 'create' ? 'POST' : 'PATCH',
      url: entity.path,
      operationId: entity.operations[kind],
      scopes: entity.scopes.write,
      schema: { params: accountParams, body: batchBody },
      handler: async (request) => asPromotions(await service.bulk(authOf(request).userId, request.params.ad_account_id, request.body, kind)),
    });
  const list = adEntityRoutes(service).find((route) => route.operationId === entity.operations.list)!;
  return [
    list,
    write('create'),
    write('update'),
    defineRoute<{ Params: Params }>({
      method: 'GET',
      url: `${entity.path}/:promotion_id`,
      operationId: entity.operations.get,
      scopes: entity.scopes.read,
      schema: { params: promotionParams },
      handler: async (request) => orMissing(() => service.getOne(authOf(request).userId, request.params.ad_account_id, request.params.promotion_id)),
    }),
    defineRoute<{ Params: Params }>({
      method: 'DELETE',
      url: `${entity.path}/:promotion_id`,
      operationId: 'promotions/delete',
      scopes: entity.scopes.write,
      schema: { params: promotionParams },
      handler: async (request, reply) => {
        const { ad_account_id: accountId, promotion_id: id } = request.params;
        await service.deps.db.transaction(async (tx) => {
          await service.deps.accounts.require(authOf(request).userId, accountId, entity.roles.write, tx);
          const deleted = await tx.run('DELETE FROM ad_promotions WHERE ad_account_id = ? AND id = ?', [accountId, id]);
          if (deleted.changes === 0) throw new ApiError('promotion_not_found');
        });
        return reply.status(204).send();
      },
    }),
  ];
}
