/**
 * The event quality score (`conversion_eqs/list`), computed from the conversion
 * events pinbox recorded: for each source platform of the events an ad account sent
 * through the Conversions API inside the lookback window, how many of each event
 * name carried each matching key and piece of metadata (the spec's
 * `QualityComponents`), and an overall status from the matching keys' coverage.
 *
 * pinbox: Pinterest does not publish how the score is weighed; pinbox's reading is
 * documented in the README's conversions section: points out of 10 are 6 × the share
 * of events with a hashed email or MAID, plus 1 × each share with an IP address, a
 * user agent, an external id and a click id; GOOD from 7, FAIR from 4, otherwise
 * NEEDS_IMPROVEMENT. Coverage and overlap are percentages with two decimals.
 */
import type { Clock } from '../../kernel/clock.js';
import type { Database } from '../../storage/database.js';
import type { AdAccountService } from '../ads/ad-accounts.js';
import { receiptRange, SIGNAL, type SignalName } from './events.js';
import { TAG_ROLES } from './service.js';

export const LOOKBACK_DAYS = { '1d': 1, '14d': 14 } as const;
export type LookbackPeriod = keyof typeof LOOKBACK_DAYS;

/** Pinterest's source platforms for the Conversions API's action sources. */
export const SOURCE_PLATFORM: Readonly<Record<string, string>> = { web: 'WEB', app_android: 'MOBILE_ANDROID', app_ios: 'MOBILE_IOS', offline: 'OFFLINE' };
/** Every event pinbox records came through the Conversions API (it serves no tag pixel, MMP or file upload). */
const INGESTION_SOURCE = 'CONVERSIONS_API';

/** pinbox: a component under this coverage carries an issue saying so. */
const LOW_COVERAGE_PERCENT = 50;

interface QualityDetails {
  coverage: number;
  overlap?: number;
  issues: { id: string; name: string; reason: string }[];
}

export interface EventQualityScore {
  ingestion_source: string;
  source_platform: string;
  lookback_period: LookbackPeriod;
  overall_status: 'NEEDS_IMPROVEMENT' | 'FAIR' | 'GOOD';
  quality_components: Partial<Record<SignalName, Record<string, QualityDetails>>>;
}

/** One event name's counts: its events, those with an email or a MAID, and those carrying each signal. */
interface Tally {
  events: number;
  keyed: number;
  bits: Map<SignalName, number>;
}

const percent = (part: number, whole: number) => (whole === 0 ? 0 : Math.round((part / whole) * 10_000) / 100);

export class EventQuality {
  constructor(private readonly deps: { db: Database; clock: Clock; accounts: AdAccountService }) {}

  /**
   * The scores of an ad account's events with `event_time` in the lookback window
   * ending now, one per source platform that sent any, filtered as asked.
   * @example await eqs.list(userId, '549755885175', { lookback_period: '14d', source_platform: 'WEB' })
   */
  async list(userId: string, accountId: string, query: { lookback_period: LookbackPeriod; source_platform?: string; ingestion_source?: string }): Promise<EventQualityScore[]> {
    await this.deps.accounts.require(userId, accountId, TAG_ROLES.read);
    if (query.ingestion_source !== undefined && query.ingestion_source !== INGESTION_SOURCE) return [];
    const nowSeconds = Math.floor(this.deps.clock.now() / 1000);
    const from = nowSeconds - LOOKBACK_DAYS[query.lookback_period] * 86_400;
    // Grouped in the database: an account may hold millions of events, the answer a few figures.
    const rows = await this.deps.db.all<{ action_source: string; event_name: string; signals: number; has_email: number; has_value: number; n: number }>(
      `SELECT action_source, event_name, signals,
              CASE WHEN email_hash IS NULL THEN 0 ELSE 1 END AS has_email,
              CASE WHEN value_micro IS NULL THEN 0 ELSE 1 END AS has_value,
              COUNT(*) AS n
         FROM conversion_events
        WHERE ad_account_id = ? AND received_at >= ? AND received_at < ? AND event_time >= ? AND event_time <= ?
        GROUP BY action_source, event_name, signals, CASE WHEN email_hash IS NULL THEN 0 ELSE 1 END, CASE WHEN value_micro IS NULL THEN 0 ELSE 1 END`,
      [accountId, ...receiptRange(from, nowSeconds + 1), from, nowSeconds],
    );
    // platform -> event name -> [events, count per signal]
    const tally = new Map<string, Map<string, Tally>>();
    for (const row of rows) {
      const platform = SOURCE_PLATFORM[row.action_source] ?? 'WEB';
      if (query.source_platform !== undefined && query.source_platform !== platform) continue;
      // Events recorded before `signals` was kept still show their email, value and event_id.
      const signals = Number(row.signals) | SIGNAL.external_event_id | (Number(row.has_email) ? SIGNAL.hashed_email : 0) | (Number(row.has_value) ? SIGNAL.order_value : 0);
      const n = Number(row.n);
      const byName = tally.get(platform) ?? new Map();
      tally.set(platform, byName);
      const entry = byName.get(row.event_name) ?? { events: 0, keyed: 0, bits: new Map<SignalName, number>() };
      byName.set(row.event_name, entry);
      entry.events += n;
      if (signals & (SIGNAL.hashed_email | SIGNAL.hashed_maid)) entry.keyed += n;
      for (const [name, bit] of Object.entries(SIGNAL) as [SignalName, number][]) if (signals & bit) entry.bits.set(name, (entry.bits.get(name) ?? 0) + n);
    }
    return [...tally.keys()].sort().map((platform) => {
      const byName = tally.get(platform)!;
      const components: Partial<Record<SignalName, Record<string, QualityDetails>>> = {};
      for (const name of Object.keys(SIGNAL) as SignalName[]) {
        const details: Record<string, QualityDetails> = {};
        for (const [eventName, entry] of [...byName.entries()].sort(([a], [b]) => a.localeCompare(b))) {
          const coverage = percent(entry.bits.get(name) ?? 0, entry.events);
          const issues = coverage < LOW_COVERAGE_PERCENT
            ? [{ id: `low_${name}_coverage`, name: `Low ${name} coverage`, reason: `${coverage}% of ${eventName} events carried ${name}; send it with more events to match more of them.` }]
            : [];
          // pinbox: overlap is with Pinterest Tag events of the same event_id; pinbox serves no tag pixel, so it is 0.
          details[eventName] = name === 'external_event_id' ? { coverage, overlap: 0, issues } : { coverage, issues };
        }
        components[name] = details;
      }
      return { ingestion_source: INGESTION_SOURCE, source_platform: platform, lookback_period: query.lookback_period, overall_status: overallStatus(byName), quality_components: components };
    });
  }
}

/** pinbox's weighing (module comment): points out of 10 from the matching keys' coverage over every event of the platform. */
function overallStatus(byName: Map<string, Tally>): EventQualityScore['overall_status'] {
  let events = 0;
  let keyedEvents = 0;
  const sum = (name: SignalName) => [...byName.values()].reduce((total, e) => total + (e.bits.get(name) ?? 0), 0);
  for (const entry of byName.values()) {
    events += entry.events;
    keyedEvents += entry.keyed;
  }
  if (events === 0) return 'NEEDS_IMPROVEMENT';
  const points = (6 * keyedEvents) / events + (sum('ip_address') + sum('user_agent') + sum('advertiser_external_id') + sum('click_id_epik')) / events;
  return points >= 7 ? 'GOOD' : points >= 4 ? 'FAIR' : 'NEEDS_IMPROVEMENT';
}
