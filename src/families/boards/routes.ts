import { authOf } from '../../kernel/auth.js';
import { publicBase, sendJsonText } from '../../kernel/http.js';
import type { PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import {
  adAccountOnlyQuery,
  boardCreateBody,
  boardIdParams,
  boardListQuery,
  boardWithMedia,
  boardUpdateBody,
  pagedQuery,
  sectionBody,
  sectionParams,
  sectionResponse,
} from './schemas.js';
import type { BoardCreateInput, BoardPrivacyFilter, BoardService, BoardUpdateInput } from './service.js';
import type { BoardRow, BoardStore } from './store.js';

type BoardParams = { board_id: string };
type SectionParams = { board_id: string; section_id: string };

/**
 * The routes of the spec's `boards` tag: boards and board sections. The Pins on a
 * board or section are listed by the pins family (`boardPinRoutes`), which builds on this one.
 */
export function boardRoutes(deps: { boards: BoardService; boardStore: BoardStore }): ApiRoute[] {
  const { boards } = deps;

  const withMedia = (board: BoardRow, base: string) => boardWithMedia(deps.boardStore, board, base);

  return [
    defineRoute<{ Querystring: PageRequest & { privacy?: BoardPrivacyFilter } }>({
      method: 'GET',
      url: '/boards',
      operationId: 'boards/list',
      scopes: ['boards:read'],
      schema: { querystring: boardListQuery },
      handler: async (request, reply) => {
        const auth = authOf(request);
        const page = await boards.list(auth, request.query.privacy, request.query);
        const base = publicBase(request);
        return { items: await Promise.all(page.items.map((b) => withMedia(b, base))), bookmark: page.bookmark };
      },
    }),
    defineRoute<{ Body: BoardCreateInput }>({
      method: 'POST',
      url: '/boards',
      operationId: 'boards/create',
      scopes: ['boards:read', 'boards:write'],
      schema: { querystring: adAccountOnlyQuery, body: boardCreateBody },
      handler: async (request, reply) => {
        const board = await boards.create(authOf(request), request.body);
        reply.code(201);
        return withMedia(board, publicBase(request));
      },
    }),
    defineRoute<{ Params: BoardParams }>({
      method: 'GET',
      url: '/boards/:board_id',
      operationId: 'boards/get',
      scopes: ['boards:read'],
      schema: { params: boardIdParams, querystring: adAccountOnlyQuery },
      handler: async (request, reply) => {
        const { board } = await boards.visible(authOf(request), request.params.board_id);
        return withMedia(board, publicBase(request));
      },
    }),
    defineRoute<{ Params: BoardParams; Body: BoardUpdateInput }>({
      method: 'PATCH',
      url: '/boards/:board_id',
      operationId: 'boards/update',
      scopes: ['boards:read', 'boards:write'],
      schema: { params: boardIdParams, querystring: adAccountOnlyQuery, body: boardUpdateBody },
      handler: async (request, reply) => {
        const board = await boards.update(authOf(request), request.params.board_id, request.body);
        return withMedia(board, publicBase(request));
      },
    }),
    defineRoute<{ Params: BoardParams }>({
      method: 'DELETE',
      url: '/boards/:board_id',
      operationId: 'boards/delete',
      scopes: ['boards:read', 'boards:write'],
      schema: { params: boardIdParams, querystring: adAccountOnlyQuery },
      handler: async (request, reply) => {
        await boards.delete(authOf(request), request.params.board_id);
        return reply.code(204).send();
      },
    }),
    defineRoute<{ Params: BoardParams; Querystring: PageRequest }>({
      method: 'GET',
      url: '/boards/:board_id/sections',
      operationId: 'board_sections/list',
      scopes: ['boards:read'],
      schema: { params: boardIdParams, querystring: pagedQuery },
      handler: async (request, reply) => {
        const page = await boards.listSections(authOf(request), request.params.board_id, request.query);
        return { items: page.items.map(sectionResponse), bookmark: page.bookmark };
      },
    }),
    defineRoute<{ Params: BoardParams; Body: { name: string } }>({
      method: 'POST',
      url: '/boards/:board_id/sections',
      operationId: 'board_sections/create',
      scopes: ['boards:read', 'boards:write'],
      schema: { params: boardIdParams, querystring: adAccountOnlyQuery, body: sectionBody },
      handler: async (request, reply) => {
        const section = await boards.createSection(authOf(request), request.params.board_id, request.body.name);
        reply.code(201);
        return sectionResponse(section);
      },
    }),
    defineRoute<{ Params: SectionParams; Body: { name: string } }>({
      method: 'PATCH',
      url: '/boards/:board_id/sections/:section_id',
      operationId: 'board_sections/update',
      scopes: ['boards:read', 'boards:write'],
      schema: { params: sectionParams, querystring: adAccountOnlyQuery, body: sectionBody },
      handler: async (request, reply) => {
        const section = await boards.updateSection(authOf(request), request.params.board_id, request.params.section_id, request.body.name);
        return sectionResponse(section);
      },
    }),
    defineRoute<{ Params: SectionParams }>({
      method: 'DELETE',
      url: '/boards/:board_id/sections/:section_id',
      operationId: 'board_sections/delete',
      scopes: ['boards:read', 'boards:write'],
      schema: { params: sectionParams, querystring: adAccountOnlyQuery },
      handler: async (request, reply) => {
        await boards.deleteSection(authOf(request), request.params.board_id, request.params.section_id);
        return reply.code(204).send();
      },
    }),
  ];
}
