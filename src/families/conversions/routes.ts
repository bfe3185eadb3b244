/** The Conversions API's routes: `oauth/conversion_token`, `events/create`, the conversion tags, the event quality score and MSOT events. */
import type { FastifyRequest } from 'fastify';
import { authOf } from '../../kernel/auth.js';
import { refuseNonObjectBody } from '../../kernel/http.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import { literalOperationAt, notServedYet } from '../../kernel/operations.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { LOOKBACK_DAYS, type EventQuality, type LookbackPeriod } from './eqs.js';
import type { MsotEvents } from './msot.js';
import { MAX_EVENTS, type ConversionService } from './service.js';

type AccountParams = { ad_account_id: string };
const accountParams = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;

/** pinbox: Pinterest documents no code for an unknown conversion tag; 404 as the other ads entities. */
function tagNotFound(accountId: string, tagId: string): ApiError {
  return new ApiError('ad_entity_not_found', `Conversion tag ${tagId} not found in ad account ${accountId}.`);
}

export function conversionRoutes(conversions: ConversionService, eqs: EventQuality, msot: MsotEvents): ApiRoute[] {
  return [
    defineRoute({
      method: 'POST',
      url: '/oauth/conversion_token',
      operationId: 'oauth/conversion_token',
      scopes: ['ads:write'],
      handler: async (request) => {
        refuseNonObjectBody(request);
        return conversions.issueToken(authOf(request));
      },
    }),
    defineRoute<{ Params: AccountParams; Querystring: { test?: boolean }; Body: unknown }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/events',
      operationId: 'events/create',
      scopes: ['ads:write'],
      // Pinterest: a conversion token (the spec's `conversion_token` scheme) or an OAuth token with ads:write.
      alternateTokens: conversions,
      // Pinterest (DOC-rl): ads_conversions is counted per ad account and app, not per user.
      rateSubject: (request: FastifyRequest, auth) => `${auth.appId}:ad_account:${(request.params as AccountParams).ad_account_id}`,
      schema: { params: accountParams, querystring: { type: 'object', properties: { test: { type: 'boolean' } } } },
      handler: async (request, reply) => {
        const body = request.body as { data?: unknown } | undefined;
        if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('conversion_request_invalid', "The request was invalid: the body must be an object with 'data'.");
        const { data } = body;
        if (!Array.isArray(data)) throw new ApiError('conversion_request_invalid', "The request was invalid: 'data' must be an array of events.");
        if (data.length < 1 || data.length > MAX_EVENTS) throw new ApiError('conversion_request_invalid', `The request was invalid: 'data' must hold 1 to ${MAX_EVENTS} events (it holds ${data.length}).`);
        for (const field of Object.keys(body)) if (field !== 'data') throw new ApiError('conversion_request_invalid', `The request was invalid: '${field}' is not an allowed field.`);
        const outcome = await conversions.sendEvents(authOf(request), request.params.ad_account_id, data, request.query.test === true);
        if (outcome.ok) return outcome.answer;
        reply.code(422);
        // Pinterest: 422 code 953 with the per-event answers under `details`.
        return { code: 953, message: 'The action could not be processed properly due to some or all data provided being invalid.', details: outcome.details };
      },
    }),
    defineRoute<{ Params: AccountParams; Body: Record<string, unknown> }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/conversion_tags',
      operationId: 'conversion_tags/create',
      scopes: ['ads:write'],
      schema: {
        params: accountParams,
        body: {
          type: 'object',
          required: ['name'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 255 },
            aem_enabled: { type: ['boolean', 'null'] },
            aem_db_enabled: { type: ['boolean', 'null'] },
            aem_external_id_enabled: { type: ['boolean', 'null'] },
            aem_fnln_enabled: { type: ['boolean', 'null'] },
            aem_ge_enabled: { type: ['boolean', 'null'] },
            aem_loc_enabled: { type: ['boolean', 'null'] },
            aem_ph_enabled: { type: ['boolean', 'null'] },
            md_frequency: { type: ['number', 'null'], minimum: 0, maximum: 1 },
          },
          additionalProperties: false,
        },
      },
      handler: async (request) => conversions.createTag(authOf(request).userId, request.params.ad_account_id, request.body),
    }),
    defineRoute<{ Params: AccountParams; Querystring: { filter_deleted?: boolean } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/conversion_tags',
      operationId: 'conversion_tags/list',
      scopes: ['ads:read'],
      schema: { params: accountParams, querystring: { type: 'object', properties: { filter_deleted: { type: 'boolean' }, ad_account_id: { type: 'string' } } } },
      handler: async (request) => conversions.listTags(authOf(request).userId, request.params.ad_account_id, request.query.filter_deleted === true),
    }),
    defineRoute<{ Params: AccountParams & { conversion_tag_id: string } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/conversion_tags/:conversion_tag_id',
      operationId: 'conversion_tags/get',
      scopes: ['ads:read'],
      schema: {
        // The id is checked in the handler: Pinterest's literal paths (`…/conversion_tags/page_visit`) land here too.
        params: { type: 'object', required: ['ad_account_id', 'conversion_tag_id'], properties: { ...accountParams.properties, conversion_tag_id: { type: 'string' } } },
      },
      handler: async (request) => {
        const { ad_account_id: accountId, conversion_tag_id: tagId } = request.params;
        if (!/^\d{1,18}$/.test(tagId)) {
          const literal = literalOperationAt('GET', request.url.split('?')[0].slice('/v5'.length), 'conversion_tag_id');
          if (literal) throw notServedYet(literal);
          throw invalidField('conversion_tag_id', 'must be an id of at most 18 digits');
        }
        const tag = await conversions.getTag(authOf(request).userId, accountId, tagId);
        if (!tag) throw tagNotFound(accountId, tagId);
        return tag;
      },
    }),
    defineRoute<{ Params: AccountParams; Querystring: { lookback_period: LookbackPeriod; source_platform?: string; ingestion_source?: string } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/conversion_eqs',
      operationId: 'conversion_eqs/list',
      scopes: ['ads:read'],
      schema: {
        params: accountParams,
        querystring: {
          type: 'object',
          required: ['lookback_period'],
          properties: {
            lookback_period: { type: 'string', enum: Object.keys(LOOKBACK_DAYS) },
            source_platform: { type: 'string', enum: ['WEB', 'MOBILE', 'MOBILE_ANDROID', 'MOBILE_IOS', 'OFFLINE', 'PINTEREST_WEB', 'PINTEREST_ANDROID', 'PINTEREST_IOS', 'POINT_OF_SALE'] },
            ingestion_source: { type: 'string', enum: ['TAG', 'MMP', 'FILE_UPLOAD', 'CONVERSIONS_API', 'NATIVE'] },
          },
        },
      },
      handler: async (request) => eqs.list(authOf(request).userId, request.params.ad_account_id, request.query),
    }),
    defineRoute<{ Params: AccountParams; Body: unknown }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/msot/events',
      operationId: 'msot_events/create',
      scopes: ['msot:write'],
      schema: { params: accountParams },
      handler: async (request, reply) => {
        await msot.send(authOf(request).userId, request.params.ad_account_id, request.body);
        // Pinterest: the spec's 200 "Success" carries no content.
        reply.code(200);
        return reply.send();
      },
    }),
  ];
}
