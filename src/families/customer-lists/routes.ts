/** The routes of customer lists and their uploads, and the host their upload parts are PUT to. */
import type { FastifyInstance } from 'fastify';
import { authOf } from '../../kernel/auth.js';
import { publicBase, refuseNonObjectBody } from '../../kernel/http.js';
import { paginationQuerySchema, type PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { s3Xml } from '../media/upload-endpoint.js';
import { LIST_TYPES, UPLOAD_PART_PATH, type CustomerListService, type ListOperation, type ListType } from './service.js';

type AccountParams = { ad_account_id: string };
type ListParams = AccountParams & { customer_list_id: string };
type UploadParams = ListParams & { customer_list_upload_id: string };
const id = { type: 'string', pattern: '^\\d+$', maxLength: 18 } as const;
const accountParams = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: id } } as const;
const listParams = { type: 'object', required: ['ad_account_id', 'customer_list_id'], properties: { ad_account_id: id, customer_list_id: id } } as const;
const uploadParams = {
  type: 'object',
  required: ['ad_account_id', 'customer_list_id', 'customer_list_upload_id'],
  properties: { ad_account_id: id, customer_list_id: id, customer_list_upload_id: { type: 'string', pattern: '^\\d+$', maxLength: 20 } },
} as const;
const operation = { type: 'string', enum: ['ADD', 'REMOVE'] } as const;
/** Pinterest: the records are one comma-separated string. */
const records = { type: 'string', minLength: 1 } as const;

export function customerListRoutes(lists: CustomerListService): ApiRoute[] {
  const path = '/ad_accounts/:ad_account_id/customer_lists';
  return [
    defineRoute<{ Params: AccountParams; Body: { name: string; records: string; list_type?: ListType } }>({
      method: 'POST',
      url: path,
      operationId: 'customer_lists/create',
      scopes: ['ads:write'],
      schema: {
        params: accountParams,
        body: {
          type: 'object',
          required: ['name', 'records'],
          properties: { name: { type: 'string', minLength: 1, maxLength: 255 }, records, list_type: { type: 'string', enum: LIST_TYPES } },
          additionalProperties: false,
        },
      },
      handler: async (request) => lists.create(authOf(request).userId, request.params.ad_account_id, request.body),
    }),
    defineRoute<{ Params: AccountParams; Querystring: PageRequest & { order?: 'ASCENDING' | 'DESCENDING' } }>({
      method: 'GET',
      url: path,
      operationId: 'customer_lists/list',
      scopes: ['ads:read'],
      schema: { params: accountParams, querystring: { type: 'object', properties: { ...paginationQuerySchema, order: { type: 'string', enum: ['ASCENDING', 'DESCENDING'] } } } },
      handler: async (request) => lists.list(authOf(request).userId, request.params.ad_account_id, request.query),
    }),
    defineRoute<{ Params: ListParams }>({
      method: 'GET',
      url: `${path}/:customer_list_id`,
      operationId: 'customer_lists/get',
      scopes: ['ads:read'],
      schema: { params: listParams },
      handler: async (request) => lists.get(authOf(request).userId, request.params.ad_account_id, request.params.customer_list_id),
    }),
    defineRoute<{ Params: ListParams; Body: { operation_type: ListOperation; records: string } }>({
      method: 'PATCH',
      url: `${path}/:customer_list_id`,
      operationId: 'customer_lists/update',
      scopes: ['ads:write'],
      schema: { params: listParams, body: { type: 'object', required: ['operation_type', 'records'], properties: { operation_type: operation, records }, additionalProperties: false } },
      handler: async (request) => lists.update(authOf(request).userId, request.params.ad_account_id, request.params.customer_list_id, request.body),
    }),
    defineRoute<{ Params: ListParams; Body: { operation: ListOperation; total_parts: number } }>({
      method: 'POST',
      url: `${path}/:customer_list_id/uploads`,
      operationId: 'customer_list_uploads/create',
      scopes: ['ads:write'],
      schema: {
        params: listParams,
        body: { type: 'object', required: ['operation', 'total_parts'], properties: { operation, total_parts: { type: 'integer', minimum: 1, maximum: 10 } }, additionalProperties: false },
      },
      handler: async (request) =>
        lists.createUpload(authOf(request).userId, request.params.ad_account_id, request.params.customer_list_id, request.body, publicBase(request)),
    }),
    defineRoute<{ Params: UploadParams }>({
      method: 'GET',
      url: `${path}/:customer_list_id/uploads/:customer_list_upload_id`,
      operationId: 'customer_list_uploads/get',
      scopes: ['ads:read'],
      schema: { params: uploadParams },
      handler: async (request) => lists.getUpload(authOf(request).userId, request.params.ad_account_id, request.params.customer_list_id, request.params.customer_list_upload_id),
    }),
    defineRoute<{ Params: UploadParams }>({
      method: 'POST',
      url: `${path}/:customer_list_id/uploads/:customer_list_upload_id/run`,
      operationId: 'customer_list_uploads/run',
      scopes: ['ads:write'],
      schema: { params: uploadParams },
      handler: async (request) => (refuseNonObjectBody(request), lists.run(authOf(request).userId, request.params.ad_account_id, request.params.customer_list_id, request.params.customer_list_upload_id)),
    }),
  ];
}

/**
 * pinbox's stand-in for the presigned S3 URLs of an upload's parts: `PUT` the part's
 * bytes (records separated by commas or new lines), answered and refused as S3 does.
 */
export function customerListUploadPages(lists: CustomerListService) {
  return (app: FastifyInstance): void => {
    void app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      scope.put(`${UPLOAD_PART_PATH}/:upload_id/:part`, async (request, reply) => {
        const { upload_id: uploadId, part } = request.params as { upload_id: string; part: string };
        const { expires, signature } = request.query as { expires?: string; signature?: string };
        const refuse = (status: number, code: string, message: string) => reply.code(status).type('application/xml').send(s3Xml(code, message, request.id));
        if (!/^\d{1,20}$/.test(uploadId) || !/^([1-9]|10)$/.test(part)) return refuse(404, 'NoSuchUpload', 'The specified upload does not exist.');
        const body = Buffer.isBuffer(request.body) ? request.body.toString('utf8') : '';
        const outcome = await lists.putPart(uploadId, Number(part), expires, signature, body);
        if (outcome === 'signature') return refuse(403, 'SignatureDoesNotMatch', 'The request signature we calculated does not match the signature you provided.');
        if (outcome === 'expired') return refuse(403, 'AccessDenied', 'Request has expired');
        if (outcome === 'unknown') return refuse(404, 'NoSuchUpload', 'The specified upload does not exist.');
        return reply.code(200).header('etag', `"${uploadId}-${part}"`).send('');
      });
    });
  };
}
