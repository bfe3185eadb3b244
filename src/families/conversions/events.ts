/**
 * One conversion event, checked as Pinterest checks it (developers.pinterest.com
 * /docs/conversions/event; ../shared/reference/ads-catalogs.md §7). Each event
 * passes or fails alone; the route decides what a batch with a failure answers.
 */
import { readEmail, SHA256_HEX } from './hashing.js';

/** Pinterest: the 15 names of the spec and the 7 newer docs add; pinbox takes all 22. */
export const EVENT_NAMES: ReadonlySet<string> = new Set([
  'add_payment_info', 'add_to_cart', 'add_to_wishlist', 'app_install', 'checkout', 'custom', 'initiate_checkout', 'lead',
  'page_visit', 'search', 'signup', 'subscribe', 'view_category', 'view_content', 'watch_video',
  'app_open', 'contact', 'customize_product', 'find_location', 'schedule', 'start_trial', 'submit_application',
]);

export const ACTION_SOURCES: ReadonlySet<string> = new Set(['app_android', 'app_ios', 'web', 'offline']);

/** The fields of an event (the spec's `ConversionEvents` item, which allows no others). */
const EVENT_FIELDS: ReadonlySet<string> = new Set([
  'action_source', 'app_id', 'app_info', 'app_name', 'app_version', 'custom_data', 'device_brand', 'device_carrier', 'device_info',
  'device_model', 'device_type', 'event_id', 'event_name', 'event_source_url', 'event_time', 'language', 'opt_out', 'os_version',
  'partner_name', 'user_data', 'wifi',
]);

/** `user_data` fields that are arrays of SHA-256 hex; the others are plain strings. */
const HASHED_FIELDS = ['em', 'hashed_maids', 'ph', 'ge', 'db', 'ln', 'fn', 'ct', 'st', 'zp', 'country', 'external_id'] as const;
const PLAIN_FIELDS = ['client_ip_address', 'client_user_agent', 'click_id', 'partner_id'] as const;
const USER_DATA_FIELDS: ReadonlySet<string> = new Set([...HASHED_FIELDS, ...PLAIN_FIELDS]);

/** Pinterest: events older than about 7 days are refused ("Given timestamp is in the past"). */
export const EVENT_WINDOW_SECONDS = 7 * 86_400;
/** pinbox: an event up to an hour ahead of the clock is taken (clocks drift); later ones are refused. */
export const EVENT_FUTURE_SECONDS = 3600;

/**
 * The receipt times (`received_at`, milliseconds on pinbox's clock) an event with
 * `event_time` in [fromSeconds, toSeconds) can have: an event is taken only within
 * EVENT_WINDOW_SECONDS after its time and EVENT_FUTURE_SECONDS before it, so this
 * range holds every such event. The store indexes events by receipt (appended at
 * the end of the index, batch after batch) rather than by their scattered event
 * times, and a query by event time bounds its receipt with this.
 * @example receiptRange(1700000000, 1700086400) // [1699996400000, 1700691200000]
 */
export function receiptRange(fromSeconds: number, toSeconds: number): [number, number] {
  return [(fromSeconds - EVENT_FUTURE_SECONDS) * 1000, (toSeconds + EVENT_WINDOW_SECONDS) * 1000];
}

/**
 * The keys and metadata an event may carry, as bits of its recorded `signals`: what
 * the event quality score (eqs.ts) measures the coverage of. Names are the spec's
 * `QualityComponents` fields.
 */
export const SIGNAL = {
  hashed_email: 1,
  hashed_maid: 2,
  ip_address: 4,
  user_agent: 8,
  advertiser_external_id: 16,
  click_id_epik: 32,
  external_event_id: 64,
  order_id: 128,
  order_value: 256,
  product_id: 512,
  source_url: 1024,
} as const;
export type SignalName = keyof typeof SIGNAL;

/** A checked event: what pinbox records of it. */
export interface CheckedEvent {
  eventId: string;
  eventName: string;
  actionSource: string;
  eventTime: number;
  /** The SHA-256 of the first email given (hashed here when it came plain). */
  emailHash: string | null;
  valueMicro: number | null;
  currency: string | null;
  /** The SIGNAL bits it carries. */
  signals: number;
}

export type EventVerdict = { ok: true; event: CheckedEvent; warning: string } | { ok: false; error: string };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const nonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.trim().length > 0;

/**
 * Checks one event at `nowSeconds` on pinbox's clock. Messages are pinbox's
 * (Pinterest's are not public), each naming the field; a warning is "" when none.
 */
export function checkEvent(raw: unknown, nowSeconds: number): EventVerdict {
  if (!isObject(raw)) return { ok: false, error: 'Each event must be a JSON object.' };
  for (const field of Object.keys(raw)) if (!EVENT_FIELDS.has(field)) return { ok: false, error: `Unknown field '${field}'.` };
  for (const field of ['event_name', 'action_source', 'event_time', 'event_id', 'user_data']) {
    if (raw[field] === undefined || raw[field] === null) return { ok: false, error: `Missing required field '${field}'.` };
  }
  const { event_name: name, action_source: source, event_time: time, event_id: id, user_data: user } = raw;
  if (typeof name !== 'string' || !EVENT_NAMES.has(name)) return { ok: false, error: `Invalid 'event_name' ${JSON.stringify(name)}: must be one of ${[...EVENT_NAMES].join(', ')}.` };
  if (typeof source !== 'string' || !ACTION_SOURCES.has(source)) return { ok: false, error: `Invalid 'action_source' ${JSON.stringify(source)}: must be one of app_android, app_ios, web, offline.` };
  if (typeof time !== 'number' || !Number.isInteger(time)) return { ok: false, error: "Invalid 'event_time': must be a whole number of Unix seconds." };
  if (time < nowSeconds - EVENT_WINDOW_SECONDS) {
    // Pinterest (observed, segmentio/action-destinations PR #2465): the message names both instants.
    return { ok: false, error: `Invalid event_timestamp parameter. Given timestamp is in the past. Current timestamp: ${nowSeconds}, Given event_timestamp: ${time}` };
  }
  if (time > nowSeconds + EVENT_FUTURE_SECONDS) {
    const hint = time > 1e11 ? ' (it looks like milliseconds; event_time is in seconds)' : '';
    return { ok: false, error: `Invalid event_timestamp parameter. Given timestamp is in the future${hint}. Current timestamp: ${nowSeconds}, Given event_timestamp: ${time}` };
  }
  if (!nonEmptyString(id)) return { ok: false, error: "Invalid 'event_id': must be a non-empty string." };
  if (!isObject(user)) return { ok: false, error: "Invalid 'user_data': must be an object." };
  for (const field of Object.keys(user)) if (!USER_DATA_FIELDS.has(field)) return { ok: false, error: `Unknown field 'user_data.${field}'.` };
  for (const field of PLAIN_FIELDS) {
    if (user[field] !== undefined && user[field] !== null && typeof user[field] !== 'string') return { ok: false, error: `Invalid 'user_data.${field}': must be a string.` };
  }
  const warnings: string[] = [];
  let emailHash: string | null = null;
  for (const field of HASHED_FIELDS) {
    const values = user[field];
    if (values === undefined) continue;
    if (!Array.isArray(values) || values.some((v) => typeof v !== 'string')) return { ok: false, error: `Invalid 'user_data.${field}': must be an array of strings.` };
    for (const value of values as string[]) {
      if (field === 'em') {
        const email = readEmail(value);
        if (email.kind === 'invalid') return { ok: false, error: "Invalid 'user_data.em': each value must be the SHA-256 hex of a normalised email." };
        if (email.kind === 'plain') {
          // Pinterest (observed in its SDK's tests): an unhashed email is processed, with a warning.
          if (!warnings.length) warnings.push("'user_data.em' holds an unhashed email; pinbox normalised and hashed it with SHA-256. Send emails hashed.");
          emailHash ??= email.sha256;
        } else emailHash ??= email.digest;
      } else if (!SHA256_HEX.test(value.toLowerCase())) {
        return { ok: false, error: `Invalid 'user_data.${field}': each value must be SHA-256 hex of the normalised value.` };
      }
    }
  }
  const has = (field: string) => Array.isArray(user[field]) && (user[field] as unknown[]).length > 0;
  if (!has('em') && !has('hashed_maids') && !(nonEmptyString(user.client_ip_address) && nonEmptyString(user.client_user_agent))) {
    return { ok: false, error: "'user_data' needs 'em', or 'hashed_maids', or both 'client_ip_address' and 'client_user_agent'." };
  }
  let valueMicro: number | null = null;
  let currency: string | null = null;
  if (raw.custom_data !== undefined && raw.custom_data !== null) {
    const custom = raw.custom_data;
    if (!isObject(custom)) return { ok: false, error: "Invalid 'custom_data': must be an object." };
    if (custom.value !== undefined && custom.value !== null) {
      // Pinterest: `value` is a string, parsed as a double.
      const parsed = typeof custom.value === 'string' && custom.value.trim() !== '' ? Number(custom.value) : Number.NaN;
      if (!Number.isFinite(parsed) || parsed < 0) return { ok: false, error: "Invalid 'custom_data.value': must be a string holding a number of at least 0, e.g. \"72.10\"." };
      valueMicro = Math.round(parsed * 1_000_000);
    }
    if (custom.currency !== undefined && custom.currency !== null) {
      if (typeof custom.currency !== 'string' || !/^[A-Z]{3}$/.test(custom.currency)) return { ok: false, error: "Invalid 'custom_data.currency': must be an ISO-4217 code such as USD." };
      currency = custom.currency;
    }
  }
  const custom = isObject(raw.custom_data) ? raw.custom_data : {};
  const present = (value: unknown) => (Array.isArray(value) ? value.length > 0 : nonEmptyString(value));
  let signals = SIGNAL.external_event_id; // event_id is required, so every recorded event can be deduplicated
  if (emailHash) signals |= SIGNAL.hashed_email;
  if (present(user.hashed_maids)) signals |= SIGNAL.hashed_maid;
  if (present(user.client_ip_address)) signals |= SIGNAL.ip_address;
  if (present(user.client_user_agent)) signals |= SIGNAL.user_agent;
  if (present(user.external_id)) signals |= SIGNAL.advertiser_external_id;
  if (present(user.click_id)) signals |= SIGNAL.click_id_epik;
  if (present(custom.order_id)) signals |= SIGNAL.order_id;
  if (valueMicro !== null) signals |= SIGNAL.order_value;
  if (present(custom.content_ids) || (Array.isArray(custom.contents) && custom.contents.length > 0)) signals |= SIGNAL.product_id;
  if (present(raw.event_source_url)) signals |= SIGNAL.source_url;
  return {
    ok: true,
    event: { eventId: id.trim(), eventName: name, actionSource: source, eventTime: time, emailHash, valueMicro, currency, signals },
    warning: warnings.join(' '),
  };
}
