import { invalidField } from '../../kernel/errors.js';
import { defineAdEntity, ItemRefusal, type AdEntity, type EntityContext, type EntityFields, type EntityRecord } from './entity.js';
import { CAMPAIGN_ROLES } from './roles.js';
import { anyObject, digits, flag, itemSchema, nullableInteger, nullableText, OBJECTIVE_TYPES, seconds, status, trackingUrls } from './schemas.js';
import { deliverySummary } from './status.js';
import { presentIfSet } from './schemas.js';

/** Pinterest (SDK integration tests): a CBO campaign created without a budget fails with code 2384. */
export const CBO_WITHOUT_BUDGET_CODE = 2384;

const fields = {
  ad_account_id: digits,
  name: { type: 'string', minLength: 1, maxLength: 255 },
  status,
  objective_type: { type: 'string', enum: OBJECTIVE_TYPES },
  daily_spend_cap: nullableInteger,
  lifetime_spend_cap: nullableInteger,
  is_campaign_budget_optimization: { type: ['boolean', 'null'] },
  is_performance_plus: flag,
  is_flexible_daily_budgets: flag,
  is_automated_campaign: flag,
  default_ad_group_budget_in_micro_currency: nullableInteger,
  start_time: nullableInteger,
  end_time: nullableInteger,
  order_line_id: { type: ['string', 'null'], pattern: '^\\d+$' },
  tracking_urls: trackingUrls,
  bid_options: anyObject,
} as const;

/**
 * Pinterest's campaign rules (developers.pinterest.com "create campaigns and ad
 * groups", the Performance+ setup page), checked on the campaign as it would be
 * after the item: a create's defaults, or an update over the stored record.
 */
function checkCampaign(next: EntityFields, context: EntityContext, creating: boolean): EntityFields {
  for (const cap of ['daily_spend_cap', 'lifetime_spend_cap', 'default_ad_group_budget_in_micro_currency'] as const) {
    if (next[cap] !== null && next[cap] !== undefined && (next[cap] as number) <= 0) throw invalidField(cap, 'must be a positive amount in micro-currency');
  }
  if (next.daily_spend_cap != null && next.lifetime_spend_cap != null) throw invalidField('lifetime_spend_cap', "cannot be set together with 'daily_spend_cap'");
  if (next.is_campaign_budget_optimization && next.daily_spend_cap == null && next.lifetime_spend_cap == null) {
    throw new ItemRefusal(
      CBO_WITHOUT_BUDGET_CODE,
      "Invalid parameters: 'is_campaign_budget_optimization' needs a campaign budget: set 'daily_spend_cap' or 'lifetime_spend_cap'.",
    );
  }
  if (next.is_performance_plus && next.daily_spend_cap != null && !next.is_flexible_daily_budgets) {
    throw invalidField('is_flexible_daily_budgets', "must be true for a Performance+ campaign with a 'daily_spend_cap'");
  }
  if (typeof next.end_time === 'number') {
    if (typeof next.start_time === 'number' && next.end_time <= next.start_time) throw invalidField('end_time', "must come after 'start_time'");
    if (creating && next.end_time <= seconds(context.now)) throw invalidField('end_time', 'must be in the future');
  }
  return next;
}

/** Campaigns (the spec's `campaigns` tag). */
export function campaignEntity(): AdEntity {
  return defineAdEntity({
    noun: 'campaign',
    table: 'ad_campaigns',
    resource: 'campaigns',
    idParam: 'campaign_id',
    roles: CAMPAIGN_ROLES,
    columns: {
      name: 'text',
      objective_type: 'text',
      daily_spend_cap: 'integer',
      lifetime_spend_cap: 'integer',
      is_campaign_budget_optimization: 'boolean',
      is_performance_plus: 'boolean',
      is_flexible_daily_budgets: 'boolean',
      default_ad_group_budget_in_micro_currency: 'integer',
      start_time: 'integer',
      end_time: 'integer',
      budget_spent_at: 'integer',
    },
    extra: ['is_automated_campaign', 'order_line_id', 'tracking_urls', 'bid_options'],
    filters: { campaign_ids: 'id' },
    exceptions: 'array',
    schemas: {
      create: itemSchema(['name', 'objective_type'], fields),
      update: itemSchema(['id'], { ...fields, id: digits, objective_type: { type: ['string', 'null'], enum: [...OBJECTIVE_TYPES, null] } }),
    },
    defaultStatus: 'ACTIVE',
    draftOnly: ['objective_type', 'is_performance_plus'],
    descendants: [
      { table: 'ad_groups', column: 'campaign_id' },
      { table: 'ads', column: 'campaign_id' },
    ],
    fixture: { key: 'campaigns', kind: 'campaign', parentKey: 'ad_account' },
    bulk: { type: 'CAMPAIGN', readOnly: [] },
    async create(item, context) {
      const { status: _status, ad_account_id: _account, ...given } = item;
      return checkCampaign(
        {
          daily_spend_cap: null,
          lifetime_spend_cap: null,
          is_performance_plus: false,
          is_flexible_daily_budgets: false,
          is_automated_campaign: false,
          default_ad_group_budget_in_micro_currency: null,
          end_time: null,
          order_line_id: null,
          tracking_urls: null,
          bid_options: null,
          ...given,
          // Pinterest: a campaign's start_time defaults to now.
          start_time: given.start_time ?? seconds(context.now),
          is_campaign_budget_optimization: given.is_campaign_budget_optimization ?? false,
        },
        context,
        true,
      );
    },
    async update(item, current, context) {
      const { id: _id, status: _status, ad_account_id: _account, ...given } = item;
      if (given.objective_type === null) delete given.objective_type;
      const next = checkCampaign({ ...current, ...given }, context, false);
      // A new lifetime cap gives a spent-out campaign room again (delivery.ts decides from the spend).
      if (next.lifetime_spend_cap !== current.lifetime_spend_cap) next.budget_spent_at = null;
      if (current.is_campaign_budget_optimization && next.is_campaign_budget_optimization === false && next.default_ad_group_budget_in_micro_currency == null) {
        throw invalidField('default_ad_group_budget_in_micro_currency', 'is needed to turn campaign budget optimization off: it becomes each ad group\'s daily budget');
      }
      return next;
    },
    /**
     * Pinterest: turning CBO on clears the ad groups' budgets; turning it off gives
     * each ad group `default_ad_group_budget_in_micro_currency` as its daily budget.
     */
    async afterWrite(before, after, { q, now }) {
      if (!before || Boolean(before.is_campaign_budget_optimization) === Boolean(after.is_campaign_budget_optimization)) return;
      if (after.is_campaign_budget_optimization) {
        await q.run("UPDATE ad_groups SET budget_in_micro_currency = NULL, budget_type = 'CBO_ADGROUP', pacing_delivery_type = 'STANDARD', updated_at = ? WHERE campaign_id = ?", [now, after.id]);
      } else {
        await q.run("UPDATE ad_groups SET budget_in_micro_currency = ?, budget_type = 'DAILY', updated_at = ? WHERE campaign_id = ?", [
          after.default_ad_group_budget_in_micro_currency as number,
          now,
          after.id,
        ]);
      }
    },
    present(record: EntityRecord, ancestors, { now }) {
      return {
        name: record.name,
        objective_type: record.objective_type,
        daily_spend_cap: record.daily_spend_cap,
        lifetime_spend_cap: record.lifetime_spend_cap,
        is_campaign_budget_optimization: record.is_campaign_budget_optimization,
        is_performance_plus: record.is_performance_plus,
        is_flexible_daily_budgets: record.is_flexible_daily_budgets,
        is_automated_campaign: record.is_automated_campaign ?? false,
        default_ad_group_budget_in_micro_currency: record.default_ad_group_budget_in_micro_currency,
        order_line_id: record.order_line_id ?? null,
        ...presentIfSet(record, ['tracking_urls', 'bid_options']),
        start_time: record.start_time,
        end_time: record.end_time,
        summary_status: deliverySummary(record, ancestors, now),
        type: 'campaign',
      };
    },
  });
}
