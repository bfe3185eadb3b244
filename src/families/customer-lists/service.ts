/**
 * Customer lists (../shared/reference/ads-catalogs.md §6): records as Pinterest
 * takes them, matched for real on pinbox's clock against pinbox's users and the
 * seeded population, PROCESSING until matched, then READY or TOO_SMALL (below 100
 * matched people). Raw records are never kept: a plain email is hashed on arrival,
 * and the digests waiting for matching go once matched.
 */
import type { Bookmarks, PageRequest } from '../../kernel/pagination.js';
import type { Clock } from '../../kernel/clock.js';
import { DueRows } from '../../kernel/due-rows.js';
import { pageById } from '../../kernel/id-pages.js';
import { UrlSigner } from '../../kernel/signed-urls.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { Database, Queryable, Transaction } from '../../storage/database.js';
import type { AdAccountService } from '../ads/ad-accounts.js';
import type { AdIds } from '../ads/ad-ids.js';
import type { RoleRule } from '../ads/roles.js';
import { matchableUsers, matchDigest, pinnerIdDigests, readEmail, sha256, userDigests } from '../conversions/hashing.js';

export const LIST_TYPES = ['EMAIL', 'IDFA', 'MAID', 'LR_ID', 'DLX_ID', 'HASHED_PINNER_ID'] as const;
export type ListType = (typeof LIST_TYPES)[number];
export type ListOperation = 'ADD' | 'REMOVE';

/** Pinterest: a list is usable for targeting from 100 matched people; a smaller one is still made, as TOO_SMALL. */
export const MIN_MATCHED = 100;
/** pinbox: matching takes 5 minutes on pinbox's clock (Pinterest: up to a day or two). */
export const MATCHING_MS = 5 * 60_000;
/** pinbox: an upload that was run is read and matched 1 minute later on pinbox's clock. */
export const UPLOAD_RUN_MS = 60_000;
/** pinbox: a part's presigned URL holds for an hour on pinbox's clock. */
export const PART_URL_TTL_MS = 3600_000;
export const UPLOAD_PART_PATH = '/customer_list_uploads';

/**
 * pinbox: Pinterest documents no matrix; those who manage audiences or campaigns
 * make lists, and the Analyst reads them too.
 */
export const LIST_ROLES: RoleRule = {
  read: ['OWNER', 'ADMIN', 'AUDIENCE_MANAGER', 'CAMPAIGN_MANAGER', 'ANALYST'],
  write: ['OWNER', 'ADMIN', 'AUDIENCE_MANAGER', 'CAMPAIGN_MANAGER'],
};

export interface CustomerListRow {
  id: string;
  ad_account_id: string;
  name: string;
  list_type: ListType;
  status: string;
  num_batches: number;
  num_uploaded: number;
  num_removed: number;
  matched: number;
  due_at: number | null;
  created_at: number;
  updated_at: number;
}

interface UploadRow {
  id: string;
  list_id: string;
  ad_account_id: string;
  operation: ListOperation;
  total_parts: number;
  state: string;
  record_counts: string | null;
  error_counts: string | null;
  due_at: number | null;
  created_at: number;
  updated_at: number;
}

/** Splits `records` as Pinterest takes them: one string, comma-separated (an upload's file may use new lines too). */
export function splitRecords(records: string): string[] {
  return records
    .split(/[,\r\n]+/)
    .map((record) => record.trim())
    .filter((record) => record.length > 0);
}

/**
 * The digest a record is matched by, or null for a record that cannot be one of
 * its type. EMAIL: a plain address (normalised, SHA-256) or a SHA-256/SHA-1/MD5
 * hex; HASHED_PINNER_ID: a SHA-256 hex of a user id; the device and partner ids
 * (IDFA, MAID, LR_ID, DLX_ID) lower-cased as given (pinbox matches none of them).
 */
export function recordDigest(listType: ListType, record: string): string | null {
  if (listType === 'EMAIL') {
    const email = readEmail(record);
    return email.kind === 'plain' ? email.sha256 : email.kind === 'digest' ? email.digest : null;
  }
  const lower = record.toLowerCase();
  if (listType === 'HASHED_PINNER_ID') return /^[0-9a-f]{64}$/.test(lower) ? lower : null;
  return /^[0-9a-z._:-]{1,128}$/.test(lower) ? sha256(lower) : null;
}

export class CustomerListService {
  private readonly matching: DueRows;
  private readonly uploads: DueRows;
  private readonly signer: UrlSigner;

  constructor(private readonly deps: { db: Database; clock: Clock; ids: AdIds; bookmarks: Bookmarks; accounts: AdAccountService; instanceSecret: Buffer }) {
    this.signer = new UrlSigner(deps.instanceSecret, 'customer list upload parts');
    this.matching = new DueRows(
      deps.clock,
      'customer list matching',
      () => deps.db.all('SELECT id, due_at FROM customer_lists WHERE due_at IS NOT NULL'),
      (id) => this.match(id),
    );
    this.uploads = new DueRows(
      deps.clock,
      'customer list upload',
      () => deps.db.all("SELECT id, due_at FROM customer_list_uploads WHERE state = 'RUNNING'"),
      (id) => this.runUpload(id),
    );
  }

  /** Schedules every list waiting for matching and every running upload (on start, after a reset or restore). */
  async scheduleWaiting(): Promise<void> {
    await this.matching.scheduleWaiting();
    await this.uploads.scheduleWaiting();
  }

  async create(userId: string, accountId: string, body: { name: string; records: string; list_type?: ListType }): Promise<Record<string, unknown>> {
    const row = await this.deps.db.transaction(async (tx) => {
      await this.deps.accounts.require(userId, accountId, LIST_ROLES.write, tx);
      return this.insert(tx, accountId, body);
    });
    this.matching.schedule(row.id, row.due_at!);
    return present(row);
  }

  /** Makes a list in the caller's transaction, PROCESSING until matched (the API and fixtures). */
  async insert(tx: Transaction, accountId: string, body: { name: string; records: string; list_type?: ListType }): Promise<CustomerListRow> {
    const name = body.name.trim();
    if (!name) throw invalidField('name', 'must not be empty');
    const records = splitRecords(body.records);
    // Pinterest: one record suffices to make a list.
    if (records.length === 0) throw invalidField('records', 'must hold at least one record');
    const now = this.deps.clock.now();
    const list: CustomerListRow = {
      id: this.deps.ids.next(),
      ad_account_id: accountId,
      name,
      list_type: body.list_type ?? 'EMAIL',
      status: 'PROCESSING',
      num_batches: 1,
      num_uploaded: records.length,
      num_removed: 0,
      matched: 0,
      due_at: now + MATCHING_MS,
      created_at: now,
      updated_at: now,
    };
    await tx.run(
      'INSERT INTO customer_lists (id, ad_account_id, name, list_type, status, num_batches, num_uploaded, num_removed, matched, due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      [list.id, list.ad_account_id, list.name, list.list_type, list.status, 1, list.num_uploaded, 0, 0, list.due_at, now, now],
    );
    await this.addBatch(tx, list, 'ADD', records);
    return list;
  }

  /** Pinterest: `PATCH {operation_type, records}` adds one batch; the counters count every record sent. */
  async update(userId: string, accountId: string, listId: string, body: { operation_type: ListOperation; records: string }): Promise<Record<string, unknown>> {
    const records = splitRecords(body.records);
    if (records.length === 0) throw invalidField('records', 'must hold at least one record');
    const row = await this.deps.db.transaction(async (tx) => {
      await this.deps.accounts.require(userId, accountId, LIST_ROLES.write, tx);
      const list = await this.lockedList(tx, accountId, listId);
      await this.addUpdate(tx, list, body.operation_type, records.length, records);
      return (await this.listRow(tx, accountId, listId))!;
    });
    this.matching.schedule(row.id, Number(row.due_at));
    return present(row);
  }

  async get(userId: string, accountId: string, listId: string): Promise<Record<string, unknown>> {
    await this.deps.accounts.require(userId, accountId, LIST_ROLES.read);
    let row = await this.listRow(this.deps.db, accountId, listId);
    if (!row) throw listNotFound(accountId, listId);
    if (row.due_at !== null && Number(row.due_at) <= this.deps.clock.now()) {
      await this.match(listId);
      row = (await this.listRow(this.deps.db, accountId, listId))!;
    }
    return present(row);
  }

  async list(userId: string, accountId: string, query: PageRequest & { order?: 'ASCENDING' | 'DESCENDING' }): Promise<{ items: Record<string, unknown>[]; bookmark: string | null }> {
    await this.deps.accounts.require(userId, accountId, LIST_ROLES.read);
    const page = await pageById<CustomerListRow>(this.deps.bookmarks, this.deps.db, 'customer_lists', 'customer_lists/list', accountId, query);
    return { items: page.items.map(present), bookmark: page.bookmark };
  }

  /** The list's matched size and status (what a CUSTOMER_LIST audience derives from), or undefined. */
  async sizeOf(q: Queryable, accountId: string, listId: string): Promise<{ matched: number; status: string } | undefined> {
    const row = await this.listRow(q, accountId, listId);
    return row && { matched: Number(row.matched), status: row.status };
  }

  private async addBatch(tx: Transaction, list: CustomerListRow, operation: ListOperation, records: readonly string[]): Promise<void> {
    const digests = records.map((record) => recordDigest(list.list_type, record)).filter((digest): digest is string => digest !== null);
    await tx.run('INSERT INTO customer_list_batches (id, list_id, operation, digests) VALUES (?, ?, ?, ?)', [this.deps.ids.next(), list.id, operation, JSON.stringify(digests)]);
  }

  /**
   * One more batch of an update (a PATCH, an upload's parts): Pinterest's counters
   * count every record `sent`, and the list is PROCESSING until matched again.
   */
  private async addUpdate(tx: Transaction, list: CustomerListRow, operation: ListOperation, sent: number, records: readonly string[]): Promise<void> {
    const now = this.deps.clock.now();
    const counter = operation === 'ADD' ? 'num_uploaded' : 'num_removed';
    await tx.run(`UPDATE customer_lists SET num_batches = num_batches + 1, ${counter} = ${counter} + ?, status = 'PROCESSING', due_at = ?, updated_at = ? WHERE id = ?`, [
      sent,
      now + MATCHING_MS,
      now,
      list.id,
    ]);
    await this.addBatch(tx, list, operation, records);
  }

  private listRow(q: Queryable, accountId: string, listId: string): Promise<CustomerListRow | undefined> {
    return q.get<CustomerListRow>('SELECT * FROM customer_lists WHERE ad_account_id = ? AND id = ?', [accountId, listId]);
  }

  private async lockedList(tx: Transaction, accountId: string, listId: string): Promise<CustomerListRow> {
    await tx.lock(`customer-list:${listId}`);
    const list = await this.listRow(tx, accountId, listId);
    if (!list) throw listNotFound(accountId, listId);
    return list;
  }

  /**
   * Matches the list's waiting batches in order, when due: ADD puts whom a record
   * names among the members, REMOVE takes them out; the digests go, and the status
   * follows the matched count. One transaction, under the list's lock, so a second
   * process finds nothing left to do.
   */
  private match(listId: string): Promise<void> {
    return this.deps.db.transaction((tx) => this.matchNow(tx, listId, false));
  }

  /** Matches the list's waiting batches in the caller's transaction: when due, or at once (`now`: a fixture's list is matched as it is made). */
  async matchNow(tx: Transaction, listId: string, now: boolean): Promise<void> {
    await tx.lock(`customer-list:${listId}`);
    const list = await tx.get<CustomerListRow>('SELECT * FROM customer_lists WHERE id = ?', [listId]);
    if (!list || list.due_at === null || (!now && Number(list.due_at) > this.deps.clock.now())) return;
    const batches = await tx.all<{ id: string; operation: ListOperation; digests: string }>('SELECT id, operation, digests FROM customer_list_batches WHERE list_id = ? ORDER BY id', [listId]);
    const users = await matchableUsers(tx);
    const byDigest = list.list_type === 'HASHED_PINNER_ID' ? pinnerIdDigests(users) : list.list_type === 'EMAIL' ? userDigests(users) : new Map<string, string>();
    for (const batch of batches) {
      const members = new Set<string>();
      for (const digest of JSON.parse(batch.digests) as string[]) {
        const member = list.list_type === 'EMAIL' ? matchDigest(digest, byDigest) : byDigest.has(digest) ? `user:${byDigest.get(digest)}` : null;
        if (member) members.add(member);
      }
      for (const member of members) {
        if (batch.operation === 'ADD') await tx.run('INSERT INTO customer_list_members (list_id, member) VALUES (?, ?) ON CONFLICT DO NOTHING', [listId, member]);
        else await tx.run('DELETE FROM customer_list_members WHERE list_id = ? AND member = ?', [listId, member]);
      }
    }
    await tx.run('DELETE FROM customer_list_batches WHERE list_id = ?', [listId]);
    const counted = await tx.get<{ n: number | string }>('SELECT COUNT(*) AS n FROM customer_list_members WHERE list_id = ?', [listId]);
    const matched = Number(counted?.n ?? 0);
    await tx.run('UPDATE customer_lists SET matched = ?, status = ?, due_at = NULL WHERE id = ?', [matched, matched >= MIN_MATCHED ? 'READY' : 'TOO_SMALL', listId]);
  }

  // -- multipart uploads (Pinterest: closed beta) ------------------------------------

  async createUpload(userId: string, accountId: string, listId: string, body: { operation: ListOperation; total_parts: number }, base: string): Promise<Record<string, unknown>> {
    const row = await this.deps.db.transaction(async (tx) => {
      await this.deps.accounts.require(userId, accountId, LIST_ROLES.write, tx);
      await this.lockedList(tx, accountId, listId);
      const now = this.deps.clock.now();
      const upload: UploadRow = {
        id: this.deps.ids.next(),
        list_id: listId,
        ad_account_id: accountId,
        operation: body.operation,
        total_parts: body.total_parts,
        state: 'NOT_STARTED',
        record_counts: null,
        error_counts: null,
        due_at: null,
        created_at: now,
        updated_at: now,
      };
      await tx.run(
        'INSERT INTO customer_list_uploads (id, list_id, ad_account_id, operation, total_parts, state, record_counts, error_counts, due_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, NULL, NULL, NULL, ?, ?)',
        [upload.id, listId, accountId, upload.operation, upload.total_parts, upload.state, now, now],
      );
      return upload;
    });
    const expires = this.deps.clock.now() + PART_URL_TTL_MS;
    const file_parts = Array.from({ length: row.total_parts }, (_, i) => ({
      part_number: i + 1,
      presigned_url: `${base}${UPLOAD_PART_PATH}/${row.id}/${i + 1}?${this.signer.query([row.id, i + 1], expires)}`,
    }));
    return { customer_list_upload: presentUpload(row), s3_multipart_upload_data: { file_parts } };
  }

  async getUpload(userId: string, accountId: string, listId: string, uploadId: string): Promise<Record<string, unknown>> {
    await this.deps.accounts.require(userId, accountId, LIST_ROLES.read);
    let row = await this.uploadRow(accountId, listId, uploadId);
    if (row.state === 'RUNNING' && Number(row.due_at) <= this.deps.clock.now()) {
      await this.runUpload(uploadId);
      row = await this.uploadRow(accountId, listId, uploadId);
    }
    return presentUpload(row);
  }

  /** Pinterest: `/run` begins processing an upload; pinbox reads its parts when the clock says. */
  async run(userId: string, accountId: string, listId: string, uploadId: string): Promise<Record<string, unknown>> {
    await this.deps.accounts.require(userId, accountId, LIST_ROLES.write);
    const row = await this.uploadRow(accountId, listId, uploadId);
    if (row.state !== 'NOT_STARTED') throw invalidField('customer_list_upload_id', `names an upload that is ${row.state}, not NOT_STARTED`);
    const now = this.deps.clock.now();
    const claimed = await this.deps.db.run("UPDATE customer_list_uploads SET state = 'RUNNING', due_at = ?, updated_at = ? WHERE id = ? AND state = 'NOT_STARTED'", [now + UPLOAD_RUN_MS, now, uploadId]);
    if (claimed.changes === 0) throw invalidField('customer_list_upload_id', 'names an upload that was run already');
    this.uploads.schedule(uploadId, now + UPLOAD_RUN_MS);
    return presentUpload(await this.uploadRow(accountId, listId, uploadId));
  }

  /** Keeps one part's bytes, when its URL's signature holds and has not expired; otherwise says why not. */
  async putPart(uploadId: string, part: number, expires: string | undefined, signature: string | undefined, body: string): Promise<'ok' | 'signature' | 'expired' | 'unknown'> {
    const verdict = this.signer.check([uploadId, part], expires, signature, this.deps.clock.now());
    if (verdict !== 'ok') return verdict;
    const upload = await this.deps.db.get<UploadRow>('SELECT * FROM customer_list_uploads WHERE id = ?', [uploadId]);
    if (!upload || upload.state !== 'NOT_STARTED' || part > upload.total_parts) return 'unknown';
    await this.deps.db.run('INSERT INTO customer_list_upload_parts (upload_id, part_number, body) VALUES (?, ?, ?) ON CONFLICT (upload_id, part_number) DO UPDATE SET body = excluded.body', [uploadId, part, body]);
    return 'ok';
  }

  /** Reads a run upload's parts into one batch of its list (then matched as any other); the parts go. */
  private async runUpload(uploadId: string): Promise<void> {
    let listToSchedule: { id: string; dueAt: number } | null = null;
    await this.deps.db.transaction(async (tx) => {
      const upload = await tx.get<UploadRow>('SELECT * FROM customer_list_uploads WHERE id = ?', [uploadId]);
      if (!upload || upload.state !== 'RUNNING' || Number(upload.due_at) > this.deps.clock.now()) return;
      const list = await this.lockedList(tx, upload.ad_account_id, upload.list_id);
      const parts = await tx.all<{ part_number: number; body: string }>('SELECT part_number, body FROM customer_list_upload_parts WHERE upload_id = ? ORDER BY part_number', [uploadId]);
      const now = this.deps.clock.now();
      const missing = upload.total_parts - parts.length;
      await tx.run('DELETE FROM customer_list_upload_parts WHERE upload_id = ?', [uploadId]);
      if (missing > 0) {
        // pinbox: Pinterest's codes for a failed upload are not public; 1 with the count of parts never uploaded.
        const errors = [{ error_code: 1, message: `${missing} of ${upload.total_parts} parts were never uploaded.`, count: missing }];
        await tx.run("UPDATE customer_list_uploads SET state = 'FAILED', error_counts = ?, due_at = NULL, updated_at = ? WHERE id = ?", [JSON.stringify(errors), now, uploadId]);
        return;
      }
      const records = parts.flatMap((part) => splitRecords(part.body));
      const valid = records.filter((record) => recordDigest(list.list_type, record) !== null);
      const counts = { processed: records.length, valid: valid.length, invalid: records.length - valid.length };
      await this.addUpdate(tx, list, upload.operation, records.length, valid);
      await tx.run("UPDATE customer_list_uploads SET state = 'SUCCEEDED', record_counts = ?, error_counts = ?, due_at = NULL, updated_at = ? WHERE id = ?", [
        JSON.stringify(counts),
        JSON.stringify(counts.invalid > 0 ? [{ error_code: 2, message: `Records not of the list's type (${list.list_type}).`, count: counts.invalid }] : []),
        now,
        uploadId,
      ]);
      listToSchedule = { id: list.id, dueAt: now + MATCHING_MS };
    });
    const scheduled = listToSchedule as { id: string; dueAt: number } | null;
    if (scheduled) this.matching.schedule(scheduled.id, scheduled.dueAt);
  }

  private async uploadRow(accountId: string, listId: string, uploadId: string): Promise<UploadRow> {
    const row = await this.deps.db.get<UploadRow>('SELECT * FROM customer_list_uploads WHERE id = ? AND list_id = ? AND ad_account_id = ?', [uploadId, listId, accountId]);
    if (!row) throw new ApiError('ad_entity_not_found', `Customer list upload ${uploadId} not found in customer list ${listId}.`);
    return row;
  }
}

/** pinbox: Pinterest documents no code for an unknown customer list; 404 as the other ads entities. */
function listNotFound(accountId: string, listId: string): ApiError {
  return new ApiError('ad_entity_not_found', `Customer list ${listId} not found in ad account ${accountId}.`);
}

function present(row: CustomerListRow): Record<string, unknown> {
  return {
    id: row.id,
    ad_account_id: row.ad_account_id,
    name: row.name,
    type: 'customerlist',
    status: row.status,
    num_batches: Number(row.num_batches),
    num_uploaded_user_records: Number(row.num_uploaded),
    num_removed_user_records: Number(row.num_removed),
    created_time: Math.floor(Number(row.created_at) / 1000),
    updated_time: Math.floor(Number(row.updated_at) / 1000),
    exceptions: {},
  };
}

function presentUpload(row: UploadRow): Record<string, unknown> {
  return {
    id: row.id,
    ad_account_id: row.ad_account_id,
    customer_list_id: row.list_id,
    operation: row.operation,
    state: row.state,
    record_counts: row.record_counts === null ? null : JSON.parse(row.record_counts),
    error_counts: row.error_counts === null ? null : JSON.parse(row.error_counts),
    creation_time: Math.floor(Number(row.created_at) / 1000),
    updated_time: Math.floor(Number(row.updated_at) / 1000),
  };
}
