/**
 * The rules of each audience type, checked as Pinterest states them (the spec's
 * AudienceRule; ../shared/reference/ads-catalogs.md §6), and the size each derives:
 *
 * - CUSTOMER_LIST `{customer_list_id}`: the list's matched people.
 * - VISITOR `{visitor_source_id, retention_days 1..540 (180), event?, event_source?, ingestion_source?}`:
 *   the distinct matched people among the account's recorded conversion events
 *   inside the retention days (pinbox: Conversions API events carry no tag, so every
 *   event of the account counts for any of its tags).
 * - ENGAGEMENT `{engagement_domain[] (required), engager_type 1..2, engagement_type?, retention_days?, campaign_id[]?, ad_id[]?}`:
 *   the clicks and saves the ads delivery model recorded inside the retention days
 *   (pinbox: the model is aggregate, so each engagement is one person).
 * - ACTALIKE `{seed_id[], country US|CA|GB, percentage 1..10}`: pinbox: the seeds'
 *   size × percentage × 100, at most that percentage of the country's reach.
 */
import { invalidField } from '../../kernel/errors.js';

/** Pinterest: an audience needs this many people before it can be used. */
export const MIN_AUDIENCE = 100;

export const RETENTION_DAYS = { min: 1, max: 540, default: 180 } as const;

/** pinbox: the monthly reach an ACTALIKE percentage is taken of, per country (Pinterest's public figures, rounded). */
export const COUNTRY_REACH: Readonly<Record<string, number>> = { US: 95_000_000, CA: 11_000_000, GB: 16_000_000 };

/** Pinterest Tag event names a VISITOR rule takes, and the Conversions API event each is. */
const VISITOR_EVENTS: Readonly<Record<string, string>> = {
  pagevisit: 'page_visit',
  signup: 'signup',
  checkout: 'checkout',
  viewcategory: 'view_category',
  search: 'search',
  addtocart: 'add_to_cart',
  watchvideo: 'watch_video',
  lead: 'lead',
  custom: 'custom',
};
const EVENT_SOURCES = ['web', 'mobile', 'offline'] as const;
const INGESTION_SOURCES = ['tag', 'mmp', 'file_upload', 'conversions_api'] as const;
const ENGAGEMENT_TYPES = ['click', 'save', 'closeup', 'comment', 'like'] as const;
const COUNTRIES = Object.keys(COUNTRY_REACH);

export type Rule = Record<string, unknown>;

const isId = (v: unknown): v is string => typeof v === 'string' && /^\d{1,18}$/.test(v);

/** A whole number given as a number or as a string of digits (Pinterest's examples show both). */
function whole(field: string, value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) throw invalidField(field, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

function ids(field: string, value: unknown, required: boolean): string[] | undefined {
  if (value === undefined && !required) return undefined;
  if (!Array.isArray(value) || value.length === 0 || !value.every(isId)) throw invalidField(field, 'must be a non-empty list of ids');
  return [...new Set(value as string[])];
}

/** `{"=": [values]}`, each one of `allowed`. */
function inList(field: string, value: unknown, allowed: readonly string[]): { '=': string[] } | undefined {
  if (value === undefined) return undefined;
  const values = (value as Record<string, unknown> | null)?.['='];
  if (!Array.isArray(values) || values.length === 0 || !values.every((v) => typeof v === 'string' && allowed.includes(v))) {
    throw invalidField(field, `must be {"=": [values]} with values among ${allowed.join(', ')}`);
  }
  return { '=': [...new Set(values as string[])] };
}

const clean = (rule: Rule) => Object.fromEntries(Object.entries(rule).filter(([, v]) => v !== undefined));

/** Checks a VISITOR rule's shape (the tag is checked against the store by the service). */
export function visitorRule(rule: Rule): Rule {
  const source = Array.isArray(rule.visitor_source_id) && rule.visitor_source_id.length === 1 ? rule.visitor_source_id[0] : rule.visitor_source_id;
  if (!isId(source)) throw invalidField('rule.visitor_source_id', 'is required for a VISITOR audience: the id of a conversion tag of the ad account');
  if (rule.event !== undefined && !(typeof rule.event === 'string' && rule.event in VISITOR_EVENTS)) {
    throw invalidField('rule.event', `must be one of ${Object.keys(VISITOR_EVENTS).join(', ')}`);
  }
  if (rule.prefill !== undefined && typeof rule.prefill !== 'boolean') throw invalidField('rule.prefill', 'must be true or false');
  return clean({
    visitor_source_id: source,
    retention_days: rule.retention_days === undefined ? RETENTION_DAYS.default : whole('rule.retention_days', rule.retention_days, RETENTION_DAYS.min, RETENTION_DAYS.max),
    event: rule.event,
    event_source: inList('rule.event_source', rule.event_source, EVENT_SOURCES),
    ingestion_source: inList('rule.ingestion_source', rule.ingestion_source, INGESTION_SOURCES),
    prefill: rule.prefill ?? true,
  });
}

export function engagementRule(rule: Rule): Rule {
  const domains = rule.engagement_domain;
  if (!Array.isArray(domains) || domains.length === 0 || !domains.every((d) => typeof d === 'string' && d.trim().length > 0)) {
    throw invalidField('rule.engagement_domain', 'is required for an ENGAGEMENT audience: a non-empty list of the account\'s verified domains');
  }
  if (rule.engagement_type !== undefined && !(ENGAGEMENT_TYPES as readonly unknown[]).includes(rule.engagement_type)) {
    throw invalidField('rule.engagement_type', `must be one of ${ENGAGEMENT_TYPES.join(', ')}`);
  }
  return clean({
    engagement_domain: domains,
    engager_type: rule.engager_type === undefined ? undefined : whole('rule.engager_type', rule.engager_type, 1, 2),
    engagement_type: rule.engagement_type,
    retention_days: rule.retention_days === undefined ? RETENTION_DAYS.default : whole('rule.retention_days', rule.retention_days, RETENTION_DAYS.min, RETENTION_DAYS.max),
    campaign_id: ids('rule.campaign_id', rule.campaign_id, false),
    ad_id: ids('rule.ad_id', rule.ad_id, false),
  });
}

export function actalikeRule(rule: Rule): Rule {
  if (typeof rule.country !== 'string' || !COUNTRIES.includes(rule.country)) throw invalidField('rule.country', `must be one of ${COUNTRIES.join(', ')}`);
  return { seed_id: ids('rule.seed_id', rule.seed_id, true), country: rule.country, percentage: whole('rule.percentage', rule.percentage, 1, 10) };
}

/** The Conversions API events a VISITOR rule keeps: by its event name and sources. */
export function visitorFilter(rule: Rule): (e: { eventName: string; actionSource: string }) => boolean {
  const event = typeof rule.event === 'string' ? VISITOR_EVENTS[rule.event] : null;
  const sources = (rule.event_source as { '=': string[] } | undefined)?.['='];
  const sourceOf = (actionSource: string) => (actionSource === 'web' ? 'web' : actionSource === 'offline' ? 'offline' : 'mobile');
  return (e) => (!event || e.eventName === event) && (!sources || sources.includes(sourceOf(e.actionSource)));
}

/** An ACTALIKE's size from its seeds' total. */
export function actalikeSize(seedSize: number, rule: Rule): number {
  const percentage = Number(rule.percentage);
  return Math.min(seedSize * percentage * 100, Math.floor((COUNTRY_REACH[String(rule.country)] * percentage) / 100));
}
