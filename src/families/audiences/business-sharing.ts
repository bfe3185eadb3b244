/**
 * Audience sharing with and from businesses (`update_ad_account_to_business_shared_audience`,
 * `update_business_to_business_shared_audience`, `update_business_to_ad_account_shared_audience`,
 * `shared_audiences_for_business/list`, `business_account_audiences_shared_accounts/list`).
 *
 * pinbox's model of a business (README, audiences' sharing): a business is a user of
 * account type BUSINESS, its id the user's; its ad accounts are those it owns; its
 * members are the users linked to it (`/user_account/businesses`) and the business
 * user itself. A caller acts for the businesses it is a member of, and those are its
 * "business hierarchy": a recipient business must be one of them, and so must the
 * owner of a recipient ad account. A business the caller is no member of is a 400
 * naming `business_id` (Pinterest: the spec documents only 400 "Invalid business id"
 * for these operations).
 */
import { authOf } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { Database, Queryable } from '../../storage/database.js';
import type { AdAccountService } from '../ads/ad-accounts.js';
import { AUDIENCE_ROLES, type AudienceRow, type AudienceService } from './service.js';

/** Pinterest: a recipient is given the audience to use; pinbox answers the role that uses it (as sharing.ts). */
const PERMISSIONS = ['AUDIENCE_MANAGER'] as const;
const PAGE_SIZE = { default: 25, max: 250 } as const;

type Operation = 'SHARE' | 'REVOKE';
interface BusinessBody { audience_id: string; recipient_business_ids: string[]; operation_type: Operation }
interface AccountBody { audience_id: string; recipient_account_ids: string[]; operation_type: Operation }

export class BusinessSharing {
  constructor(private readonly deps: { db: Database; clock: Clock; accounts: AdAccountService; audiences: AudienceService }) {}

  /** The businesses the user is a member of: itself when a BUSINESS user, and those linked to it. */
  private async businessesOf(q: Queryable, userId: string): Promise<Set<string>> {
    const rows = await q.all<{ id: string }>(
      `SELECT id FROM users WHERE id = ? AND account_type = 'BUSINESS'
       UNION SELECT u.id FROM linked_businesses l JOIN users u ON u.id = l.business_user_id WHERE l.user_id = ? AND u.account_type = 'BUSINESS'`,
      [userId, userId],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** The caller's businesses, `businessId` among them (else the 400 naming business_id). */
  private async requireMember(q: Queryable, userId: string, businessId: string): Promise<Set<string>> {
    const mine = await this.businessesOf(q, userId);
    if (!mine.has(businessId)) throw invalidField('business_id', `names ${businessId}, no business you are a member of`);
    return mine;
  }

  private async audience(q: Queryable, id: string): Promise<AudienceRow & { owner_id: string }> {
    const row = await q.get<AudienceRow & { owner_id: string }>('SELECT a.*, acct.owner_id FROM audiences a JOIN ad_accounts acct ON acct.id = a.ad_account_id WHERE a.id = ?', [id]);
    if (!row) throw new ApiError('ad_entity_not_found', `Audience ${id} not found.`);
    return row;
  }

  /** Checks recipient businesses: the caller's own, never the audience's owner. */
  private checkBusinesses(ids: readonly string[], mine: Set<string>, owner: string): string[] {
    const recipients = [...new Set(ids)];
    for (const id of recipients) {
      if (id === owner) throw invalidField('recipient_business_ids', `names ${id}, the business that owns the audience`);
      if (!mine.has(id)) throw invalidField('recipient_business_ids', `names ${id}, no business of your business hierarchy (pinbox: a business you are a member of)`);
    }
    return recipients;
  }

  private async applyBusinessShares(q: Queryable, audienceId: string, recipients: readonly string[], operation: Operation): Promise<void> {
    const now = this.deps.clock.now();
    for (const id of recipients) {
      if (operation === 'SHARE') {
        await q.run('INSERT INTO audience_business_shares (audience_id, recipient_business_id, shared_at) VALUES (?, ?, ?) ON CONFLICT (audience_id, recipient_business_id) DO NOTHING', [audienceId, id, now]);
      } else {
        await q.run('DELETE FROM audience_business_shares WHERE audience_id = ? AND recipient_business_id = ?', [audienceId, id]);
        // pinbox: what the business passed on to its own ad accounts goes with it.
        await q.run('DELETE FROM audience_shares WHERE audience_id = ? AND recipient_account_id IN (SELECT id FROM ad_accounts WHERE owner_id = ?)', [audienceId, id]);
      }
    }
  }

  /** From an ad account: its own audience to businesses of the caller's hierarchy. */
  async accountToBusinesses(userId: string, accountId: string, body: BusinessBody) {
    return this.deps.db.transaction(async (tx) => {
      const { account } = await this.deps.accounts.require(userId, accountId, AUDIENCE_ROLES.write, tx);
      await this.deps.audiences.requireOwn(tx, accountId, body.audience_id);
      const recipients = this.checkBusinesses(body.recipient_business_ids, await this.businessesOf(tx, userId), account.owner_id);
      await this.applyBusinessShares(tx, body.audience_id, recipients, body.operation_type);
      return { audience_id: body.audience_id, recipient_business_ids: recipients, permissions: body.operation_type === 'SHARE' ? [...PERMISSIONS] : [] };
    });
  }

  /** From a business: an audience of one of its ad accounts to other businesses (Pinterest: only the owner shares with businesses). */
  async businessToBusinesses(userId: string, businessId: string, body: BusinessBody) {
    return this.deps.db.transaction(async (tx) => {
      const mine = await this.requireMember(tx, userId, businessId);
      const audience = await this.audience(tx, body.audience_id);
      if (audience.owner_id !== businessId) throw invalidField('audience_id', `names ${body.audience_id}, an audience business ${businessId} does not own`);
      const recipients = this.checkBusinesses(body.recipient_business_ids, mine, businessId);
      await this.applyBusinessShares(tx, body.audience_id, recipients, body.operation_type);
      return { audience_id: body.audience_id, recipient_business_ids: recipients, permissions: body.operation_type === 'SHARE' ? [...PERMISSIONS] : [] };
    });
  }

  /**
   * From a business to ad accounts. Pinterest: the owner business shares with any ad
   * account of its hierarchy (pinbox: owned by a business the caller is a member of);
   * a recipient business only with its own ad accounts.
   */
  async businessToAccounts(userId: string, businessId: string, body: AccountBody) {
    return this.deps.db.transaction(async (tx) => {
      const mine = await this.requireMember(tx, userId, businessId);
      const audience = await this.audience(tx, body.audience_id);
      const owns = audience.owner_id === businessId;
      const received = !owns && (await tx.get('SELECT 1 AS x FROM audience_business_shares WHERE audience_id = ? AND recipient_business_id = ?', [audience.id, businessId])) !== undefined;
      if (!owns && !received) throw invalidField('audience_id', `names ${body.audience_id}, an audience business ${businessId} neither owns nor received`);
      const recipients = [...new Set(body.recipient_account_ids)];
      for (const id of recipients) {
        if (id === audience.ad_account_id) throw invalidField('recipient_account_ids', `names ${id}, the audience's own ad account`);
        const other = await tx.get<{ owner_id: string }>('SELECT owner_id FROM ad_accounts WHERE id = ?', [id]);
        const allowed = other !== undefined && (owns ? mine.has(other.owner_id) : other.owner_id === businessId);
        if (!allowed) throw invalidField('recipient_account_ids', `names ${id}, ${owns ? 'no ad account of your business hierarchy' : `no ad account of business ${businessId}`}`);
      }
      const now = this.deps.clock.now();
      for (const id of recipients) {
        if (body.operation_type === 'SHARE') {
          await tx.run('INSERT INTO audience_shares (audience_id, recipient_account_id, shared_at) VALUES (?, ?, ?) ON CONFLICT (audience_id, recipient_account_id) DO NOTHING', [audience.id, id, now]);
        } else {
          await tx.run('DELETE FROM audience_shares WHERE audience_id = ? AND recipient_account_id = ?', [audience.id, id]);
        }
      }
      return { audience_id: body.audience_id, recipient_account_ids: recipients, permissions: body.operation_type === 'SHARE' ? [...PERMISSIONS] : [] };
    });
  }

  /**
   * Who has the audience: ad accounts, or businesses. Pinterest: the audience is owned
   * by an ad account of the business or was shared with it; a business that does not
   * own it sees only its own ad accounts (and no businesses).
   */
  async holders(userId: string, businessId: string, query: { audience_id: string; account_type: 'AD_ACCOUNT' | 'BUSINESS_ACCOUNT'; page_size?: number; bookmark?: string }) {
    await this.requireMember(this.deps.db, userId, businessId);
    const audience = await this.audience(this.deps.db, query.audience_id);
    const owns = audience.owner_id === businessId;
    if (!owns && (await this.deps.db.get('SELECT 1 AS x FROM audience_business_shares WHERE audience_id = ? AND recipient_business_id = ?', [audience.id, businessId])) === undefined) {
      throw invalidField('audience_id', `names ${query.audience_id}, an audience business ${businessId} neither owns nor received`);
    }
    const business = query.account_type === 'BUSINESS_ACCOUNT';
    if (business && !owns) return { items: [], bookmark: null };
    const size = query.page_size ?? PAGE_SIZE.default;
    const rows = await this.deps.db.all<{ id: string; name: string; shared_at: number }>(
      business
        ? 'SELECT u.id, COALESCE(u.business_name, u.username) AS name, s.shared_at FROM audience_business_shares s JOIN users u ON u.id = s.recipient_business_id WHERE s.audience_id = ? AND u.id > ? ORDER BY u.id LIMIT ?'
        : `SELECT a.id, a.name, s.shared_at FROM audience_shares s JOIN ad_accounts a ON a.id = s.recipient_account_id WHERE s.audience_id = ? AND a.id > ? ${owns ? '' : 'AND a.owner_id = ?'} ORDER BY a.id LIMIT ?`,
      business || owns ? [audience.id, query.bookmark ?? '', size + 1] : [audience.id, query.bookmark ?? '', businessId, size + 1],
    );
    const page = rows.slice(0, size);
    return {
      items: page.map((r) => ({ account_id: r.id, account_name: r.name, account_type: query.account_type, shared_on_timestamp: Math.floor(Number(r.shared_at) / 1000) })),
      bookmark: rows.length > size ? page[page.length - 1].id : null,
    };
  }

  /** The audiences shared with the business, by id in the order asked, `bookmark` the last id answered. */
  async received(userId: string, businessId: string, query: { page_size?: number; bookmark?: string; order?: 'ASCENDING' | 'DESCENDING' }) {
    await this.requireMember(this.deps.db, userId, businessId);
    const descending = query.order === 'DESCENDING';
    const size = query.page_size ?? PAGE_SIZE.default;
    const after = query.bookmark ? `AND a.id ${descending ? '<' : '>'} ?` : '';
    // Ids are numeric strings of one length's family; compared as text they order as the other lists do (pageById).
    const rows = await this.deps.db.all<AudienceRow>(
      `SELECT a.* FROM audience_business_shares s JOIN audiences a ON a.id = s.audience_id WHERE s.recipient_business_id = ? ${after} ORDER BY a.id ${descending ? 'DESC' : 'ASC'} LIMIT ?`,
      query.bookmark ? [businessId, query.bookmark, size + 1] : [businessId, size + 1],
    );
    const page = rows.slice(0, size);
    return { items: await this.deps.audiences.presentRows(this.deps.db, page), bookmark: rows.length > size ? page[page.length - 1].id : null };
  }
}

export function businessSharingRoutes(sharing: BusinessSharing): ApiRoute[] {
  const id = { type: 'string', pattern: '^\\d+$', maxLength: 18 } as const;
  const businessParams = { type: 'object', required: ['business_id'], properties: { business_id: { type: 'string', pattern: '^\\d+$', minLength: 1, maxLength: 20 } } } as const;
  const operation_type = { type: 'string', enum: ['SHARE', 'REVOKE'] } as const;
  const businessBody = {
    type: 'object',
    required: ['audience_id', 'recipient_business_ids', 'operation_type'],
    properties: { audience_id: id, recipient_business_ids: { type: 'array', minItems: 1, maxItems: 100, items: { type: 'string', pattern: '^\\d+$', maxLength: 20 } }, operation_type },
    additionalProperties: false,
  } as const;
  return [
    defineRoute<{ Params: { ad_account_id: string }; Body: BusinessBody }>({
      method: 'PATCH',
      url: '/ad_accounts/:ad_account_id/audiences/businesses/shared',
      operationId: 'update_ad_account_to_business_shared_audience',
      // Pinterest: this one takes ads:write (the spec), the business ones biz_access.
      scopes: ['ads:write'],
      schema: { params: { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: id } }, body: businessBody },
      handler: async (request) => sharing.accountToBusinesses(authOf(request).userId, request.params.ad_account_id, request.body),
    }),
    defineRoute<{ Params: { business_id: string }; Body: BusinessBody }>({
      method: 'PATCH',
      url: '/businesses/:business_id/audiences/businesses/shared',
      operationId: 'update_business_to_business_shared_audience',
      scopes: ['biz_access:write'],
      schema: { params: businessParams, body: businessBody },
      handler: async (request) => sharing.businessToBusinesses(authOf(request).userId, request.params.business_id, request.body),
    }),
    defineRoute<{ Params: { business_id: string }; Body: AccountBody }>({
      method: 'PATCH',
      url: '/businesses/:business_id/audiences/ad_accounts/shared',
      operationId: 'update_business_to_ad_account_shared_audience',
      scopes: ['biz_access:write'],
      schema: {
        params: businessParams,
        body: {
          type: 'object',
          required: ['audience_id', 'recipient_account_ids', 'operation_type'],
          properties: { audience_id: id, recipient_account_ids: { type: 'array', minItems: 1, maxItems: 100, items: id }, operation_type },
          additionalProperties: false,
        },
      },
      handler: async (request) => sharing.businessToAccounts(authOf(request).userId, request.params.business_id, request.body),
    }),
    defineRoute<{ Params: { business_id: string }; Querystring: { page_size?: number; bookmark?: string; order?: 'ASCENDING' | 'DESCENDING' } }>({
      method: 'GET',
      url: '/businesses/:business_id/audiences',
      operationId: 'shared_audiences_for_business/list',
      scopes: ['biz_access:read'],
      schema: {
        params: businessParams,
        querystring: {
          type: 'object',
          properties: {
            page_size: { type: 'integer', minimum: 1, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default },
            bookmark: id,
            order: { type: 'string', enum: ['ASCENDING', 'DESCENDING'] },
          },
        },
      },
      handler: async (request) => sharing.received(authOf(request).userId, request.params.business_id, request.query),
    }),
    defineRoute<{ Params: { business_id: string }; Querystring: { audience_id: string; account_type: 'AD_ACCOUNT' | 'BUSINESS_ACCOUNT'; page_size?: number; bookmark?: string } }>({
      method: 'GET',
      url: '/businesses/:business_id/audiences/shared/accounts',
      operationId: 'business_account_audiences_shared_accounts/list',
      scopes: ['biz_access:read'],
      schema: {
        params: businessParams,
        querystring: {
          type: 'object',
          required: ['audience_id', 'account_type'],
          properties: {
            audience_id: id,
            account_type: { type: 'string', enum: ['AD_ACCOUNT', 'BUSINESS_ACCOUNT'] },
            page_size: { type: 'integer', minimum: 1, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default },
            bookmark: { type: 'string', pattern: '^\\d+$', maxLength: 20 },
          },
        },
      },
      handler: async (request) => sharing.holders(authOf(request).userId, request.params.business_id, request.query),
    }),
  ];
}
