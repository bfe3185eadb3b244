import { authOf } from '../../kernel/auth.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { adAccountQuery, numericId } from '../../kernel/schemas.js';
import { CATALOG_TYPES } from './catalogs.js';
import { country, locale } from './feed-routes.js';
import { BATCH_OPERATIONS, type BatchInput, type ItemService, type ItemsFilter } from './items.js';

type AccountQuery = { ad_account_id?: string };
const itemId = { type: 'string', minLength: 1, maxLength: 127 } as const;
/** Attribute values are strings, numbers, booleans or lists of strings; each is checked when the batch runs. */
const attributes = {
  type: 'object',
  maxProperties: 200,
  additionalProperties: { type: ['string', 'number', 'boolean', 'array', 'null'], maxLength: 10_000, items: { type: 'string', maxLength: 2048 }, maxItems: 20 },
} as const;
const batchItem = {
  type: 'object',
  additionalProperties: false,
  required: ['item_id'],
  properties: { operation: { enum: BATCH_OPERATIONS }, item_id: itemId, attributes, update_mask: { type: ['array', 'null'], maxItems: 100, items: { type: 'string', maxLength: 64 } } },
} as const;

/** The routes of the spec's `catalog_items` tag. */
export function itemRoutes(items: ItemService): ApiRoute[] {
  return [
    defineRoute<{ Querystring: AccountQuery; Body: { country: string; language: string; filters: ItemsFilter } }>({
      method: 'POST',
      url: '/catalogs/items',
      operationId: 'items/post',
      scopes: ['catalogs:read'],
      schema: {
        querystring: { type: 'object', properties: adAccountQuery },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['country', 'language', 'filters'],
          properties: {
            country,
            language: locale,
            filters: {
              type: 'object',
              additionalProperties: false,
              // Pinterest: RETAIL names item_ids (up to 1000), HOTEL hotel_ids and CREATIVE_ASSETS creative_assets_ids (up to 100); items.ts checks which.
              required: ['catalog_type'],
              properties: {
                catalog_type: { enum: CATALOG_TYPES },
                catalog_id: numericId,
                item_ids: { type: 'array', minItems: 1, maxItems: 1000, items: itemId },
                hotel_ids: { type: 'array', minItems: 1, maxItems: 100, items: itemId },
                creative_assets_ids: { type: 'array', minItems: 1, maxItems: 100, items: itemId },
              },
            },
          },
        },
      },
      handler: async (request) => items.read(authOf(request).userId, request.body),
    }),
    defineRoute<{ Querystring: AccountQuery; Body: BatchInput }>({
      method: 'POST',
      url: '/catalogs/items/batch',
      operationId: 'items_batch/post',
      scopes: ['catalogs:read', 'catalogs:write'],
      schema: {
        querystring: { type: 'object', properties: adAccountQuery },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['country', 'language', 'items'],
          properties: {
            catalog_type: { enum: CATALOG_TYPES },
            catalog_id: numericId,
            country,
            language: locale,
            operation: { enum: BATCH_OPERATIONS },
            items: { type: 'array', minItems: 1, maxItems: 1000, items: batchItem },
          },
        },
      },
      handler: async (request) => items.submit(authOf(request).userId, request.body),
    }),
    defineRoute<{ Params: { batch_id: string }; Querystring: AccountQuery }>({
      method: 'GET',
      url: '/catalogs/items/batch/:batch_id',
      operationId: 'items_batch/get',
      scopes: ['catalogs:read'],
      // pinbox: the spec's pattern (letters and digits) refuses its own example id (digits, '-', hex); both are taken.
      schema: { params: { type: 'object', properties: { batch_id: { type: 'string', pattern: '^[a-zA-Z0-9-]+$', maxLength: 80 } } }, querystring: { type: 'object', properties: adAccountQuery } },
      handler: async (request) => items.get(authOf(request).userId, request.params.batch_id),
    }),
  ];
}
