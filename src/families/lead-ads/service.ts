/**
 * Lead ads: lead forms, subscriptions (a webhook and its key), leads, and their
 * delivery. Pinterest (DOC-leads): a lead is POSTed to the subscription's
 * webhook_url with no auth, encrypted AES-256-GCM with the subscription's key, and
 * retried only on 429 and 5xx. pinbox delivers for real, on its clock: each lead
 * and subscription is a row of `lead_deliveries`, tried when due, retried with
 * back-off, every try recorded, and work left by a stopped process picked up.
 */
import { stringify } from 'csv-stringify/sync';
import type { Bookmarks, PageRequest } from '../../kernel/pagination.js';
import type { Clock } from '../../kernel/clock.js';
import { DueRows } from '../../kernel/due-rows.js';
import { pageById } from '../../kernel/id-pages.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { FetchPolicy } from '../../kernel/outbound/fetch-policy.js';
import { guardedFetch, OutboundFetchError } from '../../kernel/outbound/guarded-fetch.js';
import { UrlSigner } from '../../kernel/signed-urls.js';
import type { Database, Queryable, Transaction } from '../../storage/database.js';
import type { AdAccountService } from '../ads/ad-accounts.js';
import type { AdIds } from '../ads/ad-ids.js';
import type { ItemException } from '../ads/entity.js';
import type { RoleRule, RoleSet } from '../ads/roles.js';
import { KeySealer, LEAD_CIPHER, newLeadKey, seal } from './envelope.js';
import { checkForm, questionLabel, type LeadForm } from './forms.js';

/** Pinterest: lead subscriptions are for the Owner and Admin only. */
export const SUBSCRIPTION_ROLES: RoleSet = ['OWNER', 'ADMIN'];
/** pinbox: lead forms as campaigns (Pinterest gives no matrix for them). */
export const FORM_ROLES: RoleRule = { read: ['OWNER', 'ADMIN', 'ANALYST', 'CAMPAIGN_MANAGER'], write: ['OWNER', 'ADMIN', 'CAMPAIGN_MANAGER'] };

/** Pinterest: leads are kept 30 days. */
export const LEAD_RETENTION_MS = 30 * 86_400_000;
/** pinbox: a delivery is tried 8 times at most: at once, then after 30 s, 1, 2, 4, 8, 16 and 32 minutes (or the 429's Retry-After, when longer). */
export const DELIVERY = { maxAttempts: 8, firstRetryMs: 30_000, leaseMs: 120_000, timeoutMs: 5_000, maxAnswerBytes: 64 * 1024 } as const;
/** pinbox: a leads export is ready 1 minute after it was asked for, on pinbox's clock; its file's URL holds an hour. */
export const EXPORT_MS = 60_000;
export const EXPORT_URL_TTL_MS = 3_600_000;
export const EXPORT_FILE_PATH = '/leads_exports';

export interface FormRow {
  id: string;
  ad_account_id: string;
  status: string;
  form: string;
  created_at: number;
  updated_at: number;
}

interface SubscriptionRow {
  id: string;
  ad_account_id: string;
  lead_form_id: string | null;
  user_id: string;
  webhook_url: string;
  sealed_key: string;
  created_at: number;
}

interface LeadRow {
  id: string;
  ad_account_id: string;
  lead_form_id: string;
  ad_id: string | null;
  is_test: number;
  answers: string;
  created_at: number;
}

interface DeliveryRow {
  id: string;
  subscription_id: string;
  lead_id: string;
  state: 'PENDING' | 'DELIVERED' | 'FAILED';
  attempts: number;
  tries: string;
  next_at: number | null;
}

/** One try of a delivery, as recorded: the webhook's status, or why there was none. */
export interface DeliveryTry {
  at: number;
  status: number | null;
  error: string | null;
}

export interface LeadAdsDeps {
  db: Database;
  clock: Clock;
  ids: AdIds;
  bookmarks: Bookmarks;
  accounts: AdAccountService;
  fetchPolicy: FetchPolicy;
  instanceSecret: Buffer;
}

/**
 * pinbox: where a webhook may be: an https URL, or http on this machine (a
 * webhook under test). Whether pinbox may reach it is the fetch policy's, at delivery.
 */
function webhookProblem(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute URL';
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return null;
  return 'must be an https URL (pinbox takes http only on this machine: localhost, 127.0.0.1, [::1])';
}

export class LeadAdsService {
  private readonly deliveries: DueRows;
  private readonly exports: DueRows;
  private readonly sealer: KeySealer;
  private readonly signer: UrlSigner;

  constructor(private readonly deps: LeadAdsDeps) {
    this.sealer = new KeySealer(deps.instanceSecret);
    this.signer = new UrlSigner(deps.instanceSecret, 'leads export files');
    this.deliveries = new DueRows(
      deps.clock,
      'lead delivery',
      () => deps.db.all("SELECT id, next_at AS due_at FROM lead_deliveries WHERE state = 'PENDING'"),
      (id) => this.deliver(id),
    );
    this.exports = new DueRows(
      deps.clock,
      'leads export',
      () => deps.db.all("SELECT id, due_at FROM leads_exports WHERE status = 'IN_PROGRESS'"),
      (id) => this.finishExport(id),
    );
  }

  /** Schedules what the store holds waiting (on start, and after a reset or restore, whose secret may be another store's). */
  async scheduleWaiting(): Promise<void> {
    const row = await this.deps.db.get<{ value: string }>("SELECT value FROM meta WHERE key = 'instance_secret'");
    if (row) this.sealer.rekey(Buffer.from(row.value, 'hex'));
    await this.deliveries.scheduleWaiting();
    await this.exports.scheduleWaiting();
  }

  // -- lead forms -------------------------------------------------------------------

  async writeForms(userId: string, accountId: string, items: readonly Record<string, unknown>[], write: 'create' | 'update'): Promise<{ items: { data?: Record<string, unknown>; exceptions: ItemException[] }[] }> {
    return this.deps.db.transaction(async (tx) => {
      await this.deps.accounts.require(userId, accountId, FORM_ROLES.write, tx);
      const out: { data?: Record<string, unknown>; exceptions: ItemException[] }[] = [];
      const now = this.deps.clock.now();
      for (const item of items) {
        let row: FormRow | undefined;
        if (write === 'update') {
          const id = typeof item.id === 'string' && /^\d{1,18}$/.test(item.id) ? item.id : null;
          row = id ? await this.formRow(tx, accountId, id) : undefined;
          if (!row) {
            out.push({ exceptions: [{ code: 4842, message: `Lead form ${String(item.id)} not found in ad account ${accountId}.` }] });
            continue;
          }
        }
        const checked = checkForm(item, row ? (JSON.parse(row.form) as LeadForm) : null);
        if ('exception' in checked) {
          out.push({ exceptions: [checked.exception] });
          continue;
        }
        const { form } = checked;
        if (row) {
          row = { ...row, status: form.status, form: JSON.stringify(form), updated_at: now };
          await tx.run('UPDATE lead_forms SET status = ?, form = ?, updated_at = ? WHERE id = ?', [row.status, row.form, now, row.id]);
        } else {
          row = await this.insertForm(tx, accountId, form);
        }
        out.push({ data: presentForm(row), exceptions: [] });
      }
      return { items: out };
    });
  }

  /** Writes a checked form in the caller's transaction (the API and fixtures); its id. */
  async insertForm(tx: Transaction, accountId: string, form: LeadForm): Promise<FormRow> {
    const now = this.deps.clock.now();
    const row: FormRow = { id: this.deps.ids.next(), ad_account_id: accountId, status: form.status, form: JSON.stringify(form), created_at: now, updated_at: now };
    await tx.run('INSERT INTO lead_forms (id, ad_account_id, status, form, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)', [row.id, accountId, row.status, row.form, now, now]);
    return row;
  }

  async listForms(userId: string, accountId: string, query: PageRequest & { order?: 'ASCENDING' | 'DESCENDING' }): Promise<{ items: Record<string, unknown>[]; bookmark: string | null }> {
    await this.deps.accounts.require(userId, accountId, FORM_ROLES.read);
    const page = await pageById<FormRow>(this.deps.bookmarks, this.deps.db, 'lead_forms', 'lead_forms/list', accountId, query);
    return { items: page.items.map(presentForm), bookmark: page.bookmark };
  }

  async getForm(userId: string, accountId: string, formId: string): Promise<Record<string, unknown>> {
    await this.deps.accounts.require(userId, accountId, FORM_ROLES.read);
    const row = await this.formRow(this.deps.db, accountId, formId);
    if (!row) throw formNotFound(accountId, formId);
    return presentForm(row);
  }

  private formRow(q: Queryable, accountId: string, formId: string): Promise<FormRow | undefined> {
    return q.get<FormRow>('SELECT * FROM lead_forms WHERE ad_account_id = ? AND id = ?', [accountId, formId]);
  }

  // -- subscriptions ------------------------------------------------------------------

  async subscribe(userId: string, accountId: string, body: { webhook_url: string; lead_form_id?: string }): Promise<Record<string, unknown>> {
    const problem = webhookProblem(body.webhook_url);
    if (problem) throw invalidField('webhook_url', problem);
    return this.deps.db.transaction(async (tx) => {
      await this.deps.accounts.require(userId, accountId, SUBSCRIPTION_ROLES, tx);
      const formId = body.lead_form_id ?? null;
      if (formId !== null && !(await this.formRow(tx, accountId, formId))) throw formNotFound(accountId, formId);
      await tx.lock(`lead-subscriptions:${accountId}`);
      const taken = await tx.get('SELECT id FROM lead_subscriptions WHERE ad_account_id = ? AND form_key = ?', [accountId, formId ?? '']);
      // Pinterest: one subscription per (ad account, lead form); its code for a second is not public.
      if (taken) throw invalidField('lead_form_id', formId ? `has a subscription already in ad account ${accountId}` : `is not given, and ad account ${accountId} has a subscription to all its forms already`);
      const key = newLeadKey();
      const row: SubscriptionRow = { id: this.deps.ids.next(), ad_account_id: accountId, lead_form_id: formId, user_id: userId, webhook_url: body.webhook_url, sealed_key: this.sealer.sealKey(key), created_at: this.deps.clock.now() };
      await tx.run('INSERT INTO lead_subscriptions (id, ad_account_id, lead_form_id, form_key, user_id, webhook_url, sealed_key, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)', [
        row.id, accountId, formId, formId ?? '', userId, row.webhook_url, row.sealed_key, row.created_at,
      ]);
      // pinbox: the key is given once, at creation; reads answer it null.
      return { ...presentSubscription(row), cryptographic_key: key.toString('base64') };
    });
  }

  async listSubscriptions(userId: string, accountId: string, query: PageRequest): Promise<{ items: Record<string, unknown>[]; bookmark: string | null }> {
    await this.deps.accounts.require(userId, accountId, SUBSCRIPTION_ROLES);
    const page = await pageById<SubscriptionRow>(this.deps.bookmarks, this.deps.db, 'lead_subscriptions', 'ad_accounts_subscriptions/get_list', accountId, query);
    return { items: page.items.map(presentSubscription), bookmark: page.bookmark };
  }

  async getSubscription(userId: string, accountId: string, id: string): Promise<Record<string, unknown>> {
    await this.deps.accounts.require(userId, accountId, SUBSCRIPTION_ROLES);
    return presentSubscription(await this.subscriptionRow(this.deps.db, accountId, id));
  }

  async unsubscribe(userId: string, accountId: string, id: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      await this.deps.accounts.require(userId, accountId, SUBSCRIPTION_ROLES, tx);
      await this.subscriptionRow(tx, accountId, id);
      await tx.run('DELETE FROM lead_subscriptions WHERE id = ?', [id]);
    });
  }

  private async subscriptionRow(q: Queryable, accountId: string, id: string): Promise<SubscriptionRow> {
    const row = await q.get<SubscriptionRow>('SELECT * FROM lead_subscriptions WHERE ad_account_id = ? AND id = ?', [accountId, id]);
    if (!row) throw new ApiError('ad_entity_not_found', `Lead subscription ${id} not found in ad account ${accountId}.`);
    return row;
  }

  // -- leads and their delivery ---------------------------------------------------------

  /**
   * Pinterest: `lead_forms/{id}/test` sends a test lead with the answers in the
   * form's question order to the subscription of the form (or, without one, of the
   * whole account), and answers its id.
   */
  async testLead(userId: string, accountId: string, formId: string, answers: readonly string[]): Promise<{ subscription_id: string }> {
    const subscription = await this.deps.db.transaction(async (tx) => {
      await this.deps.accounts.require(userId, accountId, FORM_ROLES.write, tx);
      const row = await this.formRow(tx, accountId, formId);
      if (!row) throw formNotFound(accountId, formId);
      const subscriptions = await this.subscriptionsFor(tx, accountId, formId);
      if (subscriptions.length === 0) throw invalidField('lead_form_id', `has no lead subscription (of the form or of ad account ${accountId}) to send a test lead to`);
      const chosen = subscriptions.find((s) => s.lead_form_id === formId) ?? subscriptions[0];
      await this.addLead(tx, row, null, answers, true, [chosen]);
      return chosen;
    });
    return { subscription_id: subscription.id };
  }

  /**
   * A lead from a serving lead ad (the ad's `lead_form_id`, the ad ACTIVE and
   * APPROVED), as if a person had filled in its form: delivered to every
   * subscription of the form and of the account. What the control plane simulates.
   */
  async simulateLead(adId: string, answers: readonly string[]): Promise<{ lead_id: string; deliveries: number }> {
    return this.deps.db.transaction(async (tx) => {
      const ad = await tx.get<{ ad_account_id: string; status: string; review_status: string; extra: string }>('SELECT ad_account_id, status, review_status, extra FROM ads WHERE id = ?', [adId]);
      if (!ad) throw new ApiError('ad_entity_not_found', `Ad ${adId} not found.`);
      const formId = (JSON.parse(ad.extra) as { lead_form_id?: string | null }).lead_form_id;
      if (!formId) throw invalidField('ad_id', `names ad ${adId}, which has no lead_form_id`);
      if (ad.status !== 'ACTIVE' || ad.review_status !== 'APPROVED') throw invalidField('ad_id', `names ad ${adId}, which is not serving (it is ${ad.status}, review ${ad.review_status})`);
      const form = await this.formRow(tx, ad.ad_account_id, formId);
      if (!form) throw formNotFound(ad.ad_account_id, formId);
      const subscriptions = await this.subscriptionsFor(tx, ad.ad_account_id, formId);
      const leadId = await this.addLead(tx, form, adId, answers, false, subscriptions);
      return { lead_id: leadId, deliveries: subscriptions.length };
    });
  }

  private subscriptionsFor(q: Queryable, accountId: string, formId: string): Promise<SubscriptionRow[]> {
    return q.all<SubscriptionRow>("SELECT * FROM lead_subscriptions WHERE ad_account_id = ? AND (lead_form_id = ? OR form_key = '') ORDER BY id", [accountId, formId]);
  }

  private async addLead(tx: Transaction, form: FormRow, adId: string | null, answers: readonly string[], isTest: boolean, subscriptions: readonly SubscriptionRow[]): Promise<string> {
    const { questions } = JSON.parse(form.form) as LeadForm;
    if (answers.length !== questions.length) throw invalidField('answers', `must hold one answer per question of the form, in its order (${questions.length}, not ${answers.length})`);
    const now = this.deps.clock.now();
    const id = this.deps.ids.next();
    const answered = questions.map((question, i) => ({ question_type: question.question_type, question: questionLabel(question), answer: answers[i] }));
    await tx.run('INSERT INTO leads (id, ad_account_id, lead_form_id, ad_id, is_test, answers, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      id, form.ad_account_id, form.id, adId, isTest ? 1 : 0, JSON.stringify(answered), now,
    ]);
    for (const subscription of subscriptions) {
      const deliveryId = this.deps.ids.next();
      await tx.run("INSERT INTO lead_deliveries (id, subscription_id, lead_id, state, attempts, tries, next_at, created_at) VALUES (?, ?, ?, 'PENDING', 0, '[]', ?, ?)", [deliveryId, subscription.id, id, now, now]);
      tx.afterCommit(() => this.deliveries.schedule(deliveryId, now));
    }
    return id;
  }

  /** The lead as pinbox delivers it (inside the envelope): Pinterest's fields where known, `lead_id` for deduplication. */
  private leadPayload(lead: LeadRow): Record<string, unknown> {
    return {
      lead_id: lead.id,
      advertiser_id: lead.ad_account_id,
      ad_account_id: lead.ad_account_id,
      lead_form_id: lead.lead_form_id,
      ad_id: lead.ad_id,
      is_test: lead.is_test === 1,
      created_time: Number(lead.created_at),
      answers: JSON.parse(lead.answers),
    };
  }

  /**
   * One try of a due delivery. The claim (attempts + 1, the next try pushed a lease
   * ahead) commits before the POST, so a second process does not send it too and a
   * process that stops mid-try leaves it to be tried again when the lease ends.
   */
  private async deliver(id: string): Promise<void> {
    const now = this.deps.clock.now();
    const claimed = await this.deps.db.transaction(async (tx) => {
      const row = await tx.get<DeliveryRow & SubscriptionRow & LeadRow & { lead_created_at: number }>(
        `SELECT d.id, d.subscription_id, d.lead_id, d.state, d.attempts, d.tries, d.next_at, s.webhook_url, s.sealed_key,
                l.ad_account_id, l.lead_form_id, l.ad_id, l.is_test, l.answers, l.created_at AS lead_created_at
           FROM lead_deliveries d JOIN lead_subscriptions s ON s.id = d.subscription_id JOIN leads l ON l.id = d.lead_id
          WHERE d.id = ?`,
        [id],
      );
      if (!row || row.state !== 'PENDING' || Number(row.next_at) > now) return null;
      const taken = await tx.run("UPDATE lead_deliveries SET attempts = attempts + 1, next_at = ? WHERE id = ? AND state = 'PENDING' AND attempts = ?", [now + DELIVERY.leaseMs, id, row.attempts]);
      return taken.changes === 1 ? row : null;
    });
    if (!claimed) return;
    const lead: LeadRow = { id: claimed.lead_id, ad_account_id: claimed.ad_account_id, lead_form_id: claimed.lead_form_id, ad_id: claimed.ad_id, is_test: Number(claimed.is_test), answers: claimed.answers, created_at: claimed.lead_created_at };
    const key = this.sealer.openKey(claimed.sealed_key);
    const body = JSON.stringify({ subscription_id: claimed.subscription_id, cryptographic_algorithm: LEAD_CIPHER, encrypted_leads: seal(key, JSON.stringify([this.leadPayload(lead)])) });
    let status: number | null = null;
    let error: string | null = null;
    let retryAfterMs = 0;
    try {
      const answer = await guardedFetch(claimed.webhook_url, {
        policy: this.deps.fetchPolicy,
        limits: { timeoutMs: DELIVERY.timeoutMs, maxBytes: DELIVERY.maxAnswerBytes, maxRedirects: 0 },
        headers: { 'content-type': 'application/json', 'user-agent': 'pinbox-leads/1', 'x-pinbox-delivery-id': id },
        body: Buffer.from(body, 'utf8'),
      });
      status = answer.status;
      const retryAfter = Number(answer.headers['retry-after']);
      if (Number.isFinite(retryAfter) && retryAfter > 0) retryAfterMs = Math.min(retryAfter, 3600) * 1000;
    } catch (failure) {
      error = failure instanceof OutboundFetchError ? failure.message : String(failure);
    }
    const attempts = claimed.attempts + 1;
    const at = this.deps.clock.now();
    const tries: DeliveryTry[] = [...(JSON.parse(claimed.tries) as DeliveryTry[]), { at, status, error }];
    const delivered = status !== null && status >= 200 && status < 300;
    // Pinterest: retried only on 429 and 5xx; pinbox counts an unreachable webhook with them.
    const retryable = status === null ? true : status === 429 || status >= 500;
    let next: number | null = null;
    let state: DeliveryRow['state'] = delivered ? 'DELIVERED' : 'FAILED';
    if (!delivered && retryable && attempts < DELIVERY.maxAttempts) {
      state = 'PENDING';
      next = at + Math.max(DELIVERY.firstRetryMs * 2 ** (attempts - 1), retryAfterMs);
    }
    await this.deps.db.run('UPDATE lead_deliveries SET state = ?, tries = ?, next_at = ? WHERE id = ?', [state, JSON.stringify(tries), next, id]);
    if (next !== null) this.deliveries.schedule(id, next);
  }

  /** The deliveries of the account's leads, newest first: each with its state and tries (what the control plane shows). */
  async deliveriesOf(accountId: string): Promise<{ id: string; lead_id: string; subscription_id: string; state: string; attempts: number; next_at: number | null; tries: DeliveryTry[] }[]> {
    const rows = await this.deps.db.all<DeliveryRow>('SELECT d.* FROM lead_deliveries d JOIN leads l ON l.id = d.lead_id WHERE l.ad_account_id = ? ORDER BY d.id DESC', [accountId]);
    return rows.map((row) => ({ id: row.id, lead_id: row.lead_id, subscription_id: row.subscription_id, state: row.state, attempts: Number(row.attempts), next_at: row.next_at === null ? null : Number(row.next_at), tries: JSON.parse(row.tries) }));
  }

  // -- leads export ----------------------------------------------------------------------

  async createExport(userId: string, accountId: string, body: { ad_id: string; start_date: string; end_date: string }): Promise<{ leads_export_id: string }> {
    const start = Date.parse(`${body.start_date}T00:00:00Z`);
    const end = Date.parse(`${body.end_date}T00:00:00Z`);
    if (Number.isNaN(start)) throw invalidField('start_date', 'must be a date, YYYY-MM-DD');
    if (Number.isNaN(end)) throw invalidField('end_date', 'must be a date, YYYY-MM-DD');
    if (end < start) throw invalidField('end_date', 'must not be before start_date');
    const now = this.deps.clock.now();
    // Pinterest: leads are kept 30 days, so an export reaches no further back.
    if (start < Date.parse(new Date(now - LEAD_RETENTION_MS).toISOString().slice(0, 10))) throw invalidField('start_date', 'must be within the last 30 days: leads are kept 30 days');
    const id = this.deps.ids.next();
    await this.deps.db.transaction(async (tx) => {
      await this.deps.accounts.require(userId, accountId, FORM_ROLES.read, tx);
      if (!(await tx.get('SELECT id FROM ads WHERE id = ? AND ad_account_id = ?', [body.ad_id, accountId]))) throw invalidField('ad_id', `is no ad of ad account ${accountId}`);
      await tx.run("INSERT INTO leads_exports (id, ad_account_id, ad_id, start_date, end_date, status, result, due_at, created_at) VALUES (?, ?, ?, ?, ?, 'IN_PROGRESS', NULL, ?, ?)", [
        id, accountId, body.ad_id, body.start_date, body.end_date, now + EXPORT_MS, now,
      ]);
    });
    this.exports.schedule(id, now + EXPORT_MS);
    return { leads_export_id: id };
  }

  async getExport(userId: string, accountId: string, id: string, base: string): Promise<{ export_status: string; download_url: string | null }> {
    await this.deps.accounts.require(userId, accountId, FORM_ROLES.read);
    let row = await this.exportRow(accountId, id);
    if (row.status === 'IN_PROGRESS' && Number(row.due_at) <= this.deps.clock.now()) {
      await this.finishExport(id);
      row = await this.exportRow(accountId, id);
    }
    if (row.status !== 'FINISHED') return { export_status: row.status, download_url: null };
    const expires = this.deps.clock.now() + EXPORT_URL_TTL_MS;
    return { export_status: 'FINISHED', download_url: `${base}${EXPORT_FILE_PATH}/${id}/leads.csv?${this.signer.query([id], expires)}` };
  }

  private async exportRow(accountId: string, id: string): Promise<{ id: string; status: string; due_at: number | null }> {
    const row = await this.deps.db.get<{ id: string; status: string; due_at: number | null }>('SELECT id, status, due_at FROM leads_exports WHERE ad_account_id = ? AND id = ?', [accountId, id]);
    if (!row) throw new ApiError('ad_entity_not_found', `Leads export ${id} not found in ad account ${accountId}.`);
    return row;
  }

  /**
   * pinbox's export file: CSV, one lead a row (lead_id, created_time in ISO 8601,
   * lead_form_id, ad_id, then one column per question label, in the order first met).
   */
  private async finishExport(id: string): Promise<void> {
    await this.deps.db.transaction(async (tx) => {
      const row = await tx.get<{ ad_account_id: string; ad_id: string; start_date: string; end_date: string; status: string; due_at: number }>('SELECT * FROM leads_exports WHERE id = ?', [id]);
      if (!row || row.status !== 'IN_PROGRESS' || Number(row.due_at) > this.deps.clock.now()) return;
      const from = Math.max(Date.parse(`${row.start_date}T00:00:00Z`), this.deps.clock.now() - LEAD_RETENTION_MS);
      const to = Date.parse(`${row.end_date}T00:00:00Z`) + 86_400_000;
      const leads = await tx.all<LeadRow>('SELECT * FROM leads WHERE ad_account_id = ? AND ad_id = ? AND created_at >= ? AND created_at < ? ORDER BY id', [row.ad_account_id, row.ad_id, from, to]);
      const labels: string[] = [];
      const records = leads.map((lead) => {
        const record: Record<string, string> = { lead_id: lead.id, created_time: new Date(Number(lead.created_at)).toISOString(), lead_form_id: lead.lead_form_id, ad_id: lead.ad_id ?? '' };
        for (const { question, answer } of JSON.parse(lead.answers) as { question: string; answer: string }[]) {
          if (!labels.includes(question)) labels.push(question);
          record[question] = answer;
        }
        return record;
      });
      const csv = stringify(records, { header: true, columns: ['lead_id', 'created_time', 'lead_form_id', 'ad_id', ...labels] });
      await tx.run("UPDATE leads_exports SET status = 'FINISHED', result = ?, due_at = NULL WHERE id = ?", [csv, id]);
    });
  }

  /** An export's file, when its URL's signature holds and has not expired. */
  async exportFile(id: string, expires: string | undefined, signature: string | undefined): Promise<{ verdict: 'ok' | 'signature' | 'expired' | 'unknown'; body?: string }> {
    const verdict = this.signer.check([id], expires, signature, this.deps.clock.now());
    if (verdict !== 'ok') return { verdict };
    const row = await this.deps.db.get<{ result: string | null }>('SELECT result FROM leads_exports WHERE id = ?', [id]);
    return row?.result ? { verdict, body: row.result } : { verdict: 'unknown' };
  }
}

/** Pinterest: 404 code 4842 for an unknown lead form. */
function formNotFound(accountId: string, formId: string): ApiError {
  return new ApiError('lead_form_not_found', `Lead form ${formId} not found in ad account ${accountId}.`);
}

function presentForm(row: FormRow): Record<string, unknown> {
  return {
    id: row.id,
    ad_account_id: row.ad_account_id,
    ...(JSON.parse(row.form) as LeadForm),
    status: row.status,
    created_time: Math.floor(Number(row.created_at) / 1000),
    updated_time: Math.floor(Number(row.updated_at) / 1000),
  };
}

function presentSubscription(row: SubscriptionRow): Record<string, unknown> {
  return {
    id: row.id,
    ad_account_id: row.ad_account_id,
    lead_form_id: row.lead_form_id,
    user_account_id: row.user_id,
    webhook_url: row.webhook_url,
    api_version: 'v5',
    // Pinterest: a lead subscription's created_time is in milliseconds.
    created_time: Number(row.created_at),
    cryptographic_key: null,
    cryptographic_algorithm: LEAD_CIPHER,
  };
}
