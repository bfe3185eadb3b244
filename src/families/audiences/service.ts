/**
 * Audiences (../shared/reference/ads-catalogs.md §6), CUSTOMER_LIST audiences for
 * now: an audience over a customer list of its account, its size the list's
 * matched people and its status READY (100 or more), TOO_SMALL, or INITIALIZING
 * while the list is matched, worked out on every read. VISITOR, ENGAGEMENT and
 * ACTALIKE audiences are refused naming `audience_type` until pinbox builds them.
 */
import type { Clock } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import { pageById } from '../../kernel/id-pages.js';
import type { Bookmarks, PageRequest } from '../../kernel/pagination.js';
import type { Database, Queryable } from '../../storage/database.js';
import type { AdAccountService } from '../ads/ad-accounts.js';
import type { AdIds } from '../ads/ad-ids.js';
import type { RoleRule } from '../ads/roles.js';
import { MIN_MATCHED, type CustomerListService } from '../customer-lists/service.js';

/** pinbox: as customer lists. */
export const AUDIENCE_ROLES: RoleRule = {
  read: ['OWNER', 'ADMIN', 'AUDIENCE_MANAGER', 'CAMPAIGN_MANAGER', 'ANALYST'],
  write: ['OWNER', 'ADMIN', 'AUDIENCE_MANAGER', 'CAMPAIGN_MANAGER'],
};

interface AudienceRow {
  id: string;
  ad_account_id: string;
  name: string;
  description: string | null;
  audience_type: string;
  rule: string;
  created_at: number;
  updated_at: number;
}

export interface AudienceInput {
  name?: string;
  description?: string;
  audience_type?: string;
  rule?: Record<string, unknown>;
  operation_type?: 'UPDATE' | 'REMOVE';
}

export class AudienceService {
  constructor(private readonly deps: { db: Database; clock: Clock; ids: AdIds; bookmarks: Bookmarks; accounts: AdAccountService; lists: CustomerListService }) {}

  async create(userId: string, accountId: string, body: AudienceInput): Promise<Record<string, unknown>> {
    return this.deps.db.transaction(async (tx) => {
      await this.deps.accounts.require(userId, accountId, AUDIENCE_ROLES.write, tx);
      if (body.audience_type !== 'CUSTOMER_LIST') throw invalidField('audience_type', `is ${String(body.audience_type)}: pinbox makes CUSTOMER_LIST audiences only so far`);
      const rule = await this.checkRule(tx, accountId, body.rule ?? {});
      const now = this.deps.clock.now();
      const row: AudienceRow = { id: this.deps.ids.next(), ad_account_id: accountId, name: body.name!.trim(), description: body.description ?? null, audience_type: 'CUSTOMER_LIST', rule: JSON.stringify(rule), created_at: now, updated_at: now };
      if (!row.name) throw invalidField('name', 'must not be empty');
      await tx.run('INSERT INTO audiences (id, ad_account_id, name, description, audience_type, rule, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        row.id, accountId, row.name, row.description, row.audience_type, row.rule, now, now,
      ]);
      return this.present(tx, row);
    });
  }

  /** Pinterest: `operation_type` UPDATE changes the name, description or rule; REMOVE deletes the audience. */
  async update(userId: string, accountId: string, id: string, body: AudienceInput): Promise<Record<string, unknown>> {
    return this.deps.db.transaction(async (tx) => {
      await this.deps.accounts.require(userId, accountId, AUDIENCE_ROLES.write, tx);
      const row = await this.row(tx, accountId, id);
      if (body.operation_type === 'REMOVE') {
        const answer = await this.present(tx, row);
        await tx.run('DELETE FROM audiences WHERE id = ?', [id]);
        return answer;
      }
      const next: AudienceRow = {
        ...row,
        name: body.name === undefined ? row.name : body.name.trim(),
        description: body.description ?? row.description,
        rule: body.rule === undefined ? row.rule : JSON.stringify(await this.checkRule(tx, accountId, body.rule)),
        updated_at: this.deps.clock.now(),
      };
      if (!next.name) throw invalidField('name', 'must not be empty');
      await tx.run('UPDATE audiences SET name = ?, description = ?, rule = ?, updated_at = ? WHERE id = ?', [next.name, next.description, next.rule, next.updated_at, id]);
      return this.present(tx, next);
    });
  }

  async get(userId: string, accountId: string, id: string): Promise<Record<string, unknown>> {
    await this.deps.accounts.require(userId, accountId, AUDIENCE_ROLES.read);
    return this.present(this.deps.db, await this.row(this.deps.db, accountId, id));
  }

  async list(userId: string, accountId: string, query: PageRequest & { order?: 'ASCENDING' | 'DESCENDING'; ownership_type?: string }): Promise<{ items: Record<string, unknown>[]; bookmark: string | null }> {
    await this.deps.accounts.require(userId, accountId, AUDIENCE_ROLES.read);
    // pinbox: no audience is shared between accounts yet, so RECEIVED lists none.
    if (query.ownership_type === 'RECEIVED') return { items: [], bookmark: null };
    const page = await pageById<AudienceRow>(this.deps.bookmarks, this.deps.db, 'audiences', 'audiences/list', accountId, query);
    const items: Record<string, unknown>[] = [];
    for (const row of page.items) items.push(await this.present(this.deps.db, row));
    return { items, bookmark: page.bookmark };
  }

  private async checkRule(q: Queryable, accountId: string, rule: Record<string, unknown>): Promise<Record<string, unknown>> {
    const listId = rule.customer_list_id;
    if (typeof listId !== 'string' || !/^\d{1,18}$/.test(listId)) throw invalidField('rule.customer_list_id', 'is required for a CUSTOMER_LIST audience');
    if (!(await this.deps.lists.sizeOf(q, accountId, listId))) throw invalidField('rule.customer_list_id', `is no customer list of ad account ${accountId}`);
    return { customer_list_id: listId };
  }

  private async row(q: Queryable, accountId: string, id: string): Promise<AudienceRow> {
    const row = await q.get<AudienceRow>('SELECT * FROM audiences WHERE ad_account_id = ? AND id = ?', [accountId, id]);
    if (!row) throw new ApiError('ad_entity_not_found', `Audience ${id} not found in ad account ${accountId}.`);
    return row;
  }

  /** The audience with its size and status derived now from its customer list. */
  private async present(q: Queryable, row: AudienceRow): Promise<Record<string, unknown>> {
    const rule = JSON.parse(row.rule) as { customer_list_id: string };
    const list = await this.deps.lists.sizeOf(q, row.ad_account_id, rule.customer_list_id);
    const ready = list && list.status !== 'PROCESSING';
    return {
      id: row.id,
      ad_account_id: row.ad_account_id,
      name: row.name,
      audience_type: row.audience_type,
      rule,
      size: ready ? list.matched : null,
      status: !ready ? 'INITIALIZING' : list.matched >= MIN_MATCHED ? 'READY' : 'TOO_SMALL',
      type: 'audience',
      created_by_company_name: null,
      created_timestamp: Math.floor(Number(row.created_at) / 1000),
      updated_timestamp: Math.floor(Number(row.updated_at) / 1000),
    };
  }
}
