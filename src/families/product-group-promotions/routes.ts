/**
 * The product_group_promotions routes: list and get from the ads mechanism
 * (adEntityRoutes), and create and update in Pinterest's shape, one ad group and a
 * list of 1..30 promotions (ProductGroupPromotionCreateRequest / UpdateRequest),
 * answered `{items: [{data, exceptions}]}` in input order.
 */
import { authOf } from '../../kernel/auth.js';
import { invalidField } from '../../kernel/errors.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { adEntityRoutes, type EntityService } from '../ads/entity.js';

export interface PromotionBatch {
  ad_group_id: string;
  product_group_promotion: Record<string, unknown>[];
}

const adGroupId = { type: 'string', pattern: '^(AG)?\\d+$', maxLength: 20 } as const;
export const batchBody = {
  type: 'object',
  required: ['ad_group_id', 'product_group_promotion'],
  properties: { ad_group_id: adGroupId, product_group_promotion: { type: 'array', minItems: 1, maxItems: 30, items: { type: 'object' } } },
} as const;
const accountParams = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;

/** The batch's items, each under the request's ad group (an item naming another one is refused, named under `at`). */
export function itemsOf(body: PromotionBatch, at = ''): Record<string, unknown>[] {
  const bare = (id: string) => id.replace(/^AG/, '');
  return body.product_group_promotion.map((item, i) => {
    if (item.ad_group_id !== undefined && (typeof item.ad_group_id !== 'string' || bare(item.ad_group_id) !== bare(body.ad_group_id))) {
      throw invalidField(`${at}product_group_promotion[${i}].ad_group_id`, `is ${String(item.ad_group_id)} but the request names ad group ${body.ad_group_id}`);
    }
    return { ...item, ad_group_id: body.ad_group_id };
  });
}

export function productGroupPromotionRoutes(service: EntityService): ApiRoute[] {
  const { entity } = service;
  const write = (kind: 'create' | 'update') =>
    defineRoute<{ Params: { ad_account_id: string }; Body: PromotionBatch }>({
      method: kind === 'create' ? 'POST' : 'PATCH',
      url: entity.path,
      operationId: entity.operations[kind],
      scopes: entity.scopes.write,
      schema: { params: accountParams, body: batchBody },
      handler: async (request) => service.bulk(authOf(request).userId, request.params.ad_account_id, itemsOf(request.body), kind),
    });
  const readRoutes = adEntityRoutes(service).filter((route) => route.method === 'GET');
  return [...readRoutes, write('create'), write('update')];
}
