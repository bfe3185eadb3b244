/** The routes of audiences (list, create, get, update). */
import { authOf } from '../../kernel/auth.js';
import { paginationQuerySchema, type PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { AudienceInput, AudienceService } from './service.js';

type AccountParams = { ad_account_id: string };
const id = { type: 'string', pattern: '^\\d+$', maxLength: 18 } as const;
const accountParams = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: id } } as const;
const audienceParams = { type: 'object', required: ['ad_account_id', 'audience_id'], properties: { ad_account_id: id, audience_id: id } } as const;
const fields = {
  ad_account_id: id,
  name: { type: 'string', minLength: 1, maxLength: 255 },
  description: { type: 'string', maxLength: 1000 },
  rule: { type: 'object' },
} as const;

export function audienceRoutes(audiences: AudienceService): ApiRoute[] {
  const path = '/ad_accounts/:ad_account_id/audiences';
  return [
    defineRoute<{ Params: AccountParams; Querystring: PageRequest & { order?: 'ASCENDING' | 'DESCENDING'; ownership_type?: string } }>({
      method: 'GET',
      url: path,
      operationId: 'audiences/list',
      scopes: ['ads:read'],
      schema: {
        params: accountParams,
        querystring: { type: 'object', properties: { ...paginationQuerySchema, order: { type: 'string', enum: ['ASCENDING', 'DESCENDING'] }, ownership_type: { type: 'string', enum: ['OWNED', 'RECEIVED'] } } },
      },
      handler: async (request) => audiences.list(authOf(request).userId, request.params.ad_account_id, request.query),
    }),
    defineRoute<{ Params: AccountParams; Body: AudienceInput }>({
      method: 'POST',
      url: path,
      operationId: 'audiences/create',
      scopes: ['ads:write'],
      schema: {
        params: accountParams,
        body: {
          type: 'object',
          required: ['name', 'rule', 'audience_type'],
          properties: { ...fields, audience_type: { type: 'string', enum: ['CUSTOMER_LIST', 'VISITOR', 'ENGAGEMENT', 'ACTALIKE', 'PERSONA'] } },
          additionalProperties: false,
        },
      },
      handler: async (request) => audiences.create(authOf(request).userId, request.params.ad_account_id, request.body),
    }),
    defineRoute<{ Params: AccountParams & { audience_id: string } }>({
      method: 'GET',
      url: `${path}/:audience_id`,
      operationId: 'audiences/get',
      scopes: ['ads:read'],
      schema: { params: audienceParams },
      handler: async (request) => audiences.get(authOf(request).userId, request.params.ad_account_id, request.params.audience_id),
    }),
    defineRoute<{ Params: AccountParams & { audience_id: string }; Body: AudienceInput }>({
      method: 'PATCH',
      url: `${path}/:audience_id`,
      operationId: 'audiences/update',
      scopes: ['ads:write'],
      schema: {
        params: audienceParams,
        body: { type: 'object', properties: { ...fields, operation_type: { type: 'string', enum: ['UPDATE', 'REMOVE'] } }, additionalProperties: false },
      },
      handler: async (request) => audiences.update(authOf(request).userId, request.params.ad_account_id, request.params.audience_id, request.body),
    }),
  ];
}
