import { authOf } from '../../kernel/auth.js';
import { publicBase } from '../../kernel/http.js';
import { paginationQuerySchema, type PageRequest } from '../../kernel/pagination.js';
import { adAccountQuery } from '../../kernel/schemas.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { boardWithMedia } from '../boards/schemas.js';
import type { BoardService } from '../boards/service.js';
import type { BoardStore } from '../boards/store.js';
import type { UserAccountService } from './service.js';
import type { AccountCounts, InterestRow, UserRow } from './store.js';

/** Pinterest: the `Account` of the spec; `business_name` only on business accounts. */
function accountResponse(user: UserRow, counts: AccountCounts) {
  return {
    account_type: user.account_type,
    id: user.id,
    profile_image: user.profile_image,
    website_url: user.website_url,
    username: user.username,
    about: user.about,
    ...(user.account_type === 'BUSINESS' ? { business_name: user.business_name } : {}),
    board_count: counts.board_count,
    pin_count: counts.pin_count,
    follower_count: counts.follower_count,
    following_count: counts.following_count,
    // Views come from analytics; nobody has viewed anything in a pinbox until analytics simulate it.
    monthly_views: 0,
  };
}

function userSummary(user: UserRow) {
  return { type: 'user', username: user.username };
}

function interestResponse(interest: InterestRow) {
  return {
    id: interest.id,
    key: interest.key,
    name: interest.name,
    canonical_url: `https://www.pinterest.com/ideas/${encodeURIComponent(interest.key.replace(/ /g, '-'))}/${interest.id}/`,
  };
}

const pagedQuery = { type: 'object', properties: { ...paginationQuerySchema } } as const;
const usernameParams = { type: 'object', required: ['username'], properties: { username: { type: 'string', minLength: 1, maxLength: 100 } } } as const;

/** The routes of the spec's `user_account` tag. */
export function userAccountRoutes(deps: { accounts: UserAccountService; boards: BoardService; boardStore: BoardStore }): ApiRoute[] {
  const { accounts } = deps;
  return [
    defineRoute({
      method: 'GET',
      url: '/user_account',
      operationId: 'user_account/get',
      scopes: ['user_accounts:read'],
      schema: { querystring: { type: 'object', properties: { ...adAccountQuery } } },
      handler: async (request) => {
        const { user, counts } = await accounts.account(authOf(request));
        return accountResponse(user, counts);
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/user_account/businesses',
      operationId: 'linked_business_accounts/get',
      scopes: ['user_accounts:read'],
      handler: async (request) => {
        const businesses = await accounts.businesses(authOf(request));
        return businesses.map((b) => ({
          username: b.username,
          image_small_url: b.profile_image,
          image_medium_url: b.profile_image,
          image_large_url: b.profile_image,
          image_xlarge_url: b.profile_image,
        }));
      },
    }),
    defineRoute<{ Querystring: PageRequest }>({
      method: 'GET',
      url: '/user_account/followers',
      operationId: 'followers/list',
      scopes: ['user_accounts:read'],
      // Pinterest: the spec files this one under ads_read.
      schema: { querystring: pagedQuery },
      handler: async (request, reply) => {
        const page = await accounts.followers(authOf(request), request.query);
        return { items: page.items.map(userSummary), bookmark: page.bookmark };
      },
    }),
    defineRoute<{ Querystring: PageRequest & { explicit_following?: boolean } }>({
      method: 'GET',
      url: '/user_account/following',
      operationId: 'user_following/get',
      scopes: ['user_accounts:read'],
      schema: {
        querystring: {
          type: 'object',
          properties: {
            ...paginationQuerySchema,
            ...adAccountQuery,
            feed_type: { type: 'string', enum: ['ALL', 'RANKED', 'CREATOR_ONLY', 'RANKED_CREATOR_ONLY'] },
            explicit_following: { type: 'boolean' },
          },
        },
      },
      handler: async (request, reply) => {
        const page = await accounts.following(authOf(request), request.query.explicit_following === true, request.query);
        return { items: page.items.map(userSummary), bookmark: page.bookmark };
      },
    }),
    defineRoute<{ Querystring: PageRequest }>({
      method: 'GET',
      url: '/user_account/following/boards',
      operationId: 'boards_user_follows/list',
      scopes: ['user_accounts:read'],
      schema: {
        querystring: { type: 'object', properties: { ...paginationQuerySchema, ...adAccountQuery, explicit_following: { type: 'boolean' } } },
      },
      handler: async (request, reply) => {
        const page = await deps.boards.listFollowed(authOf(request), request.query);
        const base = publicBase(request);
        return { items: await Promise.all(page.items.map((b) => boardWithMedia(deps.boardStore, b, base))), bookmark: page.bookmark };
      },
    }),
    defineRoute<{ Params: { username: string } }>({
      method: 'POST',
      url: '/user_account/following/:username',
      operationId: 'follow_user/update',
      scopes: ['user_accounts:write'],
      schema: {
        params: usernameParams,
        body: { type: 'object', properties: { auto_follow: { type: 'boolean' } } },
      },
      handler: async (request, reply) => {
        const followed = await accounts.follow(authOf(request), request.params.username);
        return userSummary(followed);
      },
    }),
    defineRoute<{ Params: { username: string }; Querystring: PageRequest }>({
      method: 'GET',
      url: '/users/:username/interests/follow',
      operationId: 'user_account/followed_interests',
      scopes: ['user_accounts:read'],
      schema: { params: usernameParams, querystring: pagedQuery },
      handler: async (request, reply) => {
        const page = await accounts.followedInterests(request.params.username, request.query);
        return { items: page.items.map(interestResponse), bookmark: page.bookmark };
      },
    }),
  ];
}
