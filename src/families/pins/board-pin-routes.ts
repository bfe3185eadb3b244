import { authOf } from '../../kernel/auth.js';
import { publicBase, sendJsonText } from '../../kernel/http.js';
import type { PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { boardIdParams, pagedQuery, sectionParams } from '../boards/schemas.js';
import type { MediaUrls } from '../media/media-urls.js';
import { pinPageJson } from './schemas.js';
import type { PinService } from './service.js';

type BoardParams = { board_id: string };
type SectionParams = { board_id: string; section_id: string };

/**
 * The Pins on a board and in a section: operations of the spec's `boards` tag that
 * read Pins, served by the pins family because Pins build on boards (a Pin's access
 * is its board's), not the other way round.
 */
export function boardPinRoutes(deps: { pins: PinService; mediaUrls: MediaUrls }): ApiRoute[] {
  const { pins, mediaUrls } = deps;
  return [
    defineRoute<{ Params: BoardParams; Querystring: PageRequest & { creative_types?: string[]; pin_metrics?: boolean } }>({
      method: 'GET',
      url: '/boards/:board_id/pins',
      operationId: 'boards/list_pins',
      scopes: ['boards:read', 'pins:read'],
      schema: {
        params: boardIdParams,
        querystring: {
          type: 'object',
          properties: {
            ...pagedQuery.properties,
            creative_types: { type: 'array', items: { type: 'string' } },
            pin_metrics: { type: 'boolean' },
          },
        },
      },
      handler: async (request, reply) => {
        const auth = authOf(request);
        const page = await pins.listOnBoard(auth, request.params.board_id, pins.creativeTypesOf(request.query.creative_types), request.query);
        return sendJsonText(reply, pinPageJson(page, auth.userId, mediaUrls.at(publicBase(request)), request.query.pin_metrics === true));
      },
    }),
    defineRoute<{ Params: SectionParams; Querystring: PageRequest }>({
      method: 'GET',
      url: '/boards/:board_id/sections/:section_id/pins',
      operationId: 'board_sections/list_pins',
      scopes: ['boards:read', 'pins:read'],
      schema: { params: sectionParams, querystring: pagedQuery },
      handler: async (request, reply) => {
        const auth = authOf(request);
        const page = await pins.listInSection(auth, request.params.board_id, request.params.section_id, request.query);
        return sendJsonText(reply, pinPageJson(page, auth.userId, mediaUrls.at(publicBase(request)), false));
      },
    }),
  ];
}
