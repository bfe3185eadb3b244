import { authOf } from '../../kernel/auth.js';
import { publicBase, sendJsonText } from '../../kernel/http.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { boardWithMedia } from '../boards/schemas.js';
import type { BoardStore } from '../boards/store.js';
import type { MediaUrls } from '../media/media-urls.js';
import { pinPageJson } from '../pins/schemas.js';
import { searchBoardsQuery, searchPartnerPinsQuery, searchPinsQuery, summaryPinJson } from './schemas.js';
import type { SearchService } from './service.js';

/** The routes of the spec's `search` tag. */
export function searchRoutes(deps: { search: SearchService; boardStore: BoardStore; mediaUrls: MediaUrls }): ApiRoute[] {
  const { search, mediaUrls } = deps;
  return [
    defineRoute<{ Querystring: { query: string; bookmark?: string } }>({
      method: 'GET',
      url: '/search/pins',
      operationId: 'search_user_pins/list',
      scopes: ['boards:read', 'boards:read_secret', 'pins:read', 'pins:read_secret'],
      schema: { querystring: searchPinsQuery },
      handler: async (request, reply) => {
        const auth = authOf(request);
        const page = await search.searchOwnPins(auth, request.query.query, { bookmark: request.query.bookmark });
        return sendJsonText(reply, pinPageJson(page, auth.userId, mediaUrls.at(publicBase(request)), false));
      },
    }),
    defineRoute<{ Querystring: { query?: string; bookmark?: string; page_size?: number } }>({
      method: 'GET',
      url: '/search/boards',
      operationId: 'search_user_boards/get',
      scopes: ['boards:read', 'boards:read_secret'],
      schema: { querystring: searchBoardsQuery },
      handler: async (request) => {
        const page = await search.searchBoards(authOf(request), request.query.query, request.query);
        const base = publicBase(request);
        return { items: await Promise.all(page.items.map((b) => boardWithMedia(deps.boardStore, b, base))), bookmark: page.bookmark };
      },
    }),
    defineRoute<{ Querystring: { term: string; limit?: number; bookmark?: string } }>({
      method: 'GET',
      url: '/search/partner/pins',
      operationId: 'search_partner_pins',
      scopes: ['boards:read', 'pins:read'],
      schema: { querystring: searchPartnerPinsQuery },
      handler: async (request, reply) => {
        const page = await search.searchPublicPins(request.query.term, { bookmark: request.query.bookmark, page_size: request.query.limit });
        const media = mediaUrls.at(publicBase(request));
        let items = '';
        for (const row of page.items) items += (items ? ',' : '') + summaryPinJson(row, media);
        return sendJsonText(reply, '{"items":[' + items + '],"bookmark":' + JSON.stringify(page.bookmark) + '}');
      },
    }),
  ];
}
