/** The routes of lead forms, lead subscriptions and leads exports, and the host of export files. */
import type { FastifyInstance } from 'fastify';
import { authOf } from '../../kernel/auth.js';
import { publicBase } from '../../kernel/http.js';
import { paginationQuerySchema, type PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { s3Xml } from '../media/upload-endpoint.js';
import { EXPORT_FILE_PATH, type LeadAdsService } from './service.js';

type AccountParams = { ad_account_id: string };
const id = { type: 'string', pattern: '^\\d+$', maxLength: 18 } as const;
const params = (...names: string[]) => ({ type: 'object', required: ['ad_account_id', ...names], properties: Object.fromEntries(['ad_account_id', ...names].map((name) => [name, id])) });
const batch = { type: 'array', minItems: 1, maxItems: 30, items: { type: 'object' } } as const;
const date = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$' } as const;

export function leadAdsRoutes(leads: LeadAdsService): ApiRoute[] {
  const forms = '/ad_accounts/:ad_account_id/lead_forms';
  const subscriptions = '/ad_accounts/:ad_account_id/leads/subscriptions';
  const formWrite = (write: 'create' | 'update') =>
    defineRoute<{ Params: AccountParams; Body: Record<string, unknown>[] }>({
      method: write === 'create' ? 'POST' : 'PATCH',
      url: forms,
      operationId: `lead_forms/${write}`,
      scopes: ['ads:write'],
      schema: { params: params(), body: batch },
      handler: async (request) => leads.writeForms(authOf(request).userId, request.params.ad_account_id, request.body, write),
    });
  return [
    formWrite('create'),
    formWrite('update'),
    defineRoute<{ Params: AccountParams; Querystring: PageRequest & { order?: 'ASCENDING' | 'DESCENDING' } }>({
      method: 'GET',
      url: forms,
      operationId: 'lead_forms/list',
      scopes: ['ads:read'],
      schema: { params: params(), querystring: { type: 'object', properties: { ...paginationQuerySchema, order: { type: 'string', enum: ['ASCENDING', 'DESCENDING'] } } } },
      handler: async (request) => leads.listForms(authOf(request).userId, request.params.ad_account_id, request.query),
    }),
    defineRoute<{ Params: AccountParams & { lead_form_id: string } }>({
      method: 'GET',
      url: `${forms}/:lead_form_id`,
      operationId: 'lead_form/get',
      scopes: ['ads:read'],
      schema: { params: params('lead_form_id') },
      handler: async (request) => leads.getForm(authOf(request).userId, request.params.ad_account_id, request.params.lead_form_id),
    }),
    defineRoute<{ Params: AccountParams & { lead_form_id: string }; Body: { answers: string[] } }>({
      method: 'POST',
      url: `${forms}/:lead_form_id/test`,
      operationId: 'lead_form_test/create',
      scopes: ['ads:write'],
      schema: {
        params: params('lead_form_id'),
        body: { type: 'object', required: ['answers'], properties: { answers: { type: 'array', maxItems: 10, items: { type: 'string', maxLength: 1000 } } }, additionalProperties: false },
      },
      handler: async (request) => leads.testLead(authOf(request).userId, request.params.ad_account_id, request.params.lead_form_id, request.body.answers),
    }),
    defineRoute<{ Params: AccountParams; Body: { webhook_url: string; lead_form_id?: string } }>({
      method: 'POST',
      url: subscriptions,
      operationId: 'ad_accounts_subscriptions/post',
      scopes: ['ads:write'],
      schema: {
        params: params(),
        body: {
          type: 'object',
          required: ['webhook_url'],
          properties: {
            webhook_url: { type: 'string', minLength: 1, maxLength: 2048 },
            lead_form_id: id,
            // pinbox: the partner's tokens are taken and never kept (it makes no partner calls).
            partner_access_token: { type: 'string' },
            partner_refresh_token: { type: 'string' },
            partner_metadata: { type: 'object', properties: { subscriber_key: { type: 'string' } } },
          },
          additionalProperties: false,
        },
      },
      handler: async (request) => leads.subscribe(authOf(request).userId, request.params.ad_account_id, request.body),
    }),
    defineRoute<{ Params: AccountParams; Querystring: PageRequest }>({
      method: 'GET',
      url: subscriptions,
      operationId: 'ad_accounts_subscriptions/get_list',
      scopes: ['ads:read'],
      schema: { params: params(), querystring: { type: 'object', properties: paginationQuerySchema } },
      handler: async (request) => leads.listSubscriptions(authOf(request).userId, request.params.ad_account_id, request.query),
    }),
    defineRoute<{ Params: AccountParams & { subscription_id: string } }>({
      method: 'GET',
      url: `${subscriptions}/:subscription_id`,
      operationId: 'ad_accounts_subscriptions/get_by_id',
      scopes: ['ads:read'],
      schema: { params: params('subscription_id') },
      handler: async (request) => leads.getSubscription(authOf(request).userId, request.params.ad_account_id, request.params.subscription_id),
    }),
    defineRoute<{ Params: AccountParams & { subscription_id: string } }>({
      method: 'DELETE',
      url: `${subscriptions}/:subscription_id`,
      operationId: 'ad_accounts_subscriptions/del_by_id',
      scopes: ['ads:write'],
      schema: { params: params('subscription_id') },
      handler: async (request, reply) => {
        await leads.unsubscribe(authOf(request).userId, request.params.ad_account_id, request.params.subscription_id);
        return reply.code(204).send();
      },
    }),
    defineRoute<{ Params: AccountParams; Body: { ad_id: string; start_date: string; end_date: string } }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/leads_export',
      operationId: 'leads_export/create',
      scopes: ['ads:write'],
      schema: { params: params(), body: { type: 'object', required: ['ad_id', 'start_date', 'end_date'], properties: { ad_id: id, start_date: date, end_date: date }, additionalProperties: false } },
      handler: async (request) => leads.createExport(authOf(request).userId, request.params.ad_account_id, request.body),
    }),
    defineRoute<{ Params: AccountParams & { leads_export_id: string } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/leads_export/:leads_export_id',
      operationId: 'leads_export/get',
      scopes: ['ads:read'],
      schema: { params: params('leads_export_id') },
      handler: async (request) => leads.getExport(authOf(request).userId, request.params.ad_account_id, request.params.leads_export_id, publicBase(request)),
    }),
  ];
}

/** Where export files are served: pinbox's stand-in for Pinterest's signed download URLs, refusing as S3 does. */
export function leadsExportPages(leads: LeadAdsService) {
  return (app: FastifyInstance): void => {
    app.get(`${EXPORT_FILE_PATH}/:id/leads.csv`, async (request, reply) => {
      const { id: exportId } = request.params as { id: string };
      const { expires, signature } = request.query as { expires?: string; signature?: string };
      const refuse = (status: number, code: string, message: string) => reply.code(status).type('application/xml').send(s3Xml(code, message, request.id));
      if (!/^\d{1,20}$/.test(exportId)) return refuse(404, 'NoSuchKey', 'The specified key does not exist.');
      const file = await leads.exportFile(exportId, expires, signature);
      if (file.verdict === 'signature') return refuse(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
      if (file.verdict === 'expired') return refuse(403, 'AccessDenied', 'Request has expired');
      if (file.verdict === 'unknown') return refuse(404, 'NoSuchKey', 'The specified key does not exist.');
      return reply.header('content-type', 'text/csv; charset=utf-8').header('cache-control', 'private, no-store').send(file.body);
    });
  };
}
