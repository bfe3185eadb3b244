import { authOf } from '../../kernel/auth.js';
import { paginationQuerySchema, type PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { UserStore } from '../user-account/store.js';
import type { AdAccountCreateInput, AdAccountService } from './ad-accounts.js';
import { CAMPAIGN_ROLES, type AdAccountRow } from './roles.js';
import { seconds } from './schemas.js';

type AccountParams = { ad_account_id: string };
const accountParams = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;

/** The routes of the spec's `ad_accounts` tag (and `terms_of_service/get`), beside the entities' own. */
export function adAccountRoutes(deps: { accounts: AdAccountService; users: UserStore }): ApiRoute[] {
  const { accounts, users } = deps;

  const present = async (account: AdAccountRow, userId: string) => {
    const owner = await users.getById(account.owner_id);
    return {
      id: account.id,
      name: account.name,
      owner: { id: account.owner_id, username: owner?.username ?? '' },
      country: account.country,
      currency: account.currency,
      permissions: await accounts.rolesOf(account, userId),
      created_time: seconds(account.created_at),
      updated_time: seconds(account.updated_at),
    };
  };

  return [
    defineRoute<{ Querystring: PageRequest & { include_shared_accounts?: boolean } }>({
      method: 'GET',
      url: '/ad_accounts',
      operationId: 'ad_accounts/list',
      scopes: ['ads:read'],
      schema: { querystring: { type: 'object', properties: { ...paginationQuerySchema, include_shared_accounts: { type: 'boolean', default: true } } } },
      handler: async (request) => {
        const { userId } = authOf(request);
        const page = await accounts.list(userId, request.query.include_shared_accounts === false, request.query);
        return { items: await Promise.all(page.items.map((account) => present(account, userId))), bookmark: page.bookmark };
      },
    }),
    defineRoute<{ Body: AdAccountCreateInput }>({
      method: 'POST',
      url: '/ad_accounts',
      operationId: 'ad_accounts/create',
      scopes: ['ads:write'],
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 256 },
            country: { type: 'string', maxLength: 2 },
            currency: { type: 'string', maxLength: 3 },
            owner_user_id: { type: 'string', pattern: '^\\d+$', maxLength: 20 },
          },
        },
      },
      handler: async (request) => {
        const auth = authOf(request);
        // Pinterest: the spec gives create a 200 (and a 201); pinbox answers 200 as its example does.
        return present(await accounts.create(auth, request.body ?? {}), auth.userId);
      },
    }),
    defineRoute<{ Params: AccountParams }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id',
      operationId: 'ad_accounts/get',
      scopes: ['ads:read'],
      schema: { params: accountParams },
      handler: async (request) => {
        const { userId } = authOf(request);
        const { account } = await accounts.require(userId, request.params.ad_account_id, 'any');
        return present(account, userId);
      },
    }),
    defineRoute<{ Params: AccountParams }>({
      method: 'DELETE',
      url: '/ad_accounts/:ad_account_id/sandbox',
      operationId: 'sandbox/delete',
      scopes: ['ads:write'],
      schema: { params: accountParams },
      handler: async (request, reply) => {
        await accounts.deleteInSandbox(authOf(request), request.params.ad_account_id);
        // Pinterest: the answer is a JSON string.
        return reply.type('application/json').send(JSON.stringify('Delete Success'));
      },
    }),
    defineRoute<{ Params: AccountParams; Querystring: PageRequest }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/templates',
      operationId: 'templates/list',
      scopes: ['ads:read'],
      schema: { params: accountParams, querystring: { type: 'object', properties: { ...paginationQuerySchema, order: { type: 'string', enum: ['ASCENDING', 'DESCENDING'] } } } },
      handler: async (request) => {
        await accounts.require(authOf(request).userId, request.params.ad_account_id, CAMPAIGN_ROLES.read);
        // pinbox: report templates are made in Ads Manager, which pinbox has not; an account has none.
        return { items: [], bookmark: null };
      },
    }),
    defineRoute<{ Params: AccountParams; Querystring: { include_html?: boolean; tos_type?: string } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/terms_of_service',
      operationId: 'terms_of_service/get',
      scopes: ['ads:read'],
      schema: {
        params: accountParams,
        querystring: { type: 'object', properties: { include_html: { type: 'boolean', default: false }, tos_type: { type: 'string', maxLength: 50 } } },
      },
      handler: async (request) => {
        const { account } = await accounts.require(authOf(request).userId, request.params.ad_account_id, 'any');
        const type = request.query.tos_type ?? 'partner';
        return {
          id: type === 'lead_ads' ? '2' : '1',
          ad_account_id: account.id,
          // pinbox: an account accepts Pinterest's terms when it is made, as Ads Manager has it do.
          has_accepted: true,
          html: request.query.include_html ? `<p>pinbox stands in for Pinterest's ${type === 'lead_ads' ? 'lead ads' : 'advertising'} terms of service.</p>` : null,
        };
      },
    }),
  ];
}
