import { authOf } from '../../kernel/auth.js';
import { publicBase, sendJsonText } from '../../kernel/http.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { adAccountOnlyQuery } from '../boards/schemas.js';
import type { MediaUrls } from '../media/media-urls.js';
import { pinCreateBody, pinGetQuery, pinIdParams, pinListQuery, pinPageJson, pinJson, pinSaveBody, pinUpdateBody } from './schemas.js';
import type { PinCreateInput, PinListQuery, PinService, PinUpdateInput } from './service.js';
import type { PinRow } from './store.js';

type PinParams = { pin_id: string };
const PIN_WRITE_SCOPES = ['boards:read', 'boards:write', 'pins:read', 'pins:write'] as const;

/** The `pin_metrics` of a Pin as JSON text, or null when the viewer may not see them. */
export type PinMetricsOf = (pin: PinRow, viewerId: string) => Promise<string | null>;

/** The Pin routes of the spec's `pins` tag. */
export function pinRoutes(deps: { pins: PinService; pinMetrics: PinMetricsOf; mediaUrls: MediaUrls }): ApiRoute[] {
  const { pins, mediaUrls } = deps;
  return [
    defineRoute<{ Body: PinCreateInput }>({
      method: 'POST',
      url: '/pins',
      operationId: 'pins/create',
      // Pinterest refuses trial apps creating Pins in production (code 29); saving one makes a Pin too.
      trialAccess: 'sandbox_only',
      scopes: PIN_WRITE_SCOPES,
      schema: { querystring: adAccountOnlyQuery, body: pinCreateBody },
      handler: async (request, reply) => {
        const auth = authOf(request);
        const pin = await pins.create(auth, request.body);
        reply.code(201);
        return sendJsonText(reply, pinJson(pin, auth.userId, mediaUrls.at(publicBase(request)), false));
      },
    }),
    defineRoute<{ Querystring: PinListQuery & { pin_metrics?: boolean } }>({
      method: 'GET',
      url: '/pins',
      operationId: 'pins/list',
      scopes: ['boards:read', 'pins:read'],
      schema: { querystring: pinListQuery },
      handler: async (request, reply) => {
        const auth = authOf(request);
        const query = { ...request.query, creative_types: pins.creativeTypesOf(request.query.creative_types) };
        const page = await pins.listOwn(auth, query);
        const withMetrics = request.query.pin_metrics === true;
        const metrics = new Map<string, string>();
        if (withMetrics) for (const pin of page.items) metrics.set(pin.id, (await deps.pinMetrics(pin, auth.userId)) ?? 'null');
        return sendJsonText(reply, pinPageJson(page, auth.userId, mediaUrls.at(publicBase(request)), withMetrics, metrics));
      },
    }),
    defineRoute<{ Params: PinParams; Querystring: { pin_metrics?: boolean } }>({
      method: 'GET',
      url: '/pins/:pin_id',
      operationId: 'pins/get',
      scopes: ['boards:read', 'pins:read'],
      schema: { params: pinIdParams, querystring: pinGetQuery },
      handler: async (request, reply) => {
        const auth = authOf(request);
        const pin = await pins.visible(auth, request.params.pin_id);
        const withMetrics = request.query.pin_metrics === true;
        const metrics = withMetrics ? await deps.pinMetrics(pin, auth.userId) : null;
        return sendJsonText(reply, pinJson(pin, auth.userId, mediaUrls.at(publicBase(request)), withMetrics, metrics));
      },
    }),
    defineRoute<{ Params: PinParams; Body: PinUpdateInput }>({
      method: 'PATCH',
      url: '/pins/:pin_id',
      operationId: 'pins/update',
      scopes: PIN_WRITE_SCOPES,
      schema: { params: pinIdParams, querystring: adAccountOnlyQuery, body: pinUpdateBody },
      handler: async (request, reply) => {
        const auth = authOf(request);
        const pin = await pins.update(auth, request.params.pin_id, request.body);
        return sendJsonText(reply, pinJson(pin, auth.userId, mediaUrls.at(publicBase(request)), false));
      },
    }),
    defineRoute<{ Params: PinParams }>({
      method: 'DELETE',
      url: '/pins/:pin_id',
      operationId: 'pins/delete',
      scopes: PIN_WRITE_SCOPES,
      schema: { params: pinIdParams, querystring: adAccountOnlyQuery },
      handler: async (request, reply) => {
        await pins.delete(authOf(request), request.params.pin_id);
        return reply.code(204).send();
      },
    }),
    defineRoute<{ Params: PinParams; Body: { board_id?: string | null; board_section_id?: string | null } }>({
      method: 'POST',
      url: '/pins/:pin_id/save',
      operationId: 'pins/save',
      trialAccess: 'sandbox_only',
      scopes: PIN_WRITE_SCOPES,
      schema: { params: pinIdParams, querystring: adAccountOnlyQuery, body: pinSaveBody },
      handler: async (request, reply) => {
        const auth = authOf(request);
        const pin = await pins.save(auth, request.params.pin_id, request.body);
        reply.code(201);
        return sendJsonText(reply, pinJson(pin, auth.userId, mediaUrls.at(publicBase(request)), false));
      },
    }),
  ];
}
