import { invalidField } from '../../kernel/errors.js';
import { defineAdEntity, type AdEntity, type EntityContext, type EntityFields, type EntityRecord } from './entity.js';
import { CAMPAIGN_ROLES } from './roles.js';
import { anyObject, BID_STRATEGIES, BILLABLE_EVENTS, digits, itemSchema, nullableFlag, nullableInteger, seconds, status, trackingUrls } from './schemas.js';
import { deliverySummary } from './status.js';
import { AudienceTargeting } from './audience-targeting.js';
import { checkAgeRange } from './targeting-spec.js';
import { applyTargetingTemplate } from './targeting-templates.js';
import { presentIfSet } from './schemas.js';

/** Pinterest: a CBO campaign has at most 70 ad groups. */
export const CBO_AD_GROUPS_MAX = 70;

/**
 * Pinterest: the billable event each objective allows (developers.pinterest.com
 * "create campaigns and ad groups"; the bid rule of `bid_in_micro_currency`).
 */
export const BILLABLE_EVENTS_BY_OBJECTIVE: Readonly<Record<string, readonly string[]>> = {
  AWARENESS: ['IMPRESSION'],
  CONSIDERATION: ['CLICKTHROUGH'],
  CATALOG_SALES: ['CLICKTHROUGH', 'IMPRESSION'],
  WEB_CONVERSION: ['IMPRESSION'],
  VIDEO_COMPLETION: ['IMPRESSION'],
};

/** Pinterest: the objective/billable-event pairs whose ad groups must carry a bid (`bid_in_micro_currency`'s description). */
const BID_REQUIRED = new Set(['AWARENESS/IMPRESSION', 'CONSIDERATION/CLICKTHROUGH', 'CATALOG_SALES/CLICKTHROUGH']);

/**
 * Pinterest: the lowest bids, in micro-currency of the account's currency
 * (help.pinterest.com "set-your-bid"): a cost per click, and a cost per thousand
 * impressions (video views bid as impressions). Currencies the page does not list have no floor.
 */
export const BID_FLOORS: Readonly<Record<string, { CLICKTHROUGH: number; IMPRESSION: number; VIDEO_V_50_MRC: number }>> = {
  USD: { CLICKTHROUGH: 100_000, IMPRESSION: 2_000_000, VIDEO_V_50_MRC: 2_000_000 },
  CAD: { CLICKTHROUGH: 100_000, IMPRESSION: 2_000_000, VIDEO_V_50_MRC: 2_000_000 },
  GBP: { CLICKTHROUGH: 70_000, IMPRESSION: 1_400_000, VIDEO_V_50_MRC: 1_400_000 },
  EUR: { CLICKTHROUGH: 50_000, IMPRESSION: 1_000_000, VIDEO_V_50_MRC: 1_000_000 },
  AUD: { CLICKTHROUGH: 100_000, IMPRESSION: 2_100_000, VIDEO_V_50_MRC: 2_100_000 },
};

const fields = {
  ad_account_id: digits,
  campaign_id: { type: 'string', pattern: '^C?\\d+$', maxLength: 19 },
  name: { type: 'string', minLength: 1, maxLength: 255 },
  status,
  billable_event: { type: 'string', enum: BILLABLE_EVENTS },
  budget_in_micro_currency: nullableInteger,
  budget_type: { type: 'string', enum: ['DAILY', 'LIFETIME', 'CBO_ADGROUP'] },
  bid_in_micro_currency: nullableInteger,
  bid_strategy_type: { type: ['string', 'null'], enum: [...BID_STRATEGIES, null] },
  bid_multiplier: { type: ['number', 'null'], minimum: 0, maximum: 10 },
  pacing_delivery_type: { type: 'string', enum: ['STANDARD', 'ACCELERATED'] },
  start_time: nullableInteger,
  end_time: nullableInteger,
  auto_targeting_enabled: nullableFlag,
  is_creative_optimization: nullableFlag,
  lifetime_frequency_cap: { type: 'integer', minimum: 1 },
  optimization_goal_metadata: anyObject,
  placement_group: { type: 'string', enum: ['ALL', 'SEARCH', 'BROWSE', 'OTHER'] },
  promotion_application_level: { type: ['string', 'null'], enum: ['NONE', 'ITEM', 'AD_GROUP', null] },
  promotion_id: { type: ['string', 'null'], pattern: '^\\d+$' },
  targeting_spec: { type: 'object' },
  targeting_template_ids: { type: ['array', 'null'], maxItems: 1, items: { type: 'string', pattern: '^\\d+$' } },
  tracking_urls: trackingUrls,
} as const;

/** Pinterest's ad group rules, checked on the ad group as it would be after the item, under its campaign. */
async function checkAdGroup(next: EntityFields, context: EntityContext, creating: boolean, audiences: AudienceTargeting): Promise<EntityFields> {
  const campaign = context.parent!;
  const objective = String(campaign.objective_type);
  const cbo = Boolean(campaign.is_campaign_budget_optimization);
  const billable = String(next.billable_event);
  const allowed = BILLABLE_EVENTS_BY_OBJECTIVE[objective] ?? [];
  if (!allowed.includes(billable)) throw invalidField('billable_event', `must be ${allowed.join(' or ')} for a ${objective} campaign`);

  if (cbo) {
    if (next.budget_type !== 'CBO_ADGROUP') throw invalidField('budget_type', 'must be CBO_ADGROUP under a campaign budget optimization campaign');
    if (next.budget_in_micro_currency != null) throw invalidField('budget_in_micro_currency', 'cannot be set under a campaign budget optimization campaign: the campaign holds the budget');
    if (next.pacing_delivery_type !== 'STANDARD') throw invalidField('pacing_delivery_type', 'must be STANDARD under a campaign budget optimization campaign');
    if (creating) {
      const row = await context.q.get<{ n: number }>("SELECT COUNT(*) AS n FROM ad_groups WHERE campaign_id = ? AND status NOT IN ('ARCHIVED', 'DELETED_DRAFT')", [campaign.id]);
      if (Number(row?.n ?? 0) >= CBO_AD_GROUPS_MAX) throw invalidField('campaign_id', `has ${CBO_AD_GROUPS_MAX} ad groups, as many as a campaign budget optimization campaign may`);
    }
  } else {
    if (next.budget_type === 'CBO_ADGROUP') throw invalidField('budget_type', 'is CBO_ADGROUP only under a campaign budget optimization campaign');
    if (next.budget_in_micro_currency == null) throw invalidField('budget_in_micro_currency', 'is required unless the campaign uses campaign budget optimization');
    if ((next.budget_in_micro_currency as number) <= 0) throw invalidField('budget_in_micro_currency', 'must be a positive amount in micro-currency');
    if (next.budget_type === 'LIFETIME' && next.end_time == null) throw invalidField('end_time', "is required with 'budget_type' LIFETIME");
  }

  const strategy = next.bid_strategy_type as string | null;
  const performancePlus = Boolean(campaign.is_performance_plus);
  if ((objective === 'VIDEO_COMPLETION' || performancePlus) && strategy != null && strategy !== 'AUTOMATIC_BID') {
    throw invalidField('bid_strategy_type', `must be AUTOMATIC_BID for a ${performancePlus ? 'Performance+' : 'VIDEO_COMPLETION'} campaign`);
  }
  const bid = next.bid_in_micro_currency as number | null;
  if (bid == null && BID_REQUIRED.has(`${objective}/${billable}`) && strategy !== 'AUTOMATIC_BID') {
    throw invalidField('bid_in_micro_currency', `is required for ${objective}/${billable} unless 'bid_strategy_type' is AUTOMATIC_BID`);
  }
  if (bid != null) {
    const floor = BID_FLOORS[context.account.currency]?.[billable as 'CLICKTHROUGH'];
    if (bid <= 0) throw invalidField('bid_in_micro_currency', 'must be a positive amount in micro-currency');
    if (floor !== undefined && bid < floor) throw invalidField('bid_in_micro_currency', `is under the bid floor of ${floor} micro-${context.account.currency} for ${billable}`);
  }
  const multiplier = next.bid_multiplier as number | null | undefined;
  if (multiplier != null && multiplier !== 0) {
    if (multiplier < 0.1) throw invalidField('bid_multiplier', 'must be 0 (none) or from 0.1 to 10');
    if (strategy !== 'AUTOMATIC_BID') throw invalidField('bid_multiplier', "needs 'bid_strategy_type' AUTOMATIC_BID");
  }
  if (next.optimization_goal_metadata == null && (objective === 'WEB_CONVERSION' || (objective === 'CATALOG_SALES' && performancePlus))) {
    throw invalidField('optimization_goal_metadata', `is required for a ${objective}${performancePlus ? ' Performance+' : ''} campaign`);
  }
  if (next.lifetime_frequency_cap != null) {
    if (billable !== 'IMPRESSION') throw invalidField('lifetime_frequency_cap', "needs 'billable_event' IMPRESSION");
    if (next.end_time == null) throw invalidField('lifetime_frequency_cap', "needs an 'end_time'");
  }
  checkTargeting(next);
  await audiences.check(context.q, context.account.id, next.targeting_spec as Record<string, unknown> | null);

  const start = next.start_time as number | null;
  const end = next.end_time as number | null;
  if (start != null && end != null && end <= start) throw invalidField('end_time', "must come after 'start_time'");
  // Pinterest: on create an ad group's window lies inside its campaign's; narrowing the campaign later is no error.
  if (creating) {
    if (end != null && end <= seconds(context.now)) throw invalidField('end_time', 'must be in the future');
    if (start != null && typeof campaign.start_time === 'number' && start < campaign.start_time) throw invalidField('start_time', `must not precede its campaign's start_time ${campaign.start_time}`);
    if (typeof campaign.end_time === 'number') {
      if (end == null) throw invalidField('end_time', `is required inside a campaign that ends (at ${campaign.end_time})`);
      if (end > campaign.end_time) throw invalidField('end_time', `must not come after its campaign's end_time ${campaign.end_time}`);
    }
    if (start != null && typeof campaign.end_time === 'number' && start >= campaign.end_time) throw invalidField('start_time', `must come before its campaign's end_time ${campaign.end_time}`);
  }
  return next;
}

/** Pinterest: the targeting fields that exclude one another (TargetingSpec, `targeting_template_ids`). */
function checkTargeting(next: EntityFields): void {
  const spec = (next.targeting_spec ?? {}) as Record<string, unknown>;
  const templates = (next.targeting_template_ids ?? []) as string[];
  if (templates.length > 0 && !(templates.length === 1 && templates[0] === '0') && Object.keys(spec).length > 0) {
    throw invalidField('targeting_template_ids', "cannot be given with 'targeting_spec': a template holds the whole targeting");
  }
  checkAgeRange(spec, 'targeting_spec');
}

/** Ad groups (the spec's `ad_groups` tag), under campaigns. */
export function adGroupEntity(campaigns: AdEntity, audiences: AudienceTargeting = new AudienceTargeting()): AdEntity {
  return defineAdEntity({
    noun: 'ad group',
    table: 'ad_groups',
    resource: 'ad_groups',
    idParam: 'ad_group_id',
    roles: CAMPAIGN_ROLES,
    columns: {
      campaign_id: 'text',
      name: 'text',
      billable_event: 'text',
      budget_type: 'text',
      budget_in_micro_currency: 'integer',
      bid_in_micro_currency: 'integer',
      bid_strategy_type: 'text',
      pacing_delivery_type: 'text',
      start_time: 'integer',
      end_time: 'integer',
      budget_spent_at: 'integer',
    },
    extra: [
      'bid_multiplier',
      'auto_targeting_enabled',
      'is_creative_optimization',
      'lifetime_frequency_cap',
      'optimization_goal_metadata',
      'placement_group',
      'promotion_application_level',
      'promotion_id',
      'targeting_spec',
      'targeting_template_ids',
      'tracking_urls',
    ],
    filters: { campaign_ids: 'campaign_id', ad_group_ids: 'id' },
    exceptions: 'array',
    schemas: {
      create: itemSchema(['campaign_id', 'name', 'billable_event'], fields),
      update: itemSchema(['id'], { ...fields, id: digits }),
    },
    defaultStatus: 'ACTIVE',
    draftOnly: ['billable_event', 'budget_type'],
    parent: { entity: campaigns, field: 'campaign_id', prefix: 'C' },
    descendants: [{ table: 'ads', column: 'ad_group_id' }],
    fixture: { key: 'ad_groups', kind: 'ad_group', parentKey: 'campaign' },
    bulk: { type: 'AD_GROUP', readOnly: ['conversion_learning_mode_type'] },
    async create(item, context) {
      const { status: _status, ad_account_id: _account, ...given } = await applyTargetingTemplate(item, context);
      const cbo = Boolean(context.parent!.is_campaign_budget_optimization);
      return checkAdGroup(
        {
          budget_in_micro_currency: null,
          bid_in_micro_currency: null,
          bid_strategy_type: null,
          start_time: null,
          end_time: null,
          auto_targeting_enabled: true,
          placement_group: 'ALL',
          targeting_spec: {},
          ...given,
          budget_type: given.budget_type ?? (cbo ? 'CBO_ADGROUP' : 'DAILY'),
          pacing_delivery_type: given.pacing_delivery_type ?? 'STANDARD',
        },
        context,
        true,
        audiences,
      );
    },
    async update(item, current, context) {
      const { id: _id, status: _status, ad_account_id: _account, ...given } = await applyTargetingTemplate(item, context);
      const next = await checkAdGroup({ ...current, ...given }, context, false, audiences);
      // A new lifetime budget gives a spent-out ad group room again.
      if (next.budget_in_micro_currency !== current.budget_in_micro_currency || next.budget_type !== current.budget_type) next.budget_spent_at = null;
      return next;
    },
    present(record: EntityRecord, ancestors, { now }) {
      return {
        campaign_id: record.campaign_id,
        name: record.name,
        billable_event: record.billable_event,
        budget_type: record.budget_type,
        budget_in_micro_currency: record.budget_in_micro_currency,
        bid_in_micro_currency: record.bid_in_micro_currency,
        bid_strategy_type: record.bid_strategy_type,
        bid_multiplier: record.bid_multiplier ?? null,
        pacing_delivery_type: record.pacing_delivery_type,
        start_time: record.start_time,
        end_time: record.end_time,
        auto_targeting_enabled: record.auto_targeting_enabled ?? null,
        is_creative_optimization: record.is_creative_optimization ?? null,
        ...(record.lifetime_frequency_cap != null ? { lifetime_frequency_cap: record.lifetime_frequency_cap } : {}),
        placement_group: record.placement_group ?? 'ALL',
        promotion_application_level: record.promotion_application_level ?? null,
        promotion_id: record.promotion_id ?? null,
        targeting_spec: record.targeting_spec ?? {},
        targeting_template_ids: record.targeting_template_ids ?? null,
        ...presentIfSet(record, ['optimization_goal_metadata', 'tracking_urls']),
        conversion_learning_mode_type: null,
        summary_status: deliverySummary(record, ancestors, now),
        type: 'adgroup',
      };
    },
  });
}

