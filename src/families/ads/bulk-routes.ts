import type { FastifyInstance } from 'fastify';
import { authOf } from '../../kernel/auth.js';
import { publicBase } from '../../kernel/http.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { BULK_RESULT_PATH, type BulkService, type DownloadRequest, type UpsertRequest } from './bulk.js';
import { noSuchKey, serveSignedFiles } from './signed-files.js';
import { OBJECTIVE_TYPES } from './schemas.js';

type AccountParams = { ad_account_id: string };
const accountParams = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;
const unixSeconds = { type: 'string', pattern: '^\\d+$', maxLength: 12 } as const;
/** An upsert's `create` or `update`: lists of items by entity; each item is checked when the request runs. */
const upsertLists = { type: 'object', additionalProperties: { type: 'array', items: { type: 'object' } } } as const;

/** Pinterest: the summary statuses a campaign filter takes (CampaignSummaryStatus). */
const CAMPAIGN_SUMMARY_STATUSES = ['RUNNING', 'PAUSED', 'NOT_STARTED', 'COMPLETED', 'ADVERTISER_DISABLED', 'ARCHIVED', 'DRAFT', 'DELETED_DRAFT'];

/** The routes of the spec's `bulk` tag. */
export function bulkRoutes(bulk: BulkService): ApiRoute[] {
  return [
    defineRoute<{ Params: AccountParams; Body: UpsertRequest }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/bulk/upsert',
      operationId: 'bulk_upsert/create',
      scopes: ['ads:write'],
      schema: { params: accountParams, body: { type: 'object', additionalProperties: false, properties: { create: upsertLists, update: upsertLists } } },
      handler: async (request) => bulk.submitUpsert(authOf(request).userId, request.params.ad_account_id, request.body),
    }),
    defineRoute<{ Params: AccountParams; Body: DownloadRequest }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/bulk/download',
      operationId: 'bulk_download/create',
      scopes: ['ads:read'],
      schema: {
        params: accountParams,
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            entity_types: { type: 'array', minItems: 1, maxItems: 6, items: { enum: ['CAMPAIGN', 'AD_GROUP', 'PRODUCT_GROUP', 'AD', 'KEYWORD', 'LABEL', 'SCHEDULE'] } },
            entity_ids: { type: 'array', maxItems: 1000, items: { type: 'string', pattern: '^\\d+$', maxLength: 20 } },
            updated_since: unixSeconds,
            output_format: { enum: ['JSON', 'CSV'] },
            campaign_filter: {
              type: 'object',
              additionalProperties: false,
              properties: {
                campaign_status: { type: 'array', items: { enum: CAMPAIGN_SUMMARY_STATUSES } },
                objective_type: { type: 'array', items: { enum: OBJECTIVE_TYPES } },
                name: { type: 'string', maxLength: 255 },
                start_time: unixSeconds,
                end_time: unixSeconds,
              },
            },
          },
        },
      },
      handler: async (request) => bulk.submitDownload(authOf(request).userId, request.params.ad_account_id, request.body),
    }),
    defineRoute<{ Params: AccountParams & { bulk_request_id: string }; Querystring: { include_details?: boolean } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/bulk/:bulk_request_id',
      operationId: 'bulk_request/get',
      scopes: ['ads:read'],
      schema: {
        params: { type: 'object', required: ['ad_account_id', 'bulk_request_id'], properties: { ...accountParams.properties, bulk_request_id: { type: 'string', pattern: '^\\d+$', maxLength: 20 } } },
        // pinbox: the result file always holds each item's data and exceptions, so include_details changes nothing.
        querystring: { type: 'object', properties: { include_details: { type: 'boolean', default: false } } },
      },
      handler: async (request) => bulk.status(authOf(request).userId, request.params.ad_account_id, request.params.bulk_request_id, publicBase(request)),
    }),
  ];
}

/** Where result files are served: pinbox's stand-in for Pinterest's signed S3 URLs, refusing as S3 does. */
export function bulkResultPages(bulk: BulkService) {
  return (app: FastifyInstance): void =>
    serveSignedFiles(app, `${BULK_RESULT_PATH}/:folder/:id/:file`, async ({ id, file }, expires, signature) => {
      if (!/^\d{1,20}$/.test(id) || !/^result\.(json|csv)$/.test(file)) throw noSuchKey();
      return bulk.resultFile(id, expires, signature);
    });
}
