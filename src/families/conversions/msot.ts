/**
 * MSOT events (`msot_events/create`): conversions a measurement partner attributed
 * to a Pinterest ad group, sent one request at a time. Checked as the spec's
 * `ConversionMSOTEvents` says (its required fields, enums and bounds, no other
 * fields; `value` required for add_to_cart and checkout, `currency` with `value`),
 * and the ad group (and campaign, when given) must be the ad account's.
 *
 * pinbox: ../shared/reference/ads-catalogs.md says nothing of MSOT, so it is treated
 * like the Conversions API (README, conversions section): a bad request is the 400
 * code 4196 naming the field; a clean one is recorded once per (ad account,
 * event_id) and answered 200 with an empty body (the spec gives the 200 no content).
 * Pinterest: "These events will NOT be used in Reporting", so the ads analytics
 * never reads them.
 */
import type { Clock } from '../../kernel/clock.js';
import { ApiError } from '../../kernel/errors.js';
import type { Database } from '../../storage/database.js';
import type { AdAccountService } from '../ads/ad-accounts.js';
import { EVENT_ROLES } from './service.js';

export const MSOT_EVENT_NAMES = ['add_to_cart', 'checkout', 'lead', 'signup'] as const;
export const ATTRIBUTION_SCOPES = ['view', 'engagement', 'click'] as const;
export const ATTRIBUTION_MODELS = ['first_touch', 'last_touch', 'multi_touch'] as const;
/** The spec's `Currency` enum for `currency` (its UNK placeholder is no currency to send). */
const CURRENCIES: ReadonlySet<string> = new Set(
  'USD GBP CAD EUR AUD NZD SEK ILS CHF HKD JPY SGD KRW NOK DKK PLN RON HUF CZK BRL MXN ARS CLP COP INR TRY'.split(' '),
);
const FIELDS: ReadonlySet<string> = new Set([
  'action_timestamps', 'ad_group_id', 'attribution_model', 'attribution_scope', 'attribution_score', 'campaign_id', 'currency',
  'event_id', 'event_name', 'event_timestamp', 'total_event_touchpoints', 'total_events', 'value',
]);
const REQUIRED = ['event_id', 'event_name', 'event_timestamp', 'ad_group_id', 'attribution_scope'] as const;

/** pinbox: Pinterest's per-field messages are not public; each names its field, quoted, under code 4196. */
function invalid(field: string, problem: string): ApiError {
  return new ApiError('conversion_request_invalid', `The request was invalid: '${field}' ${problem}.`);
}

const isId = (value: unknown): value is string => typeof value === 'string' && /^\d{1,18}$/.test(value);
const isWhole = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value);

export class MsotEvents {
  constructor(private readonly deps: { db: Database; clock: Clock; accounts: AdAccountService }) {}

  /** Checks and records one MSOT event for the ad account; a repeated event_id is kept once (the first). */
  async send(userId: string, accountId: string, body: unknown): Promise<void> {
    const { account } = await this.deps.accounts.require(userId, accountId, EVENT_ROLES);
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ApiError('conversion_request_invalid', 'The request was invalid: the body must be a JSON object.');
    const event = body as Record<string, unknown>;
    for (const field of Object.keys(event)) if (!FIELDS.has(field)) throw invalid(field, 'is not an allowed field');
    for (const field of REQUIRED) if (event[field] === undefined || event[field] === null) throw invalid(field, 'is required');
    const { event_id: eventId, event_name: name, event_timestamp: at, ad_group_id: groupId, attribution_scope: scope } = event;
    if (typeof eventId !== 'string' || eventId.trim() === '' || eventId.length > 256) throw invalid('event_id', 'must be a non-empty string of at most 256 characters');
    if (typeof name !== 'string' || !(MSOT_EVENT_NAMES as readonly string[]).includes(name)) throw invalid('event_name', `must be one of ${MSOT_EVENT_NAMES.join(', ')}`);
    if (!isWhole(at) || at < 0) throw invalid('event_timestamp', 'must be a whole number of Unix seconds');
    if (!isId(groupId)) throw invalid('ad_group_id', 'must be an id of at most 18 digits');
    if (typeof scope !== 'string' || !(ATTRIBUTION_SCOPES as readonly string[]).includes(scope)) throw invalid('attribution_scope', `must be one of ${ATTRIBUTION_SCOPES.join(', ')}`);
    const optional = (field: string) => event[field] !== undefined && event[field] !== null;
    if (optional('campaign_id') && !isId(event.campaign_id)) throw invalid('campaign_id', 'must be an id of at most 18 digits');
    if (optional('attribution_model') && !(ATTRIBUTION_MODELS as readonly unknown[]).includes(event.attribution_model)) throw invalid('attribution_model', `must be one of ${ATTRIBUTION_MODELS.join(', ')}`);
    if (optional('attribution_score')) {
      const score = event.attribution_score;
      // Pinterest: "Allowed values are > 0 and <= 1."
      if (typeof score !== 'number' || !(score > 0 && score <= 1)) throw invalid('attribution_score', 'must be a number above 0 and at most 1');
    }
    if (optional('action_timestamps') && (!Array.isArray(event.action_timestamps) || event.action_timestamps.some((t) => !isWhole(t) || t < 0))) {
      throw invalid('action_timestamps', 'must be an array of whole Unix seconds');
    }
    for (const field of ['total_events', 'total_event_touchpoints']) {
      if (optional(field) && (!isWhole(event[field]) || (event[field] as number) < 1)) throw invalid(field, 'must be a whole number of at least 1');
    }
    if (optional('value') && (typeof event.value !== 'number' || !Number.isFinite(event.value) || event.value < 0)) throw invalid('value', 'must be a number of at least 0');
    // Pinterest: value is "Required if event_name is 'add_to_cart' or 'checkout'"; currency is "required if value is present".
    if ((name === 'add_to_cart' || name === 'checkout') && !optional('value')) throw invalid('value', `is required for ${name} events`);
    if (optional('value') && !optional('currency')) throw invalid('currency', 'is required with value');
    if (optional('currency') && (typeof event.currency !== 'string' || !CURRENCIES.has(event.currency))) throw invalid('currency', 'must be an ISO 4217 code of the spec\'s Currency, e.g. USD');

    await this.deps.db.transaction(async (tx) => {
      const group = await tx.get<{ campaign_id: string }>('SELECT campaign_id FROM ad_groups WHERE id = ? AND ad_account_id = ?', [groupId, account.id]);
      if (!group) throw invalid('ad_group_id', `names ${groupId}, no ad group of ad account ${account.id}`);
      if (optional('campaign_id') && group.campaign_id !== event.campaign_id) throw invalid('campaign_id', `names ${String(event.campaign_id)}, not the campaign of ad group ${groupId}`);
      await tx.run(
        `INSERT INTO msot_events (ad_account_id, event_id, event_name, event_timestamp, ad_group_id, campaign_id, attribution_scope, attribution_model,
           attribution_score, action_timestamps, total_events, total_event_touchpoints, value_micro, currency, received_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (ad_account_id, event_id) DO NOTHING`,
        [
          account.id, eventId.trim(), name, at, groupId, group.campaign_id, scope,
          (event.attribution_model as string | undefined) ?? null,
          (event.attribution_score as number | undefined) ?? null,
          JSON.stringify(event.action_timestamps ?? []),
          (event.total_events as number | undefined) ?? null,
          (event.total_event_touchpoints as number | undefined) ?? null,
          optional('value') ? Math.round((event.value as number) * 1_000_000) : null,
          (event.currency as string | undefined) ?? null,
          this.deps.clock.now(),
        ],
      );
    });
  }
}
