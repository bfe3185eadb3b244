/**
 * Catalog reports (the spec's `catalog_reports` tag). Pinterest: "The first approved
 * request of the day builds the report; identical later requests get the same
 * report even if data changed". A report is a row of `catalog_reports`,
 * IN_PROGRESS for REPORT_MS of pinbox's clock; the first read after that builds its
 * file once (a conditional update), which is then served as it was built. A bad or
 * unknown token gives 400 code 1104.
 * pinbox: the report is a CSV file at `/catalog_reports/{token}.csv` (the token is a
 * random secret); DISTRIBUTION_ISSUES holds the one distribution issue pinbox
 * models, an item out of stock (not eligible for ads).
 */
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import { authOf } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import { publicBase } from '../../kernel/http.js';
import { paginationQuerySchema, type Bookmarks, type PageRequest } from '../../kernel/pagination.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { adAccountQuery, numericId } from '../../kernel/schemas.js';
import type { Database } from '../../storage/database.js';
import { CATALOG_TYPES, type CatalogRow, type CatalogService, type CatalogType } from './catalogs.js';
import type { FeedService } from './feeds.js';

/** pinbox: how long a report takes on pinbox's clock (Pinterest documents no figure). */
export const REPORT_MS = 60_000;
export const REPORT_PATH = '/catalog_reports';
const REPORT_TYPES = ['FEED_INGESTION_ISSUES', 'DISTRIBUTION_ISSUES', 'ALL_ITEMS'] as const;
type ReportType = (typeof REPORT_TYPES)[number];

export interface ReportRequest {
  catalog_type: CatalogType;
  report: { report_type: ReportType; feed_id?: string; processing_result_id?: string; catalog_id?: string };
}

interface ReportRow {
  token: string;
  owner_id: string;
  catalog_id: string | null;
  request_key: string;
  day: string;
  status: 'IN_PROGRESS' | 'FINISHED';
  due_at: number;
  file: string | null;
  created_at: number;
}

/**
 * pinbox: Pinterest's diagnostics give each issue an integer code it does not list;
 * pinbox numbers the codes it produces in this order (from 1).
 */
export const ISSUE_CODE_NUMBERS = [
  'ITEMID_MISSING', 'TITLE_MISSING', 'DESCRIPTION_MISSING', 'PRODUCT_LINK_MISSING', 'IMAGE_LINK_MISSING', 'PRICE_MISSING',
  'PRODUCT_PRICE_INVALID', 'AVAILABILITY_INVALID', 'LINK_FORMAT_INVALID', 'LINK_LENGTH_TOO_LONG', 'IMAGE_LINK_INVALID',
  'IMAGE_LINK_LENGTH_TOO_LONG', 'DUPLICATE_PRODUCTS', 'PARSE_LINE_ERROR', 'TITLE_LENGTH_TOO_LONG', 'DESCRIPTION_LENGTH_TOO_LONG',
  'SALES_PRICE_INVALID', 'SALES_PRICE_TOO_HIGH', 'OPTIONAL_CONDITION_MISSING', 'OPTIONAL_CONDITION_INVALID', 'GENDER_INVALID',
  'TOO_MANY_ADDITIONAL_IMAGE_LINKS', 'CUSTOM_LABEL_LENGTH_TOO_LONG', 'OUT_OF_STOCK',
] as const;
const codeNumber = (code: string) => ISSUE_CODE_NUMBERS.indexOf(code as (typeof ISSUE_CODE_NUMBERS)[number]) + 1;

const invalidToken = () => new ApiError('catalog_report_token_invalid');

export class ReportService {
  constructor(private readonly deps: { db: Database; clock: Clock; bookmarks: Bookmarks; catalogs: CatalogService; feeds: FeedService }) {}

  /** The catalog a report is of, checked as the user's. */
  private async catalogOf(userId: string, request: ReportRequest): Promise<{ catalog: CatalogRow; feedId: string | null }> {
    const { report } = request;
    if (report.report_type === 'FEED_INGESTION_ISSUES') {
      if (report.feed_id === undefined) throw invalidField('report.feed_id', 'is required for FEED_INGESTION_ISSUES');
      const { feed, catalog } = await this.deps.feeds.owned(userId, report.feed_id);
      if (report.processing_result_id !== undefined) {
        const result = await this.deps.feeds.ownedResult(userId, report.processing_result_id);
        if (result.feed_id !== feed.id) throw new ApiError('processing_result_not_found');
      }
      return { catalog, feedId: feed.id };
    }
    return { catalog: await this.deps.catalogs.resolve(userId, report.catalog_id, request.catalog_type), feedId: null };
  }

  /** The day's report for this request: made now, or the one an identical request made earlier today. */
  async create(userId: string, request: ReportRequest): Promise<{ token: string }> {
    const { catalog } = await this.catalogOf(userId, request);
    const now = this.deps.clock.now();
    const day = new Date(now).toISOString().slice(0, 10);
    const key = createHash('sha256').update(JSON.stringify([request.catalog_type, request.report.report_type, catalog.id, request.report.feed_id ?? '', request.report.processing_result_id ?? ''])).digest('hex');
    return this.deps.db.transaction(async (tx) => {
      await tx.lock(`catalog-report:${userId}:${key}`);
      const existing = await tx.get<{ token: string }>('SELECT token FROM catalog_reports WHERE owner_id = ? AND request_key = ? AND day = ?', [userId, key, day]);
      if (existing) return { token: existing.token };
      const token = randomBytes(16).toString('hex');
      await tx.run("INSERT INTO catalog_reports (token, owner_id, catalog_id, request_key, day, status, due_at, file, created_at) VALUES (?, ?, ?, ?, ?, 'IN_PROGRESS', ?, ?, ?)", [
        token,
        userId,
        catalog.id,
        key,
        day,
        now + REPORT_MS,
        JSON.stringify(request),
        now,
      ]);
      return { token };
    });
  }

  async get(userId: string, token: string, base: string): Promise<{ report_status: 'FINISHED' | 'IN_PROGRESS'; url: string | null; size: number | null }> {
    if (!/^[0-9a-f]{32}$/.test(token)) throw invalidToken();
    let row = await this.deps.db.get<ReportRow>('SELECT * FROM catalog_reports WHERE token = ? AND owner_id = ?', [token, userId]);
    if (!row) throw invalidToken();
    if (row.status === 'IN_PROGRESS' && Number(row.due_at) <= this.deps.clock.now()) {
      await this.build(row);
      row = (await this.deps.db.get<ReportRow>('SELECT * FROM catalog_reports WHERE token = ?', [token]))!;
    }
    if (row.status === 'IN_PROGRESS') return { report_status: 'IN_PROGRESS', url: null, size: null };
    return { report_status: 'FINISHED', url: `${base}${REPORT_PATH}/${row.token}.csv`, size: Buffer.byteLength(row.file ?? '') };
  }

  /** Builds the file once: the request is kept in `file` until the finished report replaces it. */
  private async build(row: ReportRow): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const current = await tx.get<ReportRow>("SELECT * FROM catalog_reports WHERE token = ? AND status = 'IN_PROGRESS'", [row.token]);
      if (!current) return;
      const request = JSON.parse(current.file!) as ReportRequest;
      const { report } = request;
      let file: string;
      if (report.report_type === 'FEED_INGESTION_ISSUES') {
        const resultId =
          report.processing_result_id ??
          (await tx.get<{ id: string }>("SELECT id FROM catalog_processing_results WHERE feed_id = ? AND status <> 'PROCESSING' ORDER BY id DESC LIMIT 1", [report.feed_id!]))?.id;
        const issues = resultId
          ? await tx.all<Record<string, unknown>>('SELECT item_number, item_id, code, severity, attribute, provided FROM catalog_item_issues WHERE result_id = ? ORDER BY item_number, code', [resultId])
          : [];
        file = stringify(issues, { header: true, columns: ['item_number', 'item_id', 'code', 'severity', 'attribute', 'provided'] });
      } else {
        const outOfStock = report.report_type === 'DISTRIBUTION_ISSUES' ? " AND availability = 'OUT_OF_STOCK'" : '';
        const items = await tx.all<{ item_id: string; availability: string; price: number; currency: string; title_key: string }>(
          `SELECT item_id, availability, price, currency, title_key FROM catalog_items WHERE catalog_id = ?${outOfStock} ORDER BY item_id`,
          [current.catalog_id],
        );
        file =
          report.report_type === 'DISTRIBUTION_ISSUES'
            ? stringify(items.map((item) => ({ item_id: item.item_id, code_label: 'OUT_OF_STOCK', ineligible_for_ads: true, ineligible_for_organic: false })), {
                header: true,
                columns: ['item_id', 'code_label', 'ineligible_for_ads', 'ineligible_for_organic'],
                cast: { boolean: String },
              })
            : stringify(items.map((item) => ({ item_id: item.item_id, availability: item.availability, price: `${Number(item.price).toFixed(2)} ${item.currency}` })), {
                header: true,
                columns: ['item_id', 'availability', 'price'],
              });
      }
      await tx.run("UPDATE catalog_reports SET status = 'FINISHED', file = ? WHERE token = ?", [file, row.token]);
    });
  }

  async file(token: string): Promise<string | null> {
    const row = await this.deps.db.get<ReportRow>("SELECT * FROM catalog_reports WHERE token = ? AND status = 'FINISHED'", [token]);
    return row?.file ?? null;
  }

  /** reports/stats: the issues of the newest finished ingestion of each of the catalog's feeds, or its out-of-stock items, counted by code. */
  async stats(userId: string, request: ReportRequest, page: PageRequest) {
    const { catalog, feedId } = await this.catalogOf(userId, request);
    const type = request.report.report_type;
    const rows =
      type === 'DISTRIBUTION_ISSUES'
        ? (await this.deps.db.all<{ n: number }>("SELECT COUNT(*) AS n FROM catalog_items WHERE catalog_id = ? AND availability = 'OUT_OF_STOCK'", [catalog.id]))
            .filter((row) => Number(row.n) > 0)
            .map((row) => ({
              report_type: 'DISTRIBUTION_ISSUES',
              catalog_id: catalog.id,
              code: codeNumber('OUT_OF_STOCK'),
              code_label: 'OUT_OF_STOCK',
              message: 'The item is out of stock.',
              occurrences: Number(row.n),
              ineligible_for_ads: true,
              ineligible_for_organic: false,
            }))
        : await this.ingestionStats(catalog, feedId);
    const key = (row: { code_label: string }) => row.code_label;
    return this.deps.bookmarks.page(`reports/stats:${catalog.id}:${feedId ?? ''}:${type}`, page, key, async (after, limit) =>
      rows.filter((row) => after === null || key(row) > after).sort((a, b) => key(a).localeCompare(key(b))).slice(0, limit),
    );
  }

  private async ingestionStats(catalog: CatalogRow, feedId: string | null) {
    const results = await this.deps.db.all<{ summary: string }>(
      `SELECT r.summary FROM catalog_processing_results r JOIN catalog_feeds f ON f.id = r.feed_id
        WHERE f.catalog_id = ? AND (? = '' OR f.id = ?) AND r.summary IS NOT NULL
          AND r.id = (SELECT MAX(id) FROM catalog_processing_results WHERE feed_id = f.id AND status <> 'PROCESSING')`,
      [catalog.id, feedId ?? '', feedId ?? ''],
    );
    const totals = new Map<string, { severity: 'ERROR' | 'WARN'; occurrences: number }>();
    for (const { summary } of results) {
      const parsed = JSON.parse(summary) as { validation_details: { errors: Record<string, number>; warnings: Record<string, number> } };
      for (const [severity, counts] of [['ERROR', parsed.validation_details.errors], ['WARN', parsed.validation_details.warnings]] as const) {
        for (const [code, n] of Object.entries(counts)) totals.set(code, { severity, occurrences: (totals.get(code)?.occurrences ?? 0) + n });
      }
    }
    return [...totals].map(([code, { severity, occurrences }]) => ({
      report_type: 'FEED_INGESTION_ISSUES',
      catalog_id: catalog.id,
      code: codeNumber(code),
      code_label: code,
      message: code.toLowerCase().replace(/_/g, ' '),
      occurrences,
      severity,
    }));
  }
}

const reportBody = {
  type: 'object',
  additionalProperties: false,
  required: ['catalog_type', 'report'],
  properties: {
    catalog_type: { enum: CATALOG_TYPES },
    report: {
      type: 'object',
      additionalProperties: false,
      required: ['report_type'],
      properties: { report_type: { enum: REPORT_TYPES }, feed_id: numericId, processing_result_id: numericId, catalog_id: numericId },
    },
  },
} as const;

/** reports/stats takes its `parameters` as a deepObject (`parameters[report][report_type]=…`), read here from the URL. */
function statsParameters(url: string): ReportRequest {
  const search = new URLSearchParams(url.split('?')[1] ?? '');
  const value = (name: string) => search.get(name) ?? undefined;
  const catalogType = value('parameters[catalog_type]');
  const reportType = value('parameters[report][report_type]');
  if (!catalogType || !(CATALOG_TYPES as readonly string[]).includes(catalogType)) throw invalidField('parameters.catalog_type', `must be one of ${CATALOG_TYPES.join(', ')}`);
  if (reportType !== 'FEED_INGESTION_ISSUES' && reportType !== 'DISTRIBUTION_ISSUES') throw invalidField('parameters.report.report_type', 'must be one of FEED_INGESTION_ISSUES, DISTRIBUTION_ISSUES');
  const id = (name: string) => {
    const given = value(`parameters[report][${name}]`);
    if (given !== undefined && !/^\d{1,20}$/.test(given)) throw invalidField(`parameters.report.${name}`, 'must be a numeric id');
    return given;
  };
  return { catalog_type: catalogType as CatalogType, report: { report_type: reportType, feed_id: id('feed_id'), catalog_id: id('catalog_id') } };
}

export function reportRoutes(reports: ReportService): ApiRoute[] {
  return [
    defineRoute<{ Querystring: { ad_account_id?: string }; Body: ReportRequest }>({
      method: 'POST',
      url: '/catalogs/reports',
      operationId: 'reports/create',
      scopes: ['catalogs:read'],
      schema: { querystring: { type: 'object', properties: adAccountQuery }, body: reportBody },
      handler: async (request) => reports.create(authOf(request).userId, request.body),
    }),
    defineRoute<{ Querystring: { ad_account_id?: string; token: string } }>({
      method: 'GET',
      url: '/catalogs/reports',
      operationId: 'reports/get',
      scopes: ['catalogs:read'],
      schema: { querystring: { type: 'object', required: ['token'], properties: { ...adAccountQuery, token: { type: 'string', maxLength: 128 } } } },
      handler: async (request) => reports.get(authOf(request).userId, request.query.token, publicBase(request)),
    }),
    defineRoute<{ Querystring: { ad_account_id?: string } & PageRequest }>({
      method: 'GET',
      url: '/catalogs/reports/stats',
      operationId: 'reports/stats',
      scopes: ['catalogs:read'],
      schema: { querystring: { type: 'object', properties: { ...paginationQuerySchema, ...adAccountQuery } } },
      handler: async (request) => reports.stats(authOf(request).userId, statsParameters(request.url), request.query),
    }),
  ];
}

/** Where finished reports are served. */
export function reportPages(reports: ReportService) {
  return (app: FastifyInstance): void => {
    app.get(`${REPORT_PATH}/:file`, async (request, reply) => {
      const match = /^([0-9a-f]{32})\.csv$/.exec((request.params as { file: string }).file);
      const file = match ? await reports.file(match[1]) : null;
      if (file === null) return reply.code(404).type('text/plain').send('Not found');
      return reply.header('content-type', 'text/csv; charset=utf-8').header('cache-control', 'private, no-store').send(file);
    });
  };
}
