import { ApiError } from './errors.js';

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const;

/**
 * Reads a duration: a number of milliseconds, or text such as `2d`, `90m`,
 * `1h30m`, `45s`, `250ms`, `1w` (a leading `-` goes back in time).
 * @example parseDuration('2d') // 172800000
 * @example parseDuration(1500) // 1500
 * @throws ApiError 400 naming `field` when the text is not a duration.
 */
export function parseDuration(value: unknown, field = 'duration'): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string') {
    const text = value.trim();
    if (/^-?\d+$/.test(text)) return Number(text);
    const match = /^(-?)((?:\d+(?:ms|s|m|h|d|w))+)$/.exec(text);
    if (match) {
      let total = 0;
      for (const [, amount, unit] of match[2].matchAll(/(\d+)(ms|s|m|h|d|w)/g)) total += Number(amount) * UNIT_MS[unit as keyof typeof UNIT_MS];
      return match[1] ? -total : total;
    }
  }
  throw new ApiError('invalid_parameters', `Invalid parameters: '${field}' must be milliseconds or a duration like 2d, 90m, 1h30m, 45s, 250ms (got ${JSON.stringify(value)}).`);
}

/**
 * Reads an instant: milliseconds since the epoch or an ISO 8601 date-time
 * (a time without a zone is read as UTC, like Pinterest's timestamps).
 * @example parseInstant('2026-01-01T00:00:00Z') // 1767225600000
 */
export function parseInstant(value: unknown, field = 'at'): number {
  if (typeof value === 'number' && Number.isFinite(value)) return Math.trunc(value);
  if (typeof value === 'string' && /^\d+$/.test(value.trim())) return Number(value.trim());
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) {
    const text = value.trim();
    const zoned = /T.*(Z|[+-]\d{2}:?\d{2})$/.test(text) || !text.includes('T') ? text : `${text}Z`;
    const ms = Date.parse(zoned);
    if (Number.isFinite(ms)) return ms;
  }
  throw new ApiError('invalid_parameters', `Invalid parameters: '${field}' must be milliseconds since 1970 or an ISO 8601 time like 2026-01-01T00:00:00Z (got ${JSON.stringify(value)}).`);
}
