/**
 * The Conversions API: conversion tags, conversion tokens and the events
 * advertisers send server-side. Events are checked one by one (events.ts); a batch
 * is recorded whole or not at all, in one transaction, each (ad account, event_id)
 * once. `conversionsFor` is the read the ads analytics attributes from.
 */
import { hashToken, newToken, type AuthContext, type TokenResolver } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { invalidField } from '../../kernel/errors.js';
import type { AccessTier } from '../../kernel/rate-limits/tiers.js';
import type { Database, Queryable, SqlValue } from '../../storage/database.js';
import type { AdAccountService } from '../ads/ad-accounts.js';
import type { AdIds } from '../ads/ad-ids.js';
import type { RoleRule, RoleSet } from '../ads/roles.js';
import { checkEvent, receiptRange, type CheckedEvent } from './events.js';
import { matchableUsers, matchDigest, userDigests } from './hashing.js';

/** Pinterest: events are sent by the Owner, Admin, Analyst, Audience or Campaign Manager. */
export const EVENT_ROLES: RoleSet = ['OWNER', 'ADMIN', 'ANALYST', 'AUDIENCE_MANAGER', 'CAMPAIGN_MANAGER'];
/** pinbox: Pinterest gives no matrix for tags; those who manage campaigns or audiences make them, a tags reader reads them. */
export const TAG_ROLES: RoleRule = {
  read: ['OWNER', 'ADMIN', 'ANALYST', 'AUDIENCE_MANAGER', 'CAMPAIGN_MANAGER', 'RESOURCE_CONVERSION_TAGS_READER'],
  write: ['OWNER', 'ADMIN', 'AUDIENCE_MANAGER', 'CAMPAIGN_MANAGER'],
};

/** Pinterest: 1..1000 events a request. */
export const MAX_EVENTS = 1000;

/** One event's answer: Pinterest's messages are "" when clean, never null. */
export interface EventAnswer {
  status: 'processed' | 'failed';
  error_message: string;
  warning_message: string;
}

export interface EventsAnswer {
  num_events_received: number;
  num_events_processed: number;
  events: EventAnswer[];
}

/** A batch's outcome: 200 with the answer, or 422 code 953 with it as `details`. */
export type EventsOutcome = { ok: true; answer: EventsAnswer } | { ok: false; details: EventsAnswer };

/** A recorded event as the ads analytics reads it. */
export interface RecordedConversion {
  eventId: string;
  eventName: string;
  actionSource: string;
  /** Unix seconds. */
  eventTime: number;
  /** The pinbox user the event's email matched, when it matched one. */
  userId: string | null;
  /** `user:<id>`, `member:<n>` (the seeded population), or null when nothing matched. */
  matched: string | null;
  valueMicro: number | null;
  currency: string;
}

const CONFIG_FIELDS = ['aem_enabled', 'aem_db_enabled', 'aem_external_id_enabled', 'aem_fnln_enabled', 'aem_ge_enabled', 'aem_loc_enabled', 'aem_ph_enabled'] as const;

interface TagRow {
  id: string;
  ad_account_id: string;
  name: string;
  status: string;
  configs: string;
  last_fired_at: number | null;
  created_at: number;
}

/** Pinterest's base code of the Pinterest Tag, for one tag id (what Ads Manager hands out). */
export function tagSnippet(tagId: string): string {
  return [
    '<script type="text/javascript">',
    '!function(e){if(!window.pintrk){window.pintrk=function(){window.pintrk.queue.push(Array.prototype.slice.call(arguments))};var n=window.pintrk;n.queue=[],n.version="3.0";var t=document.createElement("script");t.async=!0,t.src=e;var r=document.getElementsByTagName("script")[0];r.parentNode.insertBefore(t,r)}}("https://s.pinimg.com/ct/core.js");',
    `pintrk('load', '${tagId}');`,
    "pintrk('page');",
    '</script>',
    `<noscript><img height="1" width="1" style="display:none;" alt="" src="https://ct.pinterest.com/v3/?tid=${tagId}&noscript=1" /></noscript>`,
  ].join('\n');
}

export class ConversionService implements TokenResolver {
  /** Resolved conversion tokens by hash, for a second of real time (the hot path of a stream of batches). */
  private readonly tokenCache = new Map<string, { auth: AuthContext | null; cachedAt: number }>();

  constructor(private readonly deps: { db: Database; clock: Clock; ids: AdIds; accounts: AdAccountService }) {}

  // -- conversion tokens ------------------------------------------------------

  /** Pinterest: `POST /oauth/conversion_token` makes a long-lived token that only sends conversions. Only its hash is kept. */
  async issueToken(auth: AuthContext): Promise<{ access_token: string; token_type: 'conversion' }> {
    const token = newToken('access');
    await this.deps.db.run('INSERT INTO conversion_tokens (token_hash, user_id, app_id, created_at) VALUES (?, ?, ?, ?)', [
      hashToken(token),
      auth.userId,
      auth.appId,
      this.deps.clock.now(),
    ]);
    return { access_token: token, token_type: 'conversion' };
  }

  /** A conversion token as the caller it stands for: its user and app, with `ads:write` (on the events route only). */
  resolve(token: string): AuthContext | null | Promise<AuthContext | null> {
    const hash = hashToken(token);
    const cached = this.tokenCache.get(hash);
    if (cached && Date.now() - cached.cachedAt < 1000) return cached.auth;
    return this.lookupToken(hash);
  }

  private async lookupToken(hash: string): Promise<AuthContext | null> {
    const row = await this.deps.db.get<{ user_id: string; app_id: string; tier: AccessTier; sandbox: number }>(
      'SELECT t.user_id, t.app_id, a.tier, a.sandbox FROM conversion_tokens t JOIN apps a ON a.id = t.app_id WHERE t.token_hash = ?',
      [hash],
    );
    const auth: AuthContext | null = row
      ? { userId: row.user_id, appId: row.app_id, scopes: new Set(['ads:write']), tier: row.tier, sandbox: Number(row.sandbox) === 1, callerKey: `${row.app_id}:${row.user_id}` }
      : null;
    if (this.tokenCache.size > 10_000) this.tokenCache.clear();
    this.tokenCache.set(hash, { auth, cachedAt: Date.now() });
    return auth;
  }

  forgetCached(): void {
    this.tokenCache.clear();
  }

  // -- conversion tags ----------------------------------------------------------

  async createTag(userId: string, accountId: string, body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.deps.db.transaction(async (tx) => {
      const { account } = await this.deps.accounts.require(userId, accountId, TAG_ROLES.write, tx);
      const name = typeof body.name === 'string' ? body.name.trim() : '';
      if (!name) throw invalidField('name', 'is required');
      const configs: Record<string, unknown> = {};
      for (const field of CONFIG_FIELDS) configs[field] = body[field] ?? false;
      configs.md_frequency = body.md_frequency ?? 1;
      configs.no_code_capi_domains = [];
      const row: TagRow = { id: this.deps.ids.next(), ad_account_id: account.id, name, status: 'ACTIVE', configs: JSON.stringify(configs), last_fired_at: null, created_at: this.deps.clock.now() };
      await tx.run('INSERT INTO conversion_tags (id, ad_account_id, name, status, configs, last_fired_at, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
        row.id, row.ad_account_id, row.name, row.status, row.configs, null, row.created_at,
      ]);
      return presentTag(row);
    });
  }

  async listTags(userId: string, accountId: string, filterDeleted: boolean): Promise<{ items: Record<string, unknown>[] }> {
    await this.deps.accounts.require(userId, accountId, TAG_ROLES.read);
    const rows = await this.deps.db.all<TagRow>('SELECT * FROM conversion_tags WHERE ad_account_id = ? ORDER BY id', [accountId]);
    return { items: rows.filter((row) => !filterDeleted || row.status !== 'DELETED_DRAFT').map(presentTag) };
  }

  /** The tag, or null when the account has none of that id. */
  async getTag(userId: string, accountId: string, tagId: string): Promise<Record<string, unknown> | null> {
    await this.deps.accounts.require(userId, accountId, TAG_ROLES.read);
    const row = await this.deps.db.get<TagRow>('SELECT * FROM conversion_tags WHERE ad_account_id = ? AND id = ?', [accountId, tagId]);
    return row ? presentTag(row) : null;
  }

  /** Whether the tag is one of the account's (the visitor audiences' source). */
  async tagExists(q: Queryable, accountId: string, tagId: string): Promise<boolean> {
    return (await q.get('SELECT id FROM conversion_tags WHERE ad_account_id = ? AND id = ?', [accountId, tagId])) !== undefined;
  }

  // -- events -------------------------------------------------------------------

  /**
   * Checks a batch and, unless `test`, records it in one transaction. Pinterest:
   * any invalid event makes the answer a 422 (code 953) with per-event details;
   * pinbox then records nothing of the batch, and the valid events' entries say so.
   * `test=true` validates and answers alike, recording nothing.
   */
  async sendEvents(auth: AuthContext, accountId: string, data: readonly unknown[], test: boolean): Promise<EventsOutcome> {
    const { account } = await this.deps.accounts.require(auth.userId, accountId, EVENT_ROLES);
    const nowSeconds = Math.floor(this.deps.clock.now() / 1000);
    const verdicts = data.map((raw) => checkEvent(raw, nowSeconds));
    const failed = verdicts.filter((v) => !v.ok).length;
    if (failed > 0) {
      return {
        ok: false,
        details: {
          num_events_received: data.length,
          num_events_processed: 0,
          events: verdicts.map((v) =>
            v.ok
              ? { status: 'failed', error_message: 'Not recorded: another event of this batch is invalid (pinbox records a batch whole or not at all).', warning_message: v.warning }
              : { status: 'failed', error_message: v.error, warning_message: '' },
          ),
        },
      };
    }
    const events = verdicts.map((v) => (v.ok ? v.event : null)).filter((e): e is CheckedEvent => e !== null);
    if (!test) await this.record(accountId, account.currency, events);
    return {
      ok: true,
      answer: {
        num_events_received: data.length,
        num_events_processed: data.length,
        events: verdicts.map((v) => ({ status: 'processed', error_message: '', warning_message: v.ok ? v.warning : '' })),
      },
    };
  }

  /** Inserts the batch's events, an event_id already recorded for the account (or earlier in the batch) kept once. */
  private async record(accountId: string, currency: string, events: readonly CheckedEvent[]): Promise<void> {
    const now = this.deps.clock.now();
    const ROWS = 200; // 10 parameters a row: well inside SQLite's and PostgreSQL's limits per statement
    await this.deps.db.transaction(async (tx) => {
      for (let start = 0; start < events.length; start += ROWS) {
        const chunk = events.slice(start, start + ROWS);
        const params: SqlValue[] = [];
        for (const e of chunk) params.push(accountId, e.eventId, e.eventName, e.actionSource, e.eventTime, e.emailHash, e.valueMicro, e.currency ?? currency, now, e.signals);
        await tx.run(
          `INSERT INTO conversion_events (ad_account_id, event_id, event_name, action_source, event_time, email_hash, value_micro, currency, received_at, signals)
           VALUES ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT (ad_account_id, event_id) DO NOTHING`,
          params,
        );
      }
    });
  }

  /**
   * The events recorded for an ad account with `event_time` in [fromSeconds,
   * toSeconds), oldest first, each with the pinbox user its email matched: what the
   * ads analytics attributes to the ads that user clicked or saw.
   * @example await conversions.conversionsFor('549755885175', 1700000000, 1700086400)
   */
  async conversionsFor(adAccountId: string, fromSeconds: number, toSeconds: number, q: Queryable = this.deps.db): Promise<RecordedConversion[]> {
    const rows = await q.all<{ event_id: string; event_name: string; action_source: string; event_time: number; email_hash: string | null; value_micro: number | null; currency: string }>(
      'SELECT event_id, event_name, action_source, event_time, email_hash, value_micro, currency FROM conversion_events WHERE ad_account_id = ? AND received_at >= ? AND received_at < ? AND event_time >= ? AND event_time < ? ORDER BY event_time, event_id',
      [adAccountId, ...receiptRange(fromSeconds, toSeconds), fromSeconds, toSeconds],
    );
    const digests = userDigests(await matchableUsers(q));
    return rows.map((row) => {
      const matched = row.email_hash ? matchDigest(row.email_hash, digests) : null;
      return {
        eventId: row.event_id,
        eventName: row.event_name,
        actionSource: row.action_source,
        eventTime: Number(row.event_time),
        matched,
        userId: matched?.startsWith('user:') ? matched.slice('user:'.length) : null,
        valueMicro: row.value_micro === null ? null : Number(row.value_micro),
        currency: row.currency,
      };
    });
  }
}

function presentTag(row: TagRow): Record<string, unknown> {
  return {
    id: row.id,
    ad_account_id: row.ad_account_id,
    name: row.name,
    status: row.status,
    code_snippet: tagSnippet(row.id),
    configs: JSON.parse(row.configs),
    enhanced_match_status: 'NOT_VALIDATED',
    last_fired_time_ms: row.last_fired_at === null ? null : Number(row.last_fired_at),
    version: '3',
  };
}
