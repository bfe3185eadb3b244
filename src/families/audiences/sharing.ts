/**
 * Audience sharing between ad accounts (`update_ad_account_to_ad_account_shared_audience`,
 * `ad_accounts_audiences_shared_accounts/list`). Between ad accounts "one business"
 * is one owner: an audience is shared only with ad accounts owned by the owner of its
 * own (another is a 400 naming `recipient_account_ids`). A recipient lists it with
 * `ownership_type=RECEIVED` and its ad groups may target it. Sharing with and from
 * businesses (a business is a BUSINESS user) is business-sharing.ts; the list with
 * `account_type=BUSINESS_ACCOUNT` answers the businesses it was shared with.
 */
import { authOf } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { invalidField } from '../../kernel/errors.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { Database } from '../../storage/database.js';
import type { AdAccountService } from '../ads/ad-accounts.js';
import { AUDIENCE_ROLES, type AudienceService } from './service.js';

/** Pinterest: a recipient is given the audience to use; pinbox answers the role that uses it. */
const PERMISSIONS = ['AUDIENCE_MANAGER'] as const;
const PAGE_SIZE = { default: 25, max: 250 } as const;

export class AudienceSharing {
  constructor(private readonly deps: { db: Database; clock: Clock; accounts: AdAccountService; audiences: AudienceService }) {}

  async update(userId: string, accountId: string, body: { audience_id: string; recipient_account_ids: string[]; operation_type: 'SHARE' | 'REVOKE' }) {
    return this.deps.db.transaction(async (tx) => {
      const { account } = await this.deps.accounts.require(userId, accountId, AUDIENCE_ROLES.write, tx);
      await this.deps.audiences.requireOwn(tx, accountId, body.audience_id);
      const recipients = [...new Set(body.recipient_account_ids)];
      for (const id of recipients) {
        if (id === accountId) throw invalidField('recipient_account_ids', `names ${id}, the audience's own ad account`);
        const other = await tx.get<{ owner_id: string }>('SELECT owner_id FROM ad_accounts WHERE id = ?', [id]);
        if (!other || other.owner_id !== account.owner_id) throw invalidField('recipient_account_ids', `names ${id}, no ad account of the same business (pinbox: of the same owner)`);
      }
      const now = this.deps.clock.now();
      for (const id of recipients) {
        if (body.operation_type === 'SHARE') {
          await tx.run('INSERT INTO audience_shares (audience_id, recipient_account_id, shared_at) VALUES (?, ?, ?) ON CONFLICT (audience_id, recipient_account_id) DO NOTHING', [body.audience_id, id, now]);
        } else {
          await tx.run('DELETE FROM audience_shares WHERE audience_id = ? AND recipient_account_id = ?', [body.audience_id, id]);
        }
      }
      return { audience_id: body.audience_id, recipient_account_ids: recipients, permissions: body.operation_type === 'SHARE' ? [...PERMISSIONS] : [] };
    });
  }

  async recipients(userId: string, accountId: string, query: { audience_id: string; account_type: string; page_size?: number; bookmark?: string }) {
    await this.deps.accounts.require(userId, accountId, AUDIENCE_ROLES.read);
    await this.deps.audiences.requireOwn(this.deps.db, accountId, query.audience_id);
    const business = query.account_type === 'BUSINESS_ACCOUNT';
    // A business is a BUSINESS user (business-sharing.ts): its name is its business_name, else its username.
    const rows = await this.deps.db.all<{ id: string; name: string; shared_at: number }>(
      business
        ? 'SELECT u.id, COALESCE(u.business_name, u.username) AS name, s.shared_at FROM audience_business_shares s JOIN users u ON u.id = s.recipient_business_id WHERE s.audience_id = ? AND u.id > ? ORDER BY u.id'
        : 'SELECT a.id, a.name, s.shared_at FROM audience_shares s JOIN ad_accounts a ON a.id = s.recipient_account_id WHERE s.audience_id = ? AND a.id > ? ORDER BY a.id',
      [query.audience_id, query.bookmark ?? ''],
    );
    const size = query.page_size ?? PAGE_SIZE.default;
    const page = rows.slice(0, size);
    return {
      items: page.map((r) => ({ account_id: r.id, account_name: r.name, account_type: business ? 'BUSINESS_ACCOUNT' : 'AD_ACCOUNT', shared_on_timestamp: Math.floor(Number(r.shared_at) / 1000) })),
      bookmark: rows.length > size ? page[page.length - 1].id : null,
    };
  }
}

export function sharingRoutes(sharing: AudienceSharing): ApiRoute[] {
  const id = { type: 'string', pattern: '^\\d+$', maxLength: 18 } as const;
  const params = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: id } } as const;
  return [
    defineRoute<{ Params: { ad_account_id: string }; Body: { audience_id: string; recipient_account_ids: string[]; operation_type: 'SHARE' | 'REVOKE' } }>({
      method: 'PATCH',
      url: '/ad_accounts/:ad_account_id/audiences/ad_accounts/shared',
      operationId: 'update_ad_account_to_ad_account_shared_audience',
      scopes: ['ads:write'],
      schema: {
        params,
        body: {
          type: 'object',
          required: ['audience_id', 'recipient_account_ids', 'operation_type'],
          properties: { audience_id: id, recipient_account_ids: { type: 'array', minItems: 1, maxItems: 100, items: id }, operation_type: { type: 'string', enum: ['SHARE', 'REVOKE'] } },
          additionalProperties: false,
        },
      },
      handler: async (request) => sharing.update(authOf(request).userId, request.params.ad_account_id, request.body),
    }),
    defineRoute<{ Params: { ad_account_id: string }; Querystring: { audience_id: string; account_type: string; page_size?: number; bookmark?: string } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/audiences/shared/accounts',
      operationId: 'ad_accounts_audiences_shared_accounts/list',
      scopes: ['ads:read'],
      schema: {
        params,
        querystring: {
          type: 'object',
          required: ['audience_id', 'account_type'],
          properties: {
            audience_id: id,
            account_type: { type: 'string', enum: ['AD_ACCOUNT', 'BUSINESS_ACCOUNT'] },
            page_size: { type: 'integer', minimum: 1, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default },
            bookmark: id,
          },
        },
      },
      handler: async (request) => sharing.recipients(authOf(request).userId, request.params.ad_account_id, request.query),
    }),
  ];
}
