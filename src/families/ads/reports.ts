/**
 * Async ads reports (`POST/GET /ad_accounts/{id}/reports`). Pinterest: create
 * answers a token and IN_PROGRESS; the report is made after a while; GET then
 * answers FINISHED with a signed URL that lives 5 minutes, and the report itself
 * lives an hour (then EXPIRED) (reference §3.2). pinbox makes the file once the
 * processing time has passed on its clock (at the first GET after), from the same
 * rows the sync analytics answer, and serves it at a signed, expiring URL.
 */
import { attributionOf } from './attribution.js';
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { stringify } from 'csv-stringify/sync';
import { authOf } from '../../kernel/auth.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import { publicBase } from '../../kernel/http.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { Clock } from '../../kernel/clock.js';
import type { Database } from '../../storage/database.js';
import { dayNumber, dayString } from '../analytics/model.js';
import type { AdAccountService } from './ad-accounts.js';
import { ATTRIBUTION_WINDOW_DAYS } from './ads-analytics-routes.js';
import { checkDates, GRANULARITIES, LEVEL_ID_COLUMN, type AdsAnalytics, type AnalyticsRequest, type Granularity, type Level } from './ads-analytics.js';
import type { AdEntity, EntityRecord } from './entity.js';
import type { AdAccountRow } from './roles.js';
import { CAMPAIGN_ROLES } from './roles.js';
import { noSuchKey, serveSignedFiles, SignedUrls } from './signed-files.js';
import { deliverySummary } from './status.js';
import { reviewStatusAt } from './review.js';

/** Pinterest: the URL lives 5 minutes, the report 1 hour (reference §3.2). */
export const REPORT_TIMES = { urlMs: 5 * 60_000, reportMs: 60 * 60_000, processingMs: 10_000 } as const;
/** pinbox: a report may cover at most this many ad-days (ads of the account × days); more is Pinterest's cost-limit 429. */
export const REPORT_COST_LIMIT_AD_DAYS = 2_000_000;
export const REPORT_FILE_PATH = '/async_reporting_v3';

/** Pinterest: MetricsReportingLevel; the levels pinbox makes rows for, and the analytics level each reads. */
const LEVELS: Readonly<Record<string, { level: Level; targeting: boolean; keyword?: true } | null>> = {
  ADVERTISER: { level: 'ADVERTISER', targeting: false },
  ADVERTISER_TARGETING: { level: 'ADVERTISER', targeting: true },
  CAMPAIGN: { level: 'CAMPAIGN', targeting: false },
  CAMPAIGN_TARGETING: { level: 'CAMPAIGN', targeting: true },
  AD_GROUP: { level: 'AD_GROUP', targeting: false },
  AD_GROUP_TARGETING: { level: 'AD_GROUP', targeting: true },
  PIN_PROMOTION: { level: 'AD', targeting: false },
  PIN_PROMOTION_TARGETING: { level: 'AD', targeting: true },
  // pinbox: a keyword's row is its share of its ad group's figures, as KEYWORD targeting analytics split them.
  KEYWORD: { level: 'AD_GROUP', targeting: true, keyword: true },
  // pinbox: PRODUCT_GROUP rows are product group promotions' (AdsAnalytics.productGroupRows); the other
  // product levels have no rows yet.
  PRODUCT_GROUP: null,
  PRODUCT_GROUP_TARGETING: null,
  PRODUCT_ITEM: null,
  PRODUCT_ITEM_TARGETING: null,
};

const ids = (max: number) => ({ type: 'array', minItems: 1, maxItems: max, items: { type: 'string', pattern: '^\\d+$', maxLength: 18 } }) as const;
const statuses = { type: 'array', minItems: 1, maxItems: 6, items: { type: 'string', pattern: '^[A-Z_]+$' } } as const;

/** The body of reports/create (Pinterest's AdsAnalyticsCreateAsyncRequest, the parts pinbox reads checked). */
const createBody = {
  type: 'object',
  required: ['start_date', 'end_date', 'granularity', 'level', 'columns'],
  properties: {
    start_date: { type: 'string', pattern: '^(\\d{4})-(\\d{2})-(\\d{2})$' },
    end_date: { type: 'string', pattern: '^(\\d{4})-(\\d{2})-(\\d{2})$' },
    granularity: { type: 'string', enum: GRANULARITIES },
    level: { type: 'string', enum: Object.keys(LEVELS) },
    columns: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Z0-9_]+$' } },
    click_window_days: { type: 'integer', enum: ATTRIBUTION_WINDOW_DAYS },
    engagement_window_days: { type: 'integer', enum: ATTRIBUTION_WINDOW_DAYS },
    view_window_days: { type: 'integer', enum: ATTRIBUTION_WINDOW_DAYS },
    conversion_report_time: { type: 'string', enum: ['TIME_OF_AD_ACTION', 'TIME_OF_CONVERSION'] },
    attribution_types: { type: 'array', items: { type: 'string', enum: ['INDIVIDUAL', 'HOUSEHOLD'] } },
    report_format: { type: 'string', enum: ['JSON', 'CSV'] },
    primary_sort: { type: 'string', enum: ['BY_ID', 'BY_DATE'] },
    start_hour: { type: 'integer', minimum: 0, maximum: 23 },
    end_hour: { type: 'integer', minimum: 0, maximum: 23 },
    campaign_ids: ids(500),
    campaign_statuses: statuses,
    campaign_objective_types: { type: 'array', minItems: 1, items: { type: 'string' } },
    ad_group_ids: ids(500),
    ad_group_statuses: statuses,
    ad_ids: ids(500),
    ad_statuses: statuses,
    product_group_ids: ids(500),
    product_group_statuses: statuses,
    product_item_ids: ids(500),
    targeting_types: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Z_]+$' } },
    metrics_filters: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['field', 'operator', 'values'],
        properties: {
          field: { type: 'string', enum: ['SPEND_IN_DOLLAR', 'TOTAL_IMPRESSION'] },
          operator: { type: 'string', enum: ['LESS_THAN', 'GREATER_THAN'] },
          values: { type: 'array', minItems: 1, items: { type: 'number' } },
        },
      },
    },
    reporting_timezone: { type: 'string', enum: ['PINTEREST_TIME_ZONE', 'AD_ACCOUNT_TIME_ZONE'] },
    combine_targeting_types: { type: 'boolean' },
    custom_conversion_event_metrics: { type: 'array' },
  },
} as const;

/** The kinds of async reports: ads delivery (reports), Marketing Mix Modeling (mmm_reports), brand, category and SKU (reports/brand_category_sku). */
export type ReportKind = 'DELIVERY' | 'MMM' | 'PRODUCT';

/**
 * Pinterest (ConversionProductReportRequest): the start date after 2024-03-16, at
 * least a 7-day window and at most a year between the dates.
 */
function checkProductDates(start: string, end: string): { from: number; to: number } {
  const from = dayNumber(start);
  const to = dayNumber(end);
  if (!Number.isFinite(from) || dayString(from) !== start) throw invalidField('start_date', `must be a date in the form YYYY-MM-DD (UTC), got '${start}'`);
  if (!Number.isFinite(to) || dayString(to) !== end) throw invalidField('end_date', `must be a date in the form YYYY-MM-DD (UTC), got '${end}'`);
  if (from <= dayNumber('2024-03-16')) throw invalidField('start_date', 'must be after 2024-03-16');
  if (to - from + 1 < 7) throw invalidField('end_date', "must be at least 7 days from 'start_date' (a 7-day window at least)");
  if (to - from > 365) throw invalidField('end_date', "must be at most a year after 'start_date'");
  return { from, to };
}

export interface ReportRequest {
  start_date: string;
  end_date: string;
  granularity: Granularity;
  level: string;
  columns: string[];
  report_format?: 'JSON' | 'CSV';
  primary_sort?: 'BY_ID' | 'BY_DATE';
  start_hour?: number;
  end_hour?: number;
  campaign_ids?: string[];
  campaign_statuses?: string[];
  campaign_objective_types?: string[];
  ad_group_ids?: string[];
  ad_group_statuses?: string[];
  ad_ids?: string[];
  ad_statuses?: string[];
  product_group_ids?: string[];
  targeting_types?: string[];
  metrics_filters?: { field: 'SPEND_IN_DOLLAR' | 'TOTAL_IMPRESSION'; operator: 'LESS_THAN' | 'GREATER_THAN'; values: number[] }[];
}

interface ReportRow {
  token: string;
  ad_account_id: string;
  request: string;
  due_at: number;
  finished_at: number | null;
  file: string | null;
  file_format: string | null;
}

export class ReportService {
  private readonly urls: SignedUrls;

  constructor(
    private readonly deps: {
      db: Database;
      clock: Clock;
      accounts: AdAccountService;
      analytics: AdsAnalytics;
      entities: { campaigns: AdEntity; adGroups: AdEntity; ads: AdEntity };
      instanceSecret: Buffer;
    },
  ) {
    this.urls = new SignedUrls(deps.instanceSecret, 'ads-report-url', deps.clock);
  }

  /** reports/create (and the MMM and product reports): checks the request now (every 400 at once), answers a token; the file is made when due. */
  async create(userId: string, accountId: string, body: ReportRequest, kind: ReportKind = 'DELIVERY'): Promise<{ report_status: 'IN_PROGRESS'; token: string; message: string }> {
    await this.deps.accounts.require(userId, accountId, CAMPAIGN_ROLES.read);
    const now = this.deps.clock.now();
    const { from, to } = kind === 'PRODUCT' ? checkProductDates(body.start_date, body.end_date) : checkDates(body.start_date, body.end_date, body.granularity, 'async', now);
    if (kind === 'DELIVERY') {
      const level = LEVELS[body.level];
      if (level?.targeting && !level.keyword && !body.targeting_types?.length) throw invalidField('targeting_types', `is required for level ${body.level}`);
      if ((body.start_hour !== undefined || body.end_hour !== undefined) && body.granularity !== 'HOUR') throw invalidField('start_hour', 'needs granularity HOUR');
    }
    const ads = await this.deps.db.get<{ n: number }>('SELECT COUNT(*) AS n FROM ads WHERE ad_account_id = ?', [accountId]);
    if (Number(ads?.n ?? 0) * (to - from + 1) > REPORT_COST_LIMIT_AD_DAYS) throw new ApiError('reporting_cost_limit');
    const token = randomBytes(16).toString('hex');
    await this.deps.db.run('INSERT INTO ad_reports (token, ad_account_id, kind, request, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?)', [
      token,
      accountId,
      kind,
      JSON.stringify(body),
      now,
      now + REPORT_TIMES.processingMs,
    ]);
    return { report_status: 'IN_PROGRESS', token, message: '' };
  }

  /** reports/get: IN_PROGRESS until due, then FINISHED with a URL (made now, 5 minutes), EXPIRED an hour after it finished. */
  async status(userId: string, accountId: string, token: string, base: string, kind: ReportKind = 'DELIVERY'): Promise<{ report_status: string; url: string | null; size: number | null }> {
    const { account } = await this.deps.accounts.require(userId, accountId, CAMPAIGN_ROLES.read);
    const row = await this.deps.db.get<ReportRow>('SELECT * FROM ad_reports WHERE token = ? AND ad_account_id = ? AND kind = ?', [token, accountId, kind]);
    if (!row) return { report_status: 'DOES_NOT_EXIST', url: null, size: null };
    const now = this.deps.clock.now();
    if (Number(row.due_at) > now) return { report_status: 'IN_PROGRESS', url: null, size: null };
    const finishedAt = row.finished_at === null ? Number(row.due_at) : Number(row.finished_at);
    if (now >= finishedAt + REPORT_TIMES.reportMs) {
      if (row.file !== null) await this.deps.db.run('UPDATE ad_reports SET file = NULL, finished_at = ? WHERE token = ?', [finishedAt, token]);
      return { report_status: 'EXPIRED', url: null, size: null };
    }
    let file = row.file;
    if (row.finished_at === null) {
      const request = JSON.parse(row.request) as ReportRequest;
      file = await this.make(account, request, kind);
      // One maker wins: a second GET at the same moment keeps the first file.
      const kept = await this.deps.db.run('UPDATE ad_reports SET file = ?, file_format = ?, finished_at = ? WHERE token = ? AND finished_at IS NULL', [file, request.report_format ?? 'JSON', finishedAt, token]);
      if (kept.changes === 0) file = (await this.deps.db.get<{ file: string }>('SELECT file FROM ad_reports WHERE token = ?', [token]))!.file;
    }
    return { report_status: 'FINISHED', url: `${base}${REPORT_FILE_PATH}/${token}/metrics_report.txt?${this.urls.query(token, REPORT_TIMES.urlMs)}`, size: Buffer.byteLength(file ?? '') };
  }

  /** The rows of a report: those the sync analytics answer for the same level, columns, dates and granularity, filtered and sorted. */
  async reportRows(account: AdAccountRow, body: ReportRequest): Promise<Record<string, unknown>[]> {
    const level = LEVELS[body.level];
    if (!level && body.level !== 'PRODUCT_GROUP') return [];
    // The dates were checked at create; the clock may have moved since.
    const [from, to] = [dayNumber(body.start_date), dayNumber(body.end_date)];
    const filterColumns = (body.metrics_filters ?? []).map((f) => (f.field === 'SPEND_IN_DOLLAR' ? 'SPEND_IN_DOLLAR' : 'TOTAL_IMPRESSION'));
    const columns = [...new Set([...body.columns, ...filterColumns])];
    const asked: AnalyticsRequest = { level: level?.level ?? 'AD_GROUP', from, to, granularity: body.granularity, columns, attribution: attributionOf(body as unknown as Record<string, unknown>), ...(await this.filters(account, body)) };
    let rows: Record<string, unknown>[];
    if (body.level === 'PRODUCT_GROUP') {
      rows = await this.deps.analytics.productGroupRows(account, { ...asked, ids: body.product_group_ids ?? null });
    } else if (!level) {
      rows = [];
    } else if (level.keyword) {
      rows = (await this.deps.analytics.targetingRows(account, asked, ['KEYWORD_ID'])).map((t) => ({ KEYWORD_ID: t.targeting_value, ...t.metrics }));
    } else if (level.targeting) {
      rows = (await this.deps.analytics.targetingRows(account, asked, body.targeting_types ?? [])).map((t) => ({ TARGETING_TYPE: t.targeting_type, TARGETING_VALUE: t.targeting_value, ...t.metrics }));
    } else {
      rows = await this.deps.analytics.rows(account, asked);
    }
    for (const filter of body.metrics_filters ?? []) {
      rows = rows.filter((row) => {
        const value = Number(row[filter.field] ?? 0);
        return filter.operator === 'LESS_THAN' ? value < filter.values[0] : value > filter.values[0];
      });
    }
    // Pinterest: with HOUR granularity, start_hour cuts the first day and end_hour the last.
    if (body.granularity === 'HOUR' && (body.start_hour !== undefined || body.end_hour !== undefined)) {
      rows = rows.filter(
        (row) => !(row.DATE === body.start_date && Number(row.HOUR) < (body.start_hour ?? 0)) && !(row.DATE === body.end_date && Number(row.HOUR) > (body.end_hour ?? 23)),
      );
    }
    const extra = filterColumns.filter((c) => !body.columns.includes(c));
    for (const row of rows) for (const column of extra) delete row[column];
    if (body.primary_sort === 'BY_DATE') rows.sort((a, b) => String(a.DATE ?? '').localeCompare(String(b.DATE ?? '')) || Number(a.HOUR ?? 0) - Number(b.HOUR ?? 0));
    return rows;
  }

  /** Status and id filters, as id lists the analytics filter by. */
  private async filters(account: AdAccountRow, body: ReportRequest): Promise<Partial<AnalyticsRequest>> {
    const out: Partial<AnalyticsRequest> = {};
    if (body.campaign_ids) out.campaignIds = body.campaign_ids;
    if (body.ad_group_ids) out.adGroupIds = body.ad_group_ids;
    if (body.ad_ids) out.adIds = body.ad_ids;
    const now = this.deps.clock.now();
    const every = ['ACTIVE', 'PAUSED', 'ARCHIVED', 'DRAFT', 'DELETED_DRAFT'];
    const { campaigns, adGroups, ads } = this.deps.entities;
    const all = (entity: AdEntity) => entity.store.list(this.deps.db, account.id, every, null, false, null, Number.MAX_SAFE_INTEGER);
    const intersect = (current: readonly string[] | null | undefined, allowed: string[]) => (current ? current.filter((id) => allowed.includes(id)) : allowed);
    if (body.campaign_statuses || body.campaign_objective_types) {
      const chosen = (await all(campaigns)).filter(
        (c) => (!body.campaign_statuses || body.campaign_statuses.includes(deliverySummary(c, [], now))) && (!body.campaign_objective_types || body.campaign_objective_types.includes(String(c.objective_type))),
      );
      out.campaignIds = intersect(out.campaignIds, chosen.map((c) => c.id));
    }
    if (body.ad_group_statuses) {
      const byId = new Map((await all(campaigns)).map((c) => [c.id, c]));
      const chosen = (await all(adGroups)).filter((g) => body.ad_group_statuses!.includes(deliverySummary(g, [byId.get(String(g.campaign_id))].filter((c): c is EntityRecord => !!c), now)));
      out.adGroupIds = intersect(out.adGroupIds, chosen.map((g) => g.id));
    }
    if (body.ad_statuses) {
      // pinbox: an ad's status for this filter is its own (PAUSED, ARCHIVED, …) or, when ACTIVE, its review (APPROVED, PENDING, REJECTED).
      const chosen = (await all(ads)).filter((a) => body.ad_statuses!.includes(a.status === 'ACTIVE' ? reviewStatusAt(a, now) : a.status));
      out.adIds = intersect(out.adIds, chosen.map((a) => a.id));
    }
    return out;
  }

  /** The report file: JSON `{entity_id: [rows]}` (Pinterest's form) or CSV (a header row, then rows). */
  private async make(account: AdAccountRow, body: ReportRequest, kind: ReportKind): Promise<string> {
    // pinbox: no conversions and no catalog products yet, so a brand, category and SKU report has no rows.
    const rows = kind === 'PRODUCT' ? [] : await this.reportRows(account, kind === 'MMM' ? { ...body, report_format: 'JSON' } : body);
    if (body.report_format === 'CSV') {
      const columns: string[] = [];
      for (const row of rows) for (const column of Object.keys(row)) if (!columns.includes(column)) columns.push(column);
      return stringify(rows, { header: true, columns: columns.length ? columns : body.columns });
    }
    const levelOf = LEVELS[body.level];
    const idColumn = levelOf?.keyword ? 'KEYWORD_ID' : levelOf ? LEVEL_ID_COLUMN[levelOf.level] : body.level === 'PRODUCT_GROUP' ? 'PRODUCT_GROUP_ID' : null;
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const row of rows) {
      const id = idColumn && row[idColumn] !== undefined ? String(row[idColumn]) : account.id;
      (out[id] ??= []).push(row);
    }
    return JSON.stringify(out);
  }

  /** A report file by its signed URL. */
  async file(token: string, expires: string | undefined, signature: string | undefined): Promise<{ body: string; contentType: string }> {
    this.urls.check(token, expires, signature);
    const row = await this.deps.db.get<ReportRow>('SELECT * FROM ad_reports WHERE token = ?', [token]);
    if (!row?.file || (row.finished_at !== null && this.deps.clock.now() >= Number(row.finished_at) + REPORT_TIMES.reportMs)) {
      throw noSuchKey();
    }
    return { body: row.file, contentType: row.file_format === 'CSV' ? 'text/csv; charset=utf-8' : 'application/json' };
  }
}

type AccountParams = { ad_account_id: string };
const tokenQuery = { type: 'object', required: ['token'], properties: { token: { type: 'string', minLength: 1, maxLength: 200 } } } as const;
const accountParams = { type: 'object', required: ['ad_account_id'], properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;

export function reportRoutes(reports: ReportService): ApiRoute[] {
  return [
    defineRoute<{ Params: AccountParams; Body: ReportRequest }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/reports',
      operationId: 'analytics/create_report',
      scopes: ['ads:read'],
      schema: { params: accountParams, body: createBody },
      handler: async (request) => reports.create(authOf(request).userId, request.params.ad_account_id, request.body),
    }),
    defineRoute<{ Params: AccountParams; Querystring: { token: string } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/reports',
      operationId: 'analytics/get_report',
      scopes: ['ads:read'],
      schema: { params: accountParams, querystring: tokenQuery },
      handler: async (request) => reports.status(authOf(request).userId, request.params.ad_account_id, request.query.token, publicBase(request)),
    }),
  ];
}

/** Pinterest: MMMReportingTargetingType. */
const MMM_TARGETING_TYPES = ['APPTYPE', 'COUNTRY', 'CREATIVE_TYPE', 'GENDER', 'LOCATION'];

const mmmBody = {
  type: 'object',
  required: ['report_name', 'start_date', 'end_date', 'granularity', 'level', 'targeting_types', 'columns'],
  properties: {
    report_name: { type: 'string', minLength: 1, maxLength: 255 },
    start_date: createBody.properties.start_date,
    end_date: createBody.properties.end_date,
    granularity: { type: 'string', enum: ['DAY', 'WEEK'] },
    level: { type: 'string', enum: ['CAMPAIGN_TARGETING', 'AD_GROUP_TARGETING'] },
    targeting_types: { type: 'array', minItems: 1, maxItems: 5, items: { type: 'string', enum: MMM_TARGETING_TYPES } },
    columns: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Z0-9_]+$' } },
    countries: { type: 'array', items: { type: 'string', pattern: '^[A-Z]{2}$' } },
  },
} as const;

const productBody = {
  type: 'object',
  required: ['report_name', 'start_date', 'end_date', 'granularity', 'level', 'columns'],
  properties: {
    report_name: { type: 'string', minLength: 1, maxLength: 255 },
    start_date: createBody.properties.start_date,
    end_date: createBody.properties.end_date,
    granularity: { type: 'string', enum: ['WEEK', 'MONTH', 'TOTAL'] },
    level: { type: 'string', enum: ['ADVERTISER', 'CAMPAIGN', 'AD_GROUP'] },
    columns: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^[A-Z0-9_]+$' } },
    campaign_ids: ids(500),
    ad_group_ids: ids(500),
    campaign_objective_types: { type: 'array', minItems: 1, maxItems: 7, items: { type: 'string' } },
    click_window_days: createBody.properties.click_window_days,
    engagement_window_days: createBody.properties.engagement_window_days,
    view_window_days: createBody.properties.view_window_days,
    conversion_report_time: createBody.properties.conversion_report_time,
    conversion_product_attribution_type: { type: 'string', enum: ['DEFAULT', 'BRAND_ATTRIBUTION'] },
    conversion_product_breakdown: { type: 'string', enum: ['PRODUCT_BRAND', 'PRODUCT_CATEGORY', 'PRODUCT_BRAND_AND_CATEGORY', 'PRODUCT_SKU', 'PRODUCT_SKU_GROUP'] },
    product_sku_ids: { type: 'array', minItems: 2, maxItems: 500, items: { type: 'string', pattern: '^[a-zA-Z0-9]+$' } },
  },
} as const;

/** Marketing Mix Modeling reports (mmm_reports): targeting rows by campaign or ad group, in Pinterest's `{code, data}` envelope. */
export function mmmReportRoutes(reports: ReportService): ApiRoute[] {
  return [
    defineRoute<{ Params: AccountParams; Body: ReportRequest }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/mmm_reports',
      operationId: 'analytics/create_mmm_report',
      scopes: ['ads:read'],
      schema: { params: accountParams, body: mmmBody },
      handler: async (request) => {
        const created = await reports.create(authOf(request).userId, request.params.ad_account_id, request.body, 'MMM');
        return { code: 0, data: { ...created, status: 'success' } };
      },
    }),
    defineRoute<{ Params: AccountParams; Querystring: { token: string } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/mmm_reports',
      operationId: 'analytics/get_mmm_report',
      scopes: ['ads:read'],
      schema: { params: accountParams, querystring: tokenQuery },
      handler: async (request) => ({
        code: 0,
        data: await reports.status(authOf(request).userId, request.params.ad_account_id, request.query.token, publicBase(request), 'MMM'),
        message: 'ok',
        status: 'success',
      }),
    }),
    defineRoute<{ Params: AccountParams; Body: ReportRequest }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/reports/brand_category_sku',
      operationId: 'analytics/create_conversion_product_report',
      scopes: ['ads:read'],
      schema: { params: accountParams, body: productBody },
      handler: async (request) => reports.create(authOf(request).userId, request.params.ad_account_id, request.body, 'PRODUCT'),
    }),
    defineRoute<{ Params: AccountParams; Querystring: { token: string } }>({
      method: 'GET',
      url: '/ad_accounts/:ad_account_id/reports/brand_category_sku',
      operationId: 'analytics/get_conversion_product_report',
      scopes: ['ads:read'],
      schema: { params: accountParams, querystring: tokenQuery },
      handler: async (request) => reports.status(authOf(request).userId, request.params.ad_account_id, request.query.token, publicBase(request), 'PRODUCT'),
    }),
  ];
}

/**
 * Template reports (`templates/{template_id}/reports`). pinbox: report templates
 * are made in Ads Manager, which pinbox has not, so an account has none
 * (templates/list answers none) and every template id is not found; the dates given
 * are checked first, by the async rules.
 */
export function templateReportRoutes(deps: { accounts: AdAccountService; clock: Clock }): ApiRoute[] {
  return [
    defineRoute<{ Params: AccountParams & { template_id: string }; Querystring: { start_date?: string; end_date?: string; granularity?: Granularity } }>({
      method: 'POST',
      url: '/ad_accounts/:ad_account_id/templates/:template_id/reports',
      operationId: 'analytics/create_template_report',
      scopes: ['ads:read'],
      schema: {
        params: { type: 'object', required: ['ad_account_id', 'template_id'], properties: { ...accountParams.properties, template_id: { type: 'string', maxLength: 18, minLength: 1 } } },
        querystring: { type: 'object', properties: { start_date: createBody.properties.start_date, end_date: createBody.properties.end_date, granularity: createBody.properties.granularity } },
      },
      handler: async (request) => {
        await deps.accounts.require(authOf(request).userId, request.params.ad_account_id, CAMPAIGN_ROLES.read);
        const { start_date, end_date, granularity } = request.query;
        if (start_date !== undefined || end_date !== undefined) {
          const today = dayString(Math.floor(deps.clock.now() / 86_400_000));
          checkDates(start_date ?? end_date ?? today, end_date ?? today, granularity ?? 'DAY', 'async', deps.clock.now());
        }
        throw new ApiError('ad_entity_not_found', `Template ${request.params.template_id} not found in ad account ${request.params.ad_account_id}.`);
      },
    }),
  ];
}

/** Where report files are served, refusing as S3 does. */
export function reportFilePages(reports: ReportService) {
  return (app: FastifyInstance): void =>
    serveSignedFiles(app, `${REPORT_FILE_PATH}/:token/:file`, async ({ token, file }, expires, signature) => {
      if (!/^[0-9a-f]{32}$/.test(token) || file !== 'metrics_report.txt') throw noSuchKey();
      return reports.file(token, expires, signature);
    });
}
