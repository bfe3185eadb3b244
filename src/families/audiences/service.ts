/**
 * Audiences (../shared/reference/ads-catalogs.md §6): CUSTOMER_LIST, VISITOR,
 * ENGAGEMENT and ACTALIKE, each with its rule (rules.ts). A size and status are
 * worked out on every read from what the audience is built on: READY from 100
 * people, TOO_SMALL below, INITIALIZING while a customer list (or a seed's) is
 * matched. PERSONA audiences are refused naming `audience_type`.
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
import type { ConversionService } from '../conversions/service.js';
import { C } from '../ads/delivery.js';
import { dayOfInstant } from '../analytics/model.js';
import { actalikeRule, actalikeSize, engagementRule, visitorFilter, visitorRule, type Rule } from './rules.js';

/** What engagement audiences read of the ads delivery. */
export interface DeliveryReads {
  catchUp(accountId: string): Promise<void>;
  sums(accountId: string, fromDay: number, toDay: number, key: 'campaign_id' | 'ad_group_id' | 'ad_id' | null, ids: readonly string[] | null): Promise<{ counts: Float64Array }[]>;
}

/** The audience types pinbox builds. */
export const AUDIENCE_TYPES = ['CUSTOMER_LIST', 'VISITOR', 'ENGAGEMENT', 'ACTALIKE'] as const;

/** pinbox: as customer lists. */
export const AUDIENCE_ROLES: RoleRule = {
  read: ['OWNER', 'ADMIN', 'AUDIENCE_MANAGER', 'CAMPAIGN_MANAGER', 'ANALYST'],
  write: ['OWNER', 'ADMIN', 'AUDIENCE_MANAGER', 'CAMPAIGN_MANAGER'],
};

export interface AudienceRow {
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
  constructor(
    private readonly deps: { db: Database; clock: Clock; ids: AdIds; bookmarks: Bookmarks; accounts: AdAccountService; lists: CustomerListService; conversions: ConversionService; delivery: DeliveryReads },
  ) {}

  async create(userId: string, accountId: string, body: AudienceInput): Promise<Record<string, unknown>> {
    const made = await this.deps.db.transaction(async (tx) => {
      await this.deps.accounts.require(userId, accountId, AUDIENCE_ROLES.write, tx);
      const type = String(body.audience_type);
      if (!(AUDIENCE_TYPES as readonly string[]).includes(type)) throw invalidField('audience_type', `is ${type}: pinbox makes ${AUDIENCE_TYPES.join(', ')} audiences`);
      const rule = await this.checkRule(tx, accountId, type, body.rule ?? {});
      const now = this.deps.clock.now();
      const row: AudienceRow = { id: this.deps.ids.next(), ad_account_id: accountId, name: body.name!.trim(), description: body.description ?? null, audience_type: type, rule: JSON.stringify(rule), created_at: now, updated_at: now };
      if (!row.name) throw invalidField('name', 'must not be empty');
      await tx.run('INSERT INTO audiences (id, ad_account_id, name, description, audience_type, rule, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        row.id, accountId, row.name, row.description, row.audience_type, row.rule, now, now,
      ]);
      return row;
    });
    // Sized after the commit: an engagement audience brings the delivery up to the clock in its own transaction.
    return this.present(this.deps.db, made);
  }

  /** Pinterest: `operation_type` UPDATE changes the name, description or rule; REMOVE deletes the audience. */
  async update(userId: string, accountId: string, id: string, body: AudienceInput): Promise<Record<string, unknown>> {
    await this.deps.accounts.require(userId, accountId, AUDIENCE_ROLES.write);
    // A removed audience answers as it was: sized before it goes.
    const before = body.operation_type === 'REMOVE' ? await this.present(this.deps.db, await this.row(this.deps.db, accountId, id)) : null;
    const changed = await this.deps.db.transaction(async (tx) => {
      await this.deps.accounts.require(userId, accountId, AUDIENCE_ROLES.write, tx);
      const row = await this.row(tx, accountId, id);
      if (body.operation_type === 'REMOVE') {
        await tx.run('DELETE FROM audiences WHERE id = ?', [id]);
        return null;
      }
      const next: AudienceRow = {
        ...row,
        name: body.name === undefined ? row.name : body.name.trim(),
        description: body.description ?? row.description,
        rule: body.rule === undefined ? row.rule : JSON.stringify(await this.checkRule(tx, accountId, row.audience_type, body.rule, id)),
        updated_at: this.deps.clock.now(),
      };
      if (!next.name) throw invalidField('name', 'must not be empty');
      await tx.run('UPDATE audiences SET name = ?, description = ?, rule = ?, updated_at = ? WHERE id = ?', [next.name, next.description, next.rule, next.updated_at, id]);
      return next;
    });
    return changed ? this.present(this.deps.db, changed) : before!;
  }

  async get(userId: string, accountId: string, id: string): Promise<Record<string, unknown>> {
    await this.deps.accounts.require(userId, accountId, AUDIENCE_ROLES.read);
    return this.present(this.deps.db, await this.row(this.deps.db, accountId, id));
  }

  async list(userId: string, accountId: string, query: PageRequest & { order?: 'ASCENDING' | 'DESCENDING'; ownership_type?: string }): Promise<{ items: Record<string, unknown>[]; bookmark: string | null }> {
    await this.deps.accounts.require(userId, accountId, AUDIENCE_ROLES.read);
    // Audiences shared with the account (sharing.ts), by id; one page holds them all (at most a few hundred).
    if (query.ownership_type === 'RECEIVED') {
      const rows = await this.deps.db.all<AudienceRow>(
        'SELECT a.* FROM audience_shares s JOIN audiences a ON a.id = s.audience_id WHERE s.recipient_account_id = ? ORDER BY a.id',
        [accountId],
      );
      const items: Record<string, unknown>[] = [];
      for (const row of rows) items.push(await this.present(this.deps.db, row));
      return { items, bookmark: null };
    }
    const page = await pageById<AudienceRow>(this.deps.bookmarks, this.deps.db, 'audiences', 'audiences/list', accountId, query);
    const items: Record<string, unknown>[] = [];
    for (const row of page.items) items.push(await this.present(this.deps.db, row));
    return { items, bookmark: page.bookmark };
  }

  private async checkRule(q: Queryable, accountId: string, type: string, rule: Rule, selfId?: string): Promise<Rule> {
    if (typeof rule !== 'object' || rule === null) throw invalidField('rule', 'must be an object');
    if (type === 'VISITOR') {
      const checked = visitorRule(rule);
      if (!(await this.deps.conversions.tagExists(q, accountId, String(checked.visitor_source_id)))) {
        throw invalidField('rule.visitor_source_id', `is no conversion tag of ad account ${accountId}`);
      }
      return checked;
    }
    if (type === 'ENGAGEMENT') return engagementRule(rule);
    if (type === 'ACTALIKE') {
      const checked = actalikeRule(rule);
      for (const seed of checked.seed_id as string[]) {
        const found = seed === selfId ? undefined : await q.get<{ audience_type: string }>('SELECT audience_type FROM audiences WHERE ad_account_id = ? AND id = ?', [accountId, seed]);
        if (!found) throw invalidField('rule.seed_id', `names ${seed}, no audience of ad account ${accountId}`);
        if (found.audience_type === 'ACTALIKE') throw invalidField('rule.seed_id', `names ${seed}, an ACTALIKE audience: a seed is a customer list, visitor or engagement audience`);
      }
      return checked;
    }
    const listId = rule.customer_list_id;
    if (typeof listId !== 'string' || !/^\d{1,18}$/.test(listId)) throw invalidField('rule.customer_list_id', 'is required for a CUSTOMER_LIST audience');
    if (!(await this.deps.lists.sizeOf(q, accountId, listId))) throw invalidField('rule.customer_list_id', `is no customer list of ad account ${accountId}`);
    return { customer_list_id: listId };
  }

  /** The audience of the account, or the 404. */
  async requireOwn(q: Queryable, accountId: string, id: string): Promise<void> {
    await this.row(q, accountId, id);
  }

  private async row(q: Queryable, accountId: string, id: string): Promise<AudienceRow> {
    const row = await q.get<AudienceRow>('SELECT * FROM audiences WHERE ad_account_id = ? AND id = ?', [accountId, id]);
    if (!row) throw new ApiError('ad_entity_not_found', `Audience ${id} not found in ad account ${accountId}.`);
    return row;
  }

  /**
   * The status of each of `ids` the account may target (its own audiences), for ad
   * group targeting and delivery. Read inside a delivery's transaction, so an
   * engagement audience is sized from the delivery stored, without catching up.
   */
  async statuses(q: Queryable, accountId: string, ids: readonly string[]): Promise<Map<string, string>> {
    const marks = ids.map(() => '?').join(', ');
    // Its own audiences and those shared with it.
    const rows = await q.all<AudienceRow>(
      `SELECT * FROM audiences WHERE id IN (${marks}) AND (ad_account_id = ? OR id IN (SELECT audience_id FROM audience_shares WHERE recipient_account_id = ?))`,
      [...ids, accountId, accountId],
    );
    const out = new Map<string, string>();
    for (const row of rows) out.set(row.id, (await this.sizeOf(q, row, false)).status);
    return out;
  }

  /** Whom an audience holds now: its size (null while it is worked out) and status; `catchUp` false reads the delivery as stored. */
  async sizeOf(q: Queryable, row: AudienceRow, catchUp = true): Promise<{ size: number | null; status: 'READY' | 'TOO_SMALL' | 'INITIALIZING' }> {
    const rule = JSON.parse(row.rule) as Rule;
    const counted = (size: number) => ({ size, status: size >= MIN_MATCHED ? ('READY' as const) : ('TOO_SMALL' as const) });
    const nowMs = this.deps.clock.now();
    const days = Number(rule.retention_days);
    switch (row.audience_type) {
      case 'VISITOR': {
        const now = Math.floor(nowMs / 1000);
        const keep = visitorFilter(rule);
        // The events of the retention days, up to the hour ahead Pinterest accepts.
        const events = await this.deps.conversions.conversionsFor(row.ad_account_id, now - days * 86_400, now + 3601, q);
        return counted(new Set(events.filter((e) => e.matched && keep(e)).map((e) => e.matched)).size);
      }
      case 'ENGAGEMENT': {
        if (catchUp) await this.deps.delivery.catchUp(row.ad_account_id);
        const today = dayOfInstant(nowMs);
        const [key, ids] = rule.ad_id ? (['ad_id', rule.ad_id] as const) : rule.campaign_id ? (['campaign_id', rule.campaign_id] as const) : ([null, null] as const);
        const sums = await this.deps.delivery.sums(row.ad_account_id, today - days + 1, today, key, ids as string[] | null);
        const type = rule.engagement_type;
        // pinbox: the model records clicks and saves; closeups, comments and likes are none.
        const of = (t: Float64Array) => (type === undefined ? t[C.clicks] + t[C.saves] : type === 'click' ? t[C.clicks] : type === 'save' ? t[C.saves] : 0);
        return counted(sums.reduce((total, sum) => total + of(sum.counts), 0));
      }
      case 'ACTALIKE': {
        let seedSize = 0;
        for (const seed of rule.seed_id as string[]) {
          const seedRow = await q.get<AudienceRow>('SELECT * FROM audiences WHERE ad_account_id = ? AND id = ?', [row.ad_account_id, seed]);
          // A seed removed since: it holds no one.
          if (!seedRow || seedRow.audience_type === 'ACTALIKE') continue;
          const seedNow = await this.sizeOf(q, seedRow, catchUp);
          if (seedNow.status === 'INITIALIZING') return { size: null, status: 'INITIALIZING' };
          seedSize += seedNow.size ?? 0;
        }
        // pinbox: seeds under 100 people are too small to find look-alikes of.
        return seedSize < MIN_MATCHED ? { size: 0, status: 'TOO_SMALL' } : counted(actalikeSize(seedSize, rule));
      }
      default: {
        const list = await this.deps.lists.sizeOf(q, row.ad_account_id, String(rule.customer_list_id));
        if (!list || list.status === 'PROCESSING') return { size: null, status: 'INITIALIZING' };
        return counted(list.matched);
      }
    }
  }

  /** Audiences as the API answers them, each with its size and status derived now (business sharing's lists). */
  async presentRows(q: Queryable, rows: readonly AudienceRow[]): Promise<Record<string, unknown>[]> {
    const items: Record<string, unknown>[] = [];
    for (const row of rows) items.push(await this.present(q, row));
    return items;
  }

  /** The audience with its size and status derived now. */
  private async present(q: Queryable, row: AudienceRow): Promise<Record<string, unknown>> {
    const rule = JSON.parse(row.rule) as Rule;
    const { size, status } = await this.sizeOf(q, row);
    return {
      id: row.id,
      ad_account_id: row.ad_account_id,
      name: row.name,
      audience_type: row.audience_type,
      rule,
      size,
      status,
      type: 'audience',
      created_by_company_name: null,
      created_timestamp: Math.floor(Number(row.created_at) / 1000),
      updated_timestamp: Math.floor(Number(row.updated_at) / 1000),
    };
  }
}
