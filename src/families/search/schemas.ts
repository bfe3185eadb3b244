import { paginationQuerySchema } from '../../kernel/pagination.js';
import { adAccountQuery } from '../../kernel/schemas.js';
import type { ServedMedia } from '../media/media-urls.js';
import type { PinRow } from '../pins/store.js';

/** Pinterest: a query is free text; pinbox caps it so a request can never carry an unbounded one. */
const QUERY_MAX = 500;

export const searchPinsQuery = {
  type: 'object',
  required: ['query'],
  properties: { ...adAccountQuery, query: { type: 'string', maxLength: QUERY_MAX }, bookmark: paginationQuerySchema.bookmark },
} as const;

export const searchBoardsQuery = {
  type: 'object',
  properties: { ...adAccountQuery, ...paginationQuerySchema, query: { type: 'string', maxLength: QUERY_MAX } },
} as const;

/** Pinterest: `limit` 1..50, default 10 ("Get the top 10 Pins"); `country_code` is required (ISO 3166-1 alpha-2). */
export const searchPartnerPinsQuery = {
  type: 'object',
  required: ['term', 'country_code'],
  properties: {
    term: { type: 'string', maxLength: QUERY_MAX },
    country_code: { type: 'string', pattern: '^[A-Za-z]{2}$' },
    locale: { type: 'string', maxLength: 35 },
    limit: { type: 'integer', minimum: 1, maximum: 50, default: 10 },
    bookmark: paginationQuerySchema.bookmark,
  },
} as const;

const str = JSON.stringify;

/** The spec's `SummaryPin` as JSON text. */
export function summaryPinJson(row: PinRow, media: ServedMedia): string {
  return (
    '{"id":' + str(row.id) +
    ',"title":' + str(row.title) +
    ',"description":' + str(row.description) +
    ',"link":' + str(row.link) +
    ',"alt_text":' + str(row.alt_text) +
    ',"media":' + media.json(row.media) + '}'
  );
}
