/**
 * Bulk (the spec's `bulk` tag): bulk/upsert and bulk/download run asynchronously on
 * pinbox's clock. A request is a row of `ad_bulk_requests`, RUNNING until its
 * processing time has passed; then it is carried out once (by the clock's due task,
 * or by the first status read that finds it due, whichever comes first, in any
 * process) and its result file kept in the row, served at a signed, expiring URL.
 * Because the request lives in the store, a restarted pinbox finishes what it held.
 */
import { stringify } from 'csv-stringify/sync';
import { noSuchKey, SignedUrls, type SignedFile } from './signed-files.js';
import type { Clock } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { Database, Queryable } from '../../storage/database.js';
import type { AdAccountService } from './ad-accounts.js';
import type { AdIds } from './ad-ids.js';
import { READ_ONLY_FIELDS, type EntityRecord, type EntityService } from './entity.js';
import type { AdAccountRole, AdAccountRow, RoleSet } from './roles.js';

/** pinbox: how long a bulk request runs on pinbox's clock (Pinterest documents no figure). */
export const BULK_PROCESSING_MS = 10_000;
/** pinbox: a result URL is good this long from the status read that gave it, as Pinterest's report URLs are (5 minutes). */
export const BULK_RESULT_URL_TTL_MS = 5 * 60_000;
/** pinbox: the most items one list of a bulk/upsert may hold (Pinterest documents no limit). */
export const BULK_ITEMS_MAX = 1000;

/** Pinterest: the lists bulk/upsert takes (BulkUpsertRequestCreate) that pinbox has no entity for yet. */
const UPSERT_LISTS_NOT_SERVED = ['product_groups', 'catalog_product_groups'];
/** pinbox: bulk/download gives what an upsert could still change: no archived entity, no deleted draft. */
const DOWNLOAD_STATUSES = ['ACTIVE', 'PAUSED', 'DRAFT'];

export type BulkKind = 'UPSERT' | 'DOWNLOAD';
export type BulkStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED';

interface BulkRow {
  id: string;
  ad_account_id: string;
  user_id: string;
  kind: BulkKind;
  status: BulkStatus;
  request: string;
  created_at: number;
  due_at: number;
  result: string | null;
  result_format: 'JSON' | 'CSV' | null;
}

export interface UpsertRequest {
  create?: Record<string, Record<string, unknown>[]>;
  update?: Record<string, Record<string, unknown>[]>;
}

export interface DownloadRequest {
  entity_types?: string[];
  entity_ids?: string[];
  updated_since?: string;
  output_format?: 'JSON' | 'CSV';
  campaign_filter?: { campaign_status?: string[]; objective_type?: string[]; name?: string; start_time?: string; end_time?: string };
}

/**
 * A list of bulk/upsert and an entity type of bulk/download answered in its own
 * shape rather than the batch routes' `{data, exceptions}` (keywords and labels:
 * `{keywords, errors}`), by its own service. Its items are checked when submitted
 * and written after the entities, so they may name what the same upsert made.
 */
export interface BulkPart {
  /** Its key in `create` and `update`, and in a download's file. */
  list: string;
  /** Its BulkEntityType. */
  type: string;
  roles: { read: RoleSet; write: RoleSet };
  /** Refuses a malformed item as its route's schema would, naming it. */
  check(write: 'create' | 'update', items: readonly Record<string, unknown>[]): void;
  /** Writes the items in the caller's transaction: one answer per item, with how many things it wrote and had refused. */
  upsert(tx: Queryable, account: AdAccountRow, write: 'create' | 'update', items: readonly Record<string, unknown>[]): Promise<{ answer: unknown; written: number; refused: number }[]>;
  /**
   * Its records with one of `statuses` that the download keeps, as answered:
   * `kept` says whether one whose parent is of `resource` (null: the ad account) is kept.
   */
  download(tx: Queryable, account: AdAccountRow, statuses: readonly string[], kept: (resource: string | null, parentId: string, record: EntityRecord) => boolean): Promise<Record<string, unknown>[]>;
}

/** The roles held in every one of `sets` (an operation touching several entities needs each one's). */
function everyOf(sets: readonly RoleSet[]): RoleSet {
  const lists = sets.filter((set): set is readonly AdAccountRole[] => set !== 'any');
  if (lists.length === 0) return 'any';
  return lists.reduce((held, next) => held.filter((role) => next.includes(role)));
}

/** Where a result file is served: Pinterest's bulk result URLs name the framework and the job kind. */
export const BULK_RESULT_PATH = '/bulk_framework';
const FILE_FOLDER: Record<BulkKind, string> = { UPSERT: 'AD_ENTITY_UPSERT', DOWNLOAD: 'AD_ENTITY_DOWNLOAD' };

export class BulkService {
  private readonly urls: SignedUrls;
  /** The clock tasks this process holds, by request id (cancelled when the store changes under them). */
  private readonly scheduled = new Map<string, () => void>();

  constructor(
    private readonly deps: {
      db: Database;
      clock: Clock;
      ids: AdIds;
      accounts: AdAccountService;
      /** The ad-account entities, parents before children (the order upserts are written in). */
      entities: readonly EntityService[];
      /** Lists answered in their own shape (keywords, labels), written after the entities. */
      parts?: readonly BulkPart[];
      instanceSecret: Buffer;
    },
  ) {
    this.urls = new SignedUrls(deps.instanceSecret, 'ads-bulk-result-url', deps.clock);
  }

  private byResource(resource: string): EntityService | undefined {
    return this.deps.entities.find((service) => service.entity.resource === resource);
  }

  private byType(type: string): EntityService | undefined {
    return this.deps.entities.find((service) => service.entity.bulk.type === type);
  }

  /** Parts other families add once built (product group promotions' `product_groups`). */
  private readonly laterParts: BulkPart[] = [];

  private get parts(): readonly BulkPart[] {
    return [...(this.deps.parts ?? []), ...this.laterParts];
  }

  /** Adds a list answered by another family's service (it then is no longer "not served"). */
  addPart(part: BulkPart): void {
    this.laterParts.push(part);
  }

  /** The roles of the entities and parts a request touches (every one's, if it names none). */
  private rolesOf(services: readonly EntityService[], parts: readonly BulkPart[], use: 'read' | 'write'): RoleSet {
    const sets = [...services.map((service) => service.entity.roles[use]), ...parts.map((part) => part.roles[use])];
    return everyOf(sets.length ? sets : [...this.deps.entities.map((service) => service.entity.roles[use]), ...this.parts.map((part) => part.roles[use])]);
  }

  /** Checks an upsert's lists (each item is checked when it runs, as the synchronous routes check it) and keeps it. */
  async submitUpsert(userId: string, accountId: string, body: UpsertRequest): Promise<{ request_id: string }> {
    let items = 0;
    for (const write of ['create', 'update'] as const) {
      for (const [list, given] of Object.entries(body[write] ?? {})) {
        const service = this.byResource(list);
        const part = this.parts.find((p) => p.list === list);
        if (part) {
          if (given.length > BULK_ITEMS_MAX) throw invalidField(`${write}.${list}`, `holds ${given.length} items; pinbox takes at most ${BULK_ITEMS_MAX} a list`);
          part.check(write, given);
          items += given.length;
          continue;
        }
        if (!service) {
          // pinbox: a 400 rather than the 501 of an unserved route, since the request itself is served.
          if (UPSERT_LISTS_NOT_SERVED.includes(list)) throw invalidField(`${write}.${list}`, `names ${list}, which pinbox does not serve yet`);
          throw invalidField(`${write}.${list}`, `is not a list bulk/upsert takes (${[...this.deps.entities.map((s) => s.entity.resource), ...this.parts.map((p) => p.list), ...UPSERT_LISTS_NOT_SERVED.filter((l) => !this.parts.some((p) => p.list === l))].join(', ')})`);
        }
        if (given.length > BULK_ITEMS_MAX) throw invalidField(`${write}.${list}`, `holds ${given.length} items; pinbox takes at most ${BULK_ITEMS_MAX} a list`);
        items += given.length;
      }
    }
    if (items === 0) throw invalidField('create', "and 'update' hold no item: there is nothing to upsert");
    return this.submit(userId, accountId, 'UPSERT', body);
  }

  async submitDownload(userId: string, accountId: string, body: DownloadRequest): Promise<{ request_id: string }> {
    return this.submit(userId, accountId, 'DOWNLOAD', body);
  }

  private allTypes(): string[] {
    return [...this.deps.entities.map((service) => service.entity.bulk.type), ...this.parts.map((part) => part.type)];
  }

  /**
   * The roles a request needs on its account: every touched entity's (and list's)
   * write roles for an upsert, every downloaded entity's read roles for a download. Checked
   * when it is submitted and again when it runs (a role taken away meanwhile fails it).
   */
  private rolesFor(kind: BulkKind, body: UpsertRequest & DownloadRequest): RoleSet {
    if (kind === 'UPSERT') {
      const lists = new Set([...Object.keys(body.create ?? {}), ...Object.keys(body.update ?? {})]);
      return this.rolesOf(
        this.deps.entities.filter((service) => lists.has(service.entity.resource)),
        this.parts.filter((part) => lists.has(part.list)),
        'write',
      );
    }
    const types = body.entity_types ?? this.allTypes();
    const served = types.map((type) => this.byType(type)).filter((service): service is EntityService => service !== undefined);
    return this.rolesOf(served, this.parts.filter((part) => types.includes(part.type)), 'read');
  }

  private async submit(userId: string, accountId: string, kind: BulkKind, body: object): Promise<{ request_id: string }> {
    await this.deps.accounts.require(userId, accountId, this.rolesFor(kind, body));
    const now = this.deps.clock.now();
    const id = this.deps.ids.next();
    const dueAt = now + BULK_PROCESSING_MS;
    await this.deps.db.run(
      "INSERT INTO ad_bulk_requests (id, ad_account_id, user_id, kind, status, request, created_at, due_at) VALUES (?, ?, ?, ?, 'RUNNING', ?, ?, ?)",
      [id, accountId, userId, kind, JSON.stringify(body), now, dueAt],
    );
    this.schedule(id, dueAt);
    return { request_id: id };
  }

  private schedule(id: string, dueAt: number): void {
    this.scheduled.get(id)?.();
    this.scheduled.set(
      id,
      this.deps.clock.schedule(dueAt, 'ads bulk request', async () => {
        this.scheduled.delete(id);
        await this.settle(id);
      }),
    );
  }

  /** Schedules every request the store holds RUNNING (on start, and after a reset or a restore). */
  async scheduleRunning(): Promise<void> {
    for (const cancel of this.scheduled.values()) cancel();
    this.scheduled.clear();
    const rows = await this.deps.db.all<{ id: string; due_at: number }>("SELECT id, due_at FROM ad_bulk_requests WHERE status = 'RUNNING'");
    for (const row of rows) this.schedule(row.id, Number(row.due_at));
  }

  /**
   * Carries a request out if it is due and nobody has: the claim (an UPDATE of a
   * RUNNING row) lets one transaction of one process win; a second waits on the row
   * and finds it no longer RUNNING.
   */
  async settle(id: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.db.transaction(async (tx) => {
      const claimed = await tx.run("UPDATE ad_bulk_requests SET status = 'RUNNING' WHERE id = ? AND status = 'RUNNING' AND due_at <= ?", [id, now]);
      if (claimed.changes === 0) return;
      const row = (await tx.get<BulkRow>('SELECT * FROM ad_bulk_requests WHERE id = ?', [id]))!;
      const request = JSON.parse(row.request) as UpsertRequest & DownloadRequest;
      const access = await this.accessAtRun(tx, row, request);
      const outcome =
        'refusal' in access
          ? { status: 'FAILED' as const, file: JSON.stringify({ error: access.refusal }), format: 'JSON' as const }
          : row.kind === 'UPSERT'
            ? await this.upsert(tx, access.account, request)
            : await this.download(tx, access.account, request);
      await tx.run('UPDATE ad_bulk_requests SET status = ?, result = ?, result_format = ? WHERE id = ?', [outcome.status, outcome.file, outcome.format, id]);
    });
  }

  /**
   * The requester's access when the request runs: the account may have gone (a
   * sandbox deleted) or the role that allowed it been taken away since it was
   * submitted. pinbox: then the request is FAILED and its file holds the refusal the
   * synchronous route would answer now.
   */
  private async accessAtRun(tx: Queryable, row: BulkRow, request: UpsertRequest & DownloadRequest): Promise<{ account: AdAccountRow } | { refusal: { code: number; message: string } }> {
    try {
      return await this.deps.accounts.require(row.user_id, row.ad_account_id, this.rolesFor(row.kind, request), tx);
    } catch (error) {
      if (error instanceof ApiError) return { refusal: { code: error.code, message: error.message } };
      throw error;
    }
  }

  /**
   * Writes an upsert: creates, then updates, each parents before children, item by
   * item through the entities' own create and update (the same rules and answers as
   * the synchronous routes). The fields an entity's answers carry and no item takes
   * are dropped first, so a downloaded entity goes back as it came.
   * pinbox: SUCCEEDED when it ran, each refused item's exceptions in the file, as
   * the synchronous routes answer 200; FAILED when every item was refused.
   */
  private async upsert(tx: Queryable, account: AdAccountRow, request: UpsertRequest): Promise<{ status: BulkStatus; file: string; format: 'JSON' }> {
    const file: Record<string, Record<string, unknown[]>> = {};
    let written = 0;
    let refused = 0;
    for (const write of ['create', 'update'] as const) {
      for (const service of this.deps.entities) {
        const items = request[write]?.[service.entity.resource];
        if (!items) continue;
        const readOnly = new Set<string>([...READ_ONLY_FIELDS, ...service.entity.bulk.readOnly]);
        const given = items.map((item) => Object.fromEntries(Object.entries(item).filter(([field]) => !readOnly.has(field))));
        const results = await service.writeItems(tx, account, given, write);
        for (const result of results) {
          if (result.data) written++;
          else refused++;
        }
        (file[write] ??= {})[service.entity.resource] = results;
      }
      for (const part of this.parts) {
        const items = request[write]?.[part.list];
        if (!items) continue;
        const results = await part.upsert(tx, account, write, items);
        for (const result of results) {
          written += result.written;
          refused += result.refused;
        }
        (file[write] ??= {})[part.list] = results.map((result) => result.answer);
      }
    }
    return { status: written === 0 && refused > 0 ? 'FAILED' : 'SUCCEEDED', file: JSON.stringify(file), format: 'JSON' };
  }

  /**
   * The account's entities of the asked types, as the API answers them. Pinterest:
   * `entity_ids` takes those entities and their descendants; `campaign_filter` keeps
   * the campaigns it matches and their descendants; `updated_since` what changed since.
   */
  private async download(tx: Queryable, account: AdAccountRow, request: DownloadRequest): Promise<{ status: BulkStatus; file: string; format: 'JSON' | 'CSV' }> {
    const types = new Set(request.entity_types ?? this.allTypes());
    const ids = request.entity_ids ? new Set(request.entity_ids) : null;
    const filter = request.campaign_filter;
    const since = request.updated_since === undefined ? null : Number(request.updated_since) * 1000;
    const byIds = new Map<string, Set<string>>();
    const byFilter = new Map<string, Set<string>>();
    const out: Record<string, Record<string, unknown>[]> = {};
    for (const service of this.deps.entities) {
      const { entity } = service;
      const link = entity.parent;
      const records = await service.all(tx, account.id, DOWNLOAD_STATUSES);
      // The root entity (campaigns) meets campaign_filter itself; its descendants through their parents.
      const rootMatches = !link && filter ? await this.campaignFilterMatches(service, tx, account, records, filter) : null;
      const idsKept = new Set<string>();
      const filterKept = new Set<string>();
      const kept: EntityRecord[] = [];
      for (const record of records) {
        const parentId = link ? String(record[link.field]) : null;
        const inIds = !ids || ids.has(record.id) || (link !== undefined && byIds.get(link.entity.resource)!.has(parentId!));
        const inFilter = !filter || (link ? byFilter.get(link.entity.resource)!.has(parentId!) : rootMatches!.has(record.id));
        if (inIds) idsKept.add(record.id);
        if (inFilter) filterKept.add(record.id);
        if (inIds && inFilter && (since === null || record.updated_at >= since)) kept.push(record);
      }
      byIds.set(entity.resource, idsKept);
      byFilter.set(entity.resource, filterKept);
      if (types.has(entity.bulk.type)) out[entity.resource] = await service.present(tx, account, kept);
    }
    // A part's record under the ad account is kept when no filter narrows the download to campaigns, or its own id is named.
    const keptPart = (resource: string | null, parentId: string, record: EntityRecord) =>
      (!ids || ids.has(record.id) || (resource === null ? ids.has(parentId) : byIds.get(resource)!.has(parentId))) &&
      (!filter || (resource !== null && byFilter.get(resource)!.has(parentId))) &&
      (since === null || record.updated_at >= since);
    for (const part of this.parts) {
      if (types.has(part.type)) out[part.list] = await part.download(tx, account, DOWNLOAD_STATUSES, keptPart);
    }
    if (request.output_format === 'CSV') return { status: 'SUCCEEDED', file: toCsv(out, [...this.deps.entities.map((service) => ({ list: service.entity.resource, type: service.entity.bulk.type })), ...this.parts.map((part) => ({ list: part.list, type: part.type }))]), format: 'CSV' };
    return { status: 'SUCCEEDED', file: JSON.stringify(out), format: 'JSON' };
  }

  private async campaignFilterMatches(
    service: EntityService,
    tx: Queryable,
    account: AdAccountRow,
    records: readonly EntityRecord[],
    filter: NonNullable<DownloadRequest['campaign_filter']>,
  ): Promise<Set<string>> {
    const presented = await service.present(tx, account, records);
    const name = filter.name?.toLowerCase();
    const matches = presented.filter(
      (campaign) =>
        (!filter.campaign_status || filter.campaign_status.includes(String(campaign.summary_status))) &&
        (!filter.objective_type || filter.objective_type.includes(String(campaign.objective_type))) &&
        (name === undefined || String(campaign.name).toLowerCase().includes(name)) &&
        // pinbox: start_time and end_time bound the campaign's own window.
        (filter.start_time === undefined || (typeof campaign.start_time === 'number' && campaign.start_time >= Number(filter.start_time))) &&
        (filter.end_time === undefined || (typeof campaign.end_time === 'number' && campaign.end_time <= Number(filter.end_time))),
    );
    return new Set(matches.map((campaign) => String(campaign.id)));
  }

  /** The status of a request the caller may read; carried out first if it is due. */
  async status(userId: string, accountId: string, id: string, base: string): Promise<{ status: BulkStatus; result_url?: string }> {
    const row = await this.row(accountId, id);
    const request = JSON.parse(row.request) as UpsertRequest & DownloadRequest;
    const names = (list: string, type: string) =>
      row.kind === 'UPSERT' ? Boolean(request.create?.[list] || request.update?.[list]) : !request.entity_types || request.entity_types.includes(type);
    const services = this.deps.entities.filter((service) => names(service.entity.resource, service.entity.bulk.type));
    await this.deps.accounts.require(userId, accountId, this.rolesOf(services, this.parts.filter((part) => names(part.list, part.type)), 'read'));
    if (row.status === 'RUNNING' && Number(row.due_at) <= this.deps.clock.now()) await this.settle(id);
    const now = await this.row(accountId, id);
    if (now.status === 'RUNNING') return { status: 'RUNNING' };
    return { status: now.status, result_url: this.resultUrl(base, now) };
  }

  private async row(accountId: string, id: string): Promise<BulkRow> {
    const row = await this.deps.db.get<BulkRow>('SELECT * FROM ad_bulk_requests WHERE id = ? AND ad_account_id = ?', [id, accountId]);
    if (!row) throw new ApiError('ad_entity_not_found', `Bulk request ${id} not found in ad account ${accountId}.`);
    return row;
  }

  private resultUrl(base: string, row: BulkRow): string {
    const file = `result.${row.result_format === 'CSV' ? 'csv' : 'json'}`;
    return `${base}${BULK_RESULT_PATH}/${FILE_FOLDER[row.kind]}/${row.id}/${file}?${this.urls.query(row.id, BULK_RESULT_URL_TTL_MS)}`;
  }

  /** A result file, when its URL's signature holds and it has not expired on pinbox's clock. */
  async resultFile(id: string, expires: string | undefined, signature: string | undefined): Promise<SignedFile> {
    this.urls.check(id, expires, signature);
    const row = await this.deps.db.get<BulkRow>('SELECT * FROM ad_bulk_requests WHERE id = ?', [id]);
    if (!row?.result) throw noSuchKey();
    return { contentType: row.result_format === 'CSV' ? 'text/csv; charset=utf-8' : 'application/json', body: row.result };
  }
}

/**
 * pinbox: a download as CSV is one table: an `entity_type` column (the spec's
 * BulkEntityType), then every field any row has, in the order the API answers them;
 * objects and lists are JSON in their cell, null an empty cell.
 */
function toCsv(out: Record<string, Record<string, unknown>[]>, lists: readonly { list: string; type: string }[]): string {
  const columns: string[] = ['entity_type'];
  const rows: Record<string, unknown>[] = [];
  for (const { list, type } of lists) {
    for (const record of out[list] ?? []) {
      for (const field of Object.keys(record)) if (!columns.includes(field)) columns.push(field);
      rows.push({ entity_type: type, ...record });
    }
  }
  return stringify(rows, { header: true, columns, cast: { boolean: (value) => String(value), object: (value) => JSON.stringify(value) } });
}
