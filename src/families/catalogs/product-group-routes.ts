import { authOf } from '../../kernel/auth.js';
import { paginationQuerySchema, type PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { adAccountQuery, numericId } from '../../kernel/schemas.js';
import { CATALOG_TYPES } from './catalogs.js';
import { country, locale } from './feed-routes.js';
import { filtersSchema } from './filters.js';
import { presentGroup, type ProductGroupInput, type ProductGroupService } from './product-groups.js';

type AccountQuery = { ad_account_id?: string };
const groupFields = {
  name: { type: 'string', minLength: 1, maxLength: 255 },
  description: { type: ['string', 'null'], maxLength: 10_000 },
  filters: filtersSchema,
  // Pinterest: deprecated, accepted and ignored.
  is_featured: { type: 'boolean' },
  country,
  locale,
} as const;
/** The older request names a feed; the newer one a catalog and its type. */
const createBody = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'filters'],
  properties: { ...groupFields, feed_id: numericId, catalog_id: numericId, catalog_type: { enum: CATALOG_TYPES } },
} as const;
const groupParams = { type: 'object', properties: { product_group_id: numericId } } as const;
/** pinbox: the spec types these ids as integers, but ids pass 2^53, so they are read as digit strings. */
const idList = { type: 'array', minItems: 1, maxItems: 1000, items: numericId } as const;
const productsQuery = { type: 'object', properties: { ...paginationQuerySchema, ...adAccountQuery, pin_metrics: { type: 'boolean', default: false } } } as const;

/** The routes of the spec's `catalog_product_groups` tag. */
export function productGroupRoutes(groups: ProductGroupService): ApiRoute[] {
  return [
    defineRoute<{ Querystring: AccountQuery & PageRequest & { feed_id?: string; catalog_id?: string; id?: string[] } }>({
      method: 'GET',
      url: '/catalogs/product_groups',
      operationId: 'catalogs_product_groups/list',
      scopes: ['catalogs:read'],
      schema: { querystring: { type: 'object', properties: { ...paginationQuerySchema, ...adAccountQuery, feed_id: numericId, catalog_id: numericId, id: idList } } },
      handler: async (request) => {
        const page = await groups.list(authOf(request).userId, request.query);
        return { items: page.items.map(({ group, catalog_type }) => presentGroup(group, catalog_type)), bookmark: page.bookmark };
      },
    }),
    defineRoute<{ Querystring: AccountQuery; Body: ProductGroupInput }>({
      method: 'POST',
      url: '/catalogs/product_groups',
      operationId: 'catalogs_product_groups/create',
      scopes: ['catalogs:write'],
      schema: { querystring: { type: 'object', properties: adAccountQuery }, body: createBody },
      handler: async (request, reply) => {
        const { group, catalog } = await groups.create(authOf(request).userId, request.body);
        reply.code(201);
        return presentGroup(group, catalog.catalog_type);
      },
    }),
    defineRoute<{ Querystring: AccountQuery; Body: ProductGroupInput[] }>({
      method: 'POST',
      url: '/catalogs/product_groups/multiple',
      operationId: 'catalogs_product_groups/create_many',
      scopes: ['catalogs:write'],
      schema: { querystring: { type: 'object', properties: adAccountQuery }, body: { type: 'array', minItems: 1, maxItems: 1000, items: createBody } },
      handler: async (request, reply) => {
        const ids = await groups.createMany(authOf(request).userId, request.body);
        reply.code(201);
        return ids;
      },
    }),
    defineRoute<{ Querystring: AccountQuery & { id: string[] } }>({
      method: 'DELETE',
      url: '/catalogs/product_groups/multiple',
      operationId: 'catalogs_product_groups/delete_many',
      scopes: ['catalogs:write'],
      schema: { querystring: { type: 'object', required: ['id'], properties: { ...adAccountQuery, id: idList } } },
      handler: async (request, reply) => {
        await groups.delete(authOf(request).userId, request.query.id.map(String));
        return reply.code(204).send();
      },
    }),
    defineRoute<{ Params: { product_group_id: string }; Querystring: AccountQuery }>({
      method: 'GET',
      url: '/catalogs/product_groups/:product_group_id',
      operationId: 'catalogs_product_groups/get',
      scopes: ['catalogs:read'],
      schema: { params: groupParams, querystring: { type: 'object', properties: adAccountQuery } },
      handler: async (request) => {
        const { group, catalog } = await groups.owned(authOf(request).userId, request.params.product_group_id);
        return presentGroup(group, catalog.catalog_type);
      },
    }),
    defineRoute<{ Params: { product_group_id: string }; Querystring: AccountQuery; Body: ProductGroupInput }>({
      method: 'PATCH',
      url: '/catalogs/product_groups/:product_group_id',
      operationId: 'catalogs_product_groups/update',
      scopes: ['catalogs:write'],
      schema: {
        params: groupParams,
        querystring: { type: 'object', properties: adAccountQuery },
        body: { type: 'object', additionalProperties: false, properties: { ...groupFields, catalog_type: { enum: CATALOG_TYPES } } },
      },
      handler: async (request) => {
        const { group, catalog } = await groups.update(authOf(request).userId, request.params.product_group_id, request.body);
        return presentGroup(group, catalog.catalog_type);
      },
    }),
    defineRoute<{ Params: { product_group_id: string }; Querystring: AccountQuery }>({
      method: 'DELETE',
      url: '/catalogs/product_groups/:product_group_id',
      operationId: 'catalogs_product_groups/delete',
      scopes: ['catalogs:write'],
      schema: { params: groupParams, querystring: { type: 'object', properties: adAccountQuery } },
      handler: async (request, reply) => {
        await groups.delete(authOf(request).userId, [request.params.product_group_id]);
        return reply.code(204).send();
      },
    }),
    defineRoute<{ Params: { product_group_id: string }; Querystring: AccountQuery }>({
      method: 'GET',
      url: '/catalogs/product_groups/:product_group_id/product_counts',
      operationId: 'catalogs_product_groups/product_counts_get',
      scopes: ['catalogs:read'],
      schema: { params: groupParams, querystring: { type: 'object', properties: adAccountQuery } },
      handler: async (request) => groups.counts(authOf(request).userId, request.params.product_group_id),
    }),
    defineRoute<{ Params: { product_group_id: string }; Querystring: AccountQuery & PageRequest }>({
      method: 'GET',
      url: '/catalogs/product_groups/:product_group_id/products',
      operationId: 'catalogs_product_group_pins/list',
      scopes: ['boards:read', 'catalogs:read', 'pins:read'],
      // pinbox keeps no metrics of product Pins: pin_metrics adds nothing.
      schema: { params: groupParams, querystring: productsQuery },
      handler: async (request) => groups.products(authOf(request).userId, request.params.product_group_id, request.query),
    }),
    defineRoute<{ Querystring: AccountQuery & PageRequest; Body: ProductGroupInput }>({
      method: 'POST',
      url: '/catalogs/products/get_by_product_group_filters',
      operationId: 'products_by_product_group_filter/list',
      scopes: ['boards:read', 'catalogs:read', 'pins:read'],
      schema: {
        querystring: productsQuery,
        body: { type: 'object', additionalProperties: false, required: ['filters'], properties: { filters: filtersSchema, feed_id: numericId, catalog_id: numericId, catalog_type: { enum: CATALOG_TYPES } } },
      },
      handler: async (request) => groups.productsByFilters(authOf(request).userId, request.body, request.query),
    }),
  ];
}
