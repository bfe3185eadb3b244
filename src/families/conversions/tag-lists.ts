/**
 * The conversion-tag event lists (`ocpm_eligible_conversion_tags/get`,
 * `page_visit_conversion_tags/get`) and `advertiser_defined_events/get`.
 * pinbox: Conversions API events carry no tag, so an account's recorded events
 * count for each of its ACTIVE tags. A tag lists a conversion event once the
 * account recorded one of that type, with the first such event's time; oCPM
 * eligibility (Pinterest: a tag must be firing) is an event type recorded in the
 * last 7 days. pinbox has no advertiser-defined events: that list is empty.
 */
import { receiptRange } from './events.js';
import { authOf } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { Database } from '../../storage/database.js';
import type { AdAccountService } from '../ads/ad-accounts.js';
import { TAG_ROLES } from './service.js';

/** The Conversions API event names that are one of Pinterest's ConversionTagType values. */
const TAG_TYPES: Readonly<Record<string, string>> = {
  page_visit: 'PAGE_VISIT',
  signup: 'SIGNUP',
  checkout: 'CHECKOUT',
  custom: 'CUSTOM',
  view_category: 'VIEW_CATEGORY',
  search: 'SEARCH',
  add_to_cart: 'ADD_TO_CART',
  watch_video: 'WATCH_VIDEO',
  lead: 'LEAD',
  app_install: 'APP_INSTALL',
};
const OCPM_WINDOW_SECONDS = 7 * 86_400;
const PAGE_SIZE = { default: 25, max: 250 } as const;

interface TagEvent {
  ad_account_id: string;
  conversion_tag_id: string;
  conversion_event: string;
  created_time: number;
}

export class TagLists {
  constructor(private readonly deps: { db: Database; clock: Clock }) {}

  /** Each ACTIVE tag of the account with each event type recorded since `sinceSeconds`, the first event's time (seconds). */
  async tagEvents(accountId: string, sinceSeconds: number, names: readonly string[]): Promise<TagEvent[]> {
    const tags = await this.deps.db.all<{ id: string }>("SELECT id FROM conversion_tags WHERE ad_account_id = ? AND status = 'ACTIVE' ORDER BY id", [accountId]);
    if (tags.length === 0) return [];
    const firsts = await this.deps.db.all<{ event_name: string; first: number }>(
      `SELECT event_name, MIN(event_time) AS first FROM conversion_events WHERE ad_account_id = ? AND received_at >= ? AND event_time >= ? AND event_name IN (${names.map(() => '?').join(', ')}) GROUP BY event_name ORDER BY event_name`,
      [accountId, receiptRange(sinceSeconds, sinceSeconds)[0], sinceSeconds, ...names],
    );
    return tags.flatMap((tag) => firsts.map((f) => ({ ad_account_id: accountId, conversion_tag_id: tag.id, conversion_event: TAG_TYPES[f.event_name], created_time: Number(f.first) })));
  }

  async ocpmEligible(accountId: string): Promise<Record<string, TagEvent[]>> {
    const since = Math.floor(this.deps.clock.now() / 1000) - OCPM_WINDOW_SECONDS;
    const out: Record<string, TagEvent[]> = {};
    for (const e of await this.tagEvents(accountId, since, Object.keys(TAG_TYPES))) (out[e.conversion_tag_id] ??= []).push(e);
    return out;
  }
}

type Params = { ad_account_id: string };
const params = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;

export function tagListRoutes(deps: { lists: TagLists; accounts: AdAccountService }): ApiRoute[] {
  const { lists, accounts } = deps;
  const read = (request: Parameters<typeof authOf>[0] & { params: Params }) => accounts.require(authOf(request).userId, request.params.ad_account_id, TAG_ROLES.read);
  return [
    defineRoute<{ Params: Params }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/conversion_tags/ocpm_eligible',
      operationId: 'ocpm_eligible_conversion_tags/get',
      scopes: ['ads:read'],
      schema: { params },
      handler: async (request) => {
        await read(request);
        return lists.ocpmEligible(request.params.ad_account_id);
      },
    }),
    defineRoute<{ Params: Params; Querystring: { page_size?: number; order?: 'ASCENDING' | 'DESCENDING'; bookmark?: string } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/conversion_tags/page_visit',
      operationId: 'page_visit_conversion_tags/get',
      scopes: ['ads:read'],
      schema: {
        params,
        querystring: {
          type: 'object',
          properties: {
            page_size: { type: 'integer', minimum: 1, maximum: PAGE_SIZE.max, default: PAGE_SIZE.default },
            order: { type: 'string', enum: ['ASCENDING', 'DESCENDING'] },
            bookmark: { type: 'string', pattern: '^\\d+$', maxLength: 18 },
          },
        },
      },
      // One item per tag; the bookmark is the last tag id answered.
      handler: async (request) => {
        await read(request);
        let items = await lists.tagEvents(request.params.ad_account_id, 0, ['page_visit']);
        if (request.query.order === 'DESCENDING') items.reverse();
        const after = request.query.bookmark;
        if (after) {
          const at = items.findIndex((i) => i.conversion_tag_id === after);
          items = at >= 0 ? items.slice(at + 1) : [];
        }
        const size = request.query.page_size ?? PAGE_SIZE.default;
        const page = items.slice(0, size);
        return { items: page, bookmark: items.length > size ? page[page.length - 1].conversion_tag_id : null };
      },
    }),
    defineRoute<{ Params: Params }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/advertiser_defined_events',
      operationId: 'advertiser_defined_events/get',
      scopes: ['ads:read'],
      schema: { params },
      handler: async (request) => {
        await read(request);
        return { items: [] };
      },
    }),
  ];
}
