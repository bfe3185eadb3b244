import { authOf } from '../../kernel/auth.js';
import { publicBase } from '../../kernel/http.js';
import { paginationQuerySchema, type PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { numericId } from '../../kernel/schemas.js';
import { UPLOAD_PATH } from './upload-endpoint.js';
import type { MediaUploadService } from './upload-service.js';

/** Pinterest: `MediaUploadType` has one value. */
const MEDIA_TYPES = ['video'] as const;

const mediaCreateBody = {
  type: 'object',
  required: ['media_type'],
  properties: { media_type: { type: 'string', enum: MEDIA_TYPES } },
} as const;

const mediaIdParams = { type: 'object', required: ['media_id'], properties: { media_id: numericId } } as const;

/** The routes of the spec's `media` tag: register an upload, list uploads, read one. */
export function mediaRoutes(deps: { uploads: MediaUploadService }): ApiRoute[] {
  const { uploads } = deps;
  return [
    defineRoute<{ Body: { media_type: 'video' } }>({
      method: 'POST',
      url: '/media',
      operationId: 'media/create',
      scopes: ['pins:read', 'pins:write'],
      schema: { body: mediaCreateBody },
      handler: async (request, reply) => {
        const registered = await uploads.register(authOf(request), request.body.media_type);
        reply.code(201);
        return {
          media_id: registered.mediaId,
          media_type: request.body.media_type,
          upload_url: `${publicBase(request)}${UPLOAD_PATH}`,
          upload_parameters: registered.parameters,
        };
      },
    }),
    defineRoute<{ Querystring: PageRequest }>({
      method: 'GET',
      url: '/media',
      operationId: 'media/list',
      scopes: ['pins:read'],
      schema: { querystring: { type: 'object', properties: paginationQuerySchema } },
      handler: async (request) => uploads.list(authOf(request), request.query),
    }),
    defineRoute<{ Params: { media_id: string } }>({
      method: 'GET',
      url: '/media/:media_id',
      operationId: 'media/get',
      scopes: ['pins:read'],
      schema: { params: mediaIdParams },
      handler: async (request) => uploads.get(authOf(request), request.params.media_id),
    }),
  ];
}
