import { authOf } from '../../kernel/auth.js';
import { pinterestTimestamp } from '../../kernel/clock.js';
import { invalidField } from '../../kernel/errors.js';
import { paginationQuerySchema, type PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { adAccountQuery, numericId } from '../../kernel/schemas.js';
import type { Database } from '../../storage/database.js';
import { countryProblem } from '../ads/ad-accounts.js';
import { CATALOG_TYPES, presentCatalog, type CatalogService, type CatalogType } from './catalogs.js';
import { presentFeed, type FeedInput, type FeedService, type ProcessingResultRow } from './feeds.js';
import { emptySummary, type ResultSummary, type Sample } from './ingestion.js';

const TIME_ZONES: ReadonlySet<string> = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC']);
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));

/** Pinterest's locales are a language, or a language and a region (`en-US`, `es-419`). */
export const locale = { type: 'string', pattern: '^[a-z]{2}(-([A-Z]{2}|\\d{3}))?$', maxLength: 6 } as const;
export const country = { type: 'string', pattern: '^[A-Z]{2}$' } as const;
const feedFields = {
  name: { type: 'string', minLength: 1, maxLength: 255 },
  format: { enum: ['TSV', 'CSV', 'XML'] },
  location: { type: 'string', pattern: '^(http|https|ftp|sftp)://', maxLength: 2048 },
  credentials: {
    type: ['object', 'null'],
    additionalProperties: false,
    required: ['username', 'password'],
    properties: { username: { type: 'string', maxLength: 255 }, password: { type: 'string', maxLength: 255 } },
  },
  default_currency: { type: ['string', 'null'], pattern: '^[A-Z]{3}$' },
  default_availability: { enum: ['IN_STOCK', 'OUT_OF_STOCK', 'PREORDER', null] },
  preferred_processing_schedule: {
    type: ['object', 'null'],
    additionalProperties: false,
    required: ['time', 'timezone'],
    properties: { time: { type: 'string', pattern: '^(0[0-9]|1[0-9]|2[0-3]):[0-5][0-9]$' }, timezone: { type: 'string', maxLength: 64 } },
  },
  status: { enum: ['ACTIVE', 'INACTIVE'] },
} as const;

type AccountQuery = { ad_account_id?: string };

/** What the JSON schema cannot say of a feed's fields: real countries, currencies and time zones. */
function checkFeedInput(input: FeedInput): void {
  if (input.default_country !== undefined) {
    const problem = countryProblem(input.default_country);
    if (problem) throw invalidField('default_country', problem);
  }
  if (typeof input.default_currency === 'string' && !CURRENCIES.has(input.default_currency)) throw invalidField('default_currency', `${input.default_currency} is not an ISO 4217 currency code`);
  const zone = input.preferred_processing_schedule?.timezone;
  if (zone !== undefined && !TIME_ZONES.has(zone)) throw invalidField('preferred_processing_schedule.timezone', `${zone} is not an IANA time zone`);
}

export function presentResult(row: ProcessingResultRow) {
  const summary: ResultSummary = row.summary ? (JSON.parse(row.summary) as ResultSummary) : emptySummary();
  return {
    id: row.id,
    created_at: pinterestTimestamp(Number(row.created_at)),
    updated_at: pinterestTimestamp(Number(row.updated_at)),
    status: row.status,
    ...summary,
  };
}

/** The routes of the spec's `catalogs` and `catalog_feeds` tags. */
export function feedRoutes(deps: { db: Database; catalogs: CatalogService; feeds: FeedService; filterValues: (userId: string, catalogId: string, feedId?: string) => Promise<unknown> }): ApiRoute[] {
  const { db, catalogs, feeds } = deps;
  return [
    defineRoute<{ Querystring: PageRequest & AccountQuery }>({
      method: 'GET',
      url: '/catalogs',
      operationId: 'catalogs/list',
      scopes: ['catalogs:read'],
      schema: { querystring: { type: 'object', properties: { ...paginationQuerySchema, ...adAccountQuery } } },
      handler: async (request) => {
        const page = await catalogs.list(authOf(request).userId, request.query);
        return { items: page.items.map(presentCatalog), bookmark: page.bookmark };
      },
    }),
    defineRoute<{ Querystring: AccountQuery; Body: { catalog_type: CatalogType; name: string } }>({
      method: 'POST',
      url: '/catalogs',
      operationId: 'catalogs/create',
      scopes: ['catalogs:write'],
      schema: {
        querystring: { type: 'object', properties: adAccountQuery },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['catalog_type', 'name'],
          properties: { catalog_type: { enum: CATALOG_TYPES }, name: { type: 'string', minLength: 1, maxLength: 255 } },
        },
      },
      handler: async (request) => presentCatalog(await catalogs.create(authOf(request).userId, request.body)),
    }),
    defineRoute<{ Querystring: AccountQuery & { catalog_id: string; feed_id?: string; country?: string; language?: string } }>({
      method: 'GET',
      url: '/catalogs/available_filter_values',
      operationId: 'catalogs/available_filter_values',
      scopes: ['catalogs:read'],
      schema: {
        querystring: {
          type: 'object',
          required: ['catalog_id'],
          properties: { ...adAccountQuery, catalog_id: numericId, feed_id: numericId, country, language: locale },
        },
      },
      handler: async (request) => deps.filterValues(authOf(request).userId, request.query.catalog_id, request.query.feed_id),
    }),
    defineRoute<{ Querystring: PageRequest & AccountQuery & { catalog_id?: string } }>({
      method: 'GET',
      url: '/catalogs/feeds',
      operationId: 'feeds/list',
      scopes: ['catalogs:read'],
      schema: { querystring: { type: 'object', properties: { ...paginationQuerySchema, ...adAccountQuery, catalog_id: numericId } } },
      handler: async (request) => {
        const page = await feeds.list(authOf(request).userId, request.query.catalog_id, request.query);
        return { items: page.items.map(({ feed, catalog_type }) => presentFeed(feed, catalog_type)), bookmark: page.bookmark };
      },
    }),
    defineRoute<{ Querystring: AccountQuery; Body: FeedInput }>({
      method: 'POST',
      url: '/catalogs/feeds',
      operationId: 'feeds/create',
      scopes: ['catalogs:read', 'catalogs:write'],
      schema: {
        querystring: { type: 'object', properties: adAccountQuery },
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'format', 'location'],
          properties: { ...feedFields, catalog_type: { enum: CATALOG_TYPES }, catalog_id: numericId, default_country: country, default_locale: locale },
        },
      },
      handler: async (request, reply) => {
        checkFeedInput(request.body);
        const { feed, catalog } = await feeds.create(authOf(request).userId, request.body);
        reply.code(201);
        return presentFeed(feed, catalog.catalog_type);
      },
    }),
    defineRoute<{ Params: { feed_id: string }; Querystring: AccountQuery }>({
      method: 'GET',
      url: '/catalogs/feeds/:feed_id',
      operationId: 'feeds/get',
      scopes: ['catalogs:read'],
      schema: { params: { type: 'object', properties: { feed_id: numericId } }, querystring: { type: 'object', properties: adAccountQuery } },
      handler: async (request) => {
        const { feed, catalog } = await feeds.owned(authOf(request).userId, request.params.feed_id);
        return presentFeed(feed, catalog.catalog_type);
      },
    }),
    defineRoute<{ Params: { feed_id: string }; Querystring: AccountQuery; Body: FeedInput }>({
      method: 'PATCH',
      url: '/catalogs/feeds/:feed_id',
      operationId: 'feeds/update',
      scopes: ['catalogs:read', 'catalogs:write'],
      schema: {
        params: { type: 'object', properties: { feed_id: numericId } },
        querystring: { type: 'object', properties: adAccountQuery },
        body: { type: 'object', additionalProperties: false, properties: { ...feedFields, catalog_type: { enum: CATALOG_TYPES } } },
      },
      handler: async (request) => {
        checkFeedInput(request.body);
        const { feed, catalog } = await feeds.update(authOf(request).userId, request.params.feed_id, request.body);
        if (request.body.catalog_type !== undefined && request.body.catalog_type !== catalog.catalog_type) {
          throw invalidField('catalog_type', `is ${request.body.catalog_type}, but the feed's catalog is ${catalog.catalog_type}`);
        }
        return presentFeed(feed, catalog.catalog_type);
      },
    }),
    defineRoute<{ Params: { feed_id: string }; Querystring: AccountQuery }>({
      method: 'DELETE',
      url: '/catalogs/feeds/:feed_id',
      operationId: 'feeds/delete',
      scopes: ['catalogs:read', 'catalogs:write'],
      schema: { params: { type: 'object', properties: { feed_id: numericId } }, querystring: { type: 'object', properties: adAccountQuery } },
      handler: async (request, reply) => {
        await feeds.delete(authOf(request).userId, request.params.feed_id);
        return reply.code(204).send();
      },
    }),
    defineRoute<{ Params: { feed_id: string }; Querystring: AccountQuery }>({
      method: 'POST',
      url: '/catalogs/feeds/:feed_id/ingest',
      operationId: 'feeds/ingest',
      scopes: ['catalogs:write'],
      schema: { params: { type: 'object', properties: { feed_id: numericId } }, querystring: { type: 'object', properties: adAccountQuery } },
      handler: async (request) => {
        const row = await feeds.ingest(authOf(request).userId, request.params.feed_id);
        return { id: row.id, feed_id: row.feed_id, created_at: pinterestTimestamp(Number(row.created_at)), status: row.status };
      },
    }),
    defineRoute<{ Params: { feed_id: string }; Querystring: PageRequest & AccountQuery }>({
      method: 'GET',
      url: '/catalogs/feeds/:feed_id/processing_results',
      operationId: 'feed_processing_results/list',
      scopes: ['catalogs:read'],
      schema: { params: { type: 'object', properties: { feed_id: numericId } }, querystring: { type: 'object', properties: { ...paginationQuerySchema, ...adAccountQuery } } },
      handler: async (request) => {
        const page = await feeds.results(authOf(request).userId, request.params.feed_id, request.query);
        return { items: page.items.map(presentResult), bookmark: page.bookmark };
      },
    }),
    defineRoute<{ Params: { processing_result_id: string }; Querystring: PageRequest & AccountQuery & { item_numbers?: number[]; item_validation_issue?: string } }>({
      method: 'GET',
      url: '/catalogs/processing_results/:processing_result_id/item_issues',
      operationId: 'items_issues/list',
      scopes: ['catalogs:read'],
      schema: {
        params: { type: 'object', properties: { processing_result_id: numericId } },
        querystring: {
          type: 'object',
          properties: {
            ...paginationQuerySchema,
            ...adAccountQuery,
            item_numbers: { type: 'array', maxItems: 1000, items: { type: 'integer', minimum: 0 } },
            item_validation_issue: { type: 'string', pattern: '^[A-Z0-9_]+$', maxLength: 64 },
          },
        },
      },
      handler: async (request) => {
        const { userId } = authOf(request);
        const result = await feeds.ownedResult(userId, request.params.processing_result_id);
        const { item_numbers: numbers, item_validation_issue: issue } = request.query;
        const size = request.query.page_size ?? 25;
        const listKey = `items_issues/list:${result.id}:${(numbers ?? []).join(',')}:${issue ?? ''}`;
        // One page holds whole items: issues of `size` items, by their place in the file.
        const page = await deps.feeds.issuePage(listKey, request.query, async (after, limit) => {
          const numbered = await db.all<{ item_number: number }>(
            `SELECT DISTINCT item_number FROM catalog_item_issues WHERE result_id = ? AND item_number > ?
              ${issue ? 'AND code = ?' : ''} ${numbers?.length ? `AND item_number IN (${numbers.map(() => '?').join(', ')})` : ''}
              ORDER BY item_number LIMIT ?`,
            [result.id, after === null ? -1 : Number(after), ...(issue ? [issue] : []), ...(numbers ?? []), limit],
          );
          return numbered.map((row) => Number(row.item_number));
        });
        const items = page.items.slice(0, size);
        const rows = items.length
          ? await db.all<Sample>(`SELECT * FROM catalog_item_issues WHERE result_id = ? AND item_number IN (${items.map(() => '?').join(', ')}) ORDER BY item_number, code`, [result.id, ...items])
          : [];
        return {
          items: items.map((number) => {
            const own = rows.filter((row) => Number(row.item_number) === number);
            const shape = (severity: 'error' | 'warning') =>
              Object.fromEntries(own.filter((row) => row.severity === severity).map((row) => [row.code, { attribute_name: row.attribute, provided_value: row.provided }]));
            return { item_number: number, item_id: own.find((row) => row.item_id !== null)?.item_id ?? null, errors: shape('error'), warnings: shape('warning') };
          }),
          bookmark: page.bookmark,
        };
      },
    }),
  ];
}
