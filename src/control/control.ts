import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { AgentControl } from '../agents/control-routes.js';
import type { Clock } from '../kernel/clock.js';
import { pinterestTimestamp } from '../kernel/clock.js';
import { ApiError } from '../kernel/errors.js';
import { ALL_SCOPES } from '../kernel/scopes.js';
import { schemaVersionOf } from './tables.js';
import { DEV_USERNAME } from '../families/oauth/dev-identity.js';
import { findDev, type ControlDeps } from './deps.js';
import { Faults } from './faults.js';
import { loadFixture, loadFixtureFile, type Fixture, type FixtureResult } from './fixtures.js';
import { Journal, type JournalEntry, type JournalSettings } from './journal.js';
import { landingPage } from './landing.js';
import { CONSOLE_PATH, consoleRoutes } from '../console/routes.js';
import { ConsoleSessions } from '../console/sessions.js';
import { resetAll, resetUser } from './reset.js';
import { controlRoutes } from './routes.js';
import { restoreSnapshot, takeSnapshot, type Snapshot } from './snapshot.js';
import type { LeadAdsService } from '../families/lead-ads/service.js';
import type { CategoryCount } from './journal.js';

/** The pinbox processes sharing the store (null when the store cannot tell). */
export interface InstanceProcesses {
  count: number | null;
  source: 'sqlite' | 'pg_stat_activity' | 'unknown';
}

/**
 * The admin key of an instance that was given none: derived from the store's secret,
 * so every process of a team instance (and every restart of a `--data` store) has
 * the same key without it being written anywhere; an in-memory store gets a new one each start.
 */
export function instanceAdminKey(instanceSecret: Buffer): string {
  return `pinbox_admin_${createHmac('sha256', instanceSecret).update('pinbox-admin-key').digest('hex').slice(0, 32)}`;
}

export interface ControlOptions {
  /** The key the control plane's HTTP API and `pinbox ctl` must present. */
  adminKey: string;
  /** Answer control calls from other hosts too (default: loopback only). */
  remote?: boolean;
  journal?: Partial<JournalSettings>;
  version: string;
  /** What the landing page says of the store, e.g. `SQLite file pinbox.db`. */
  store?: string;
}

/** What the clock reads and whether it runs. */
export interface ClockState {
  now: number;
  at: string;
  frozen: boolean;
  /** Due tasks not yet run, soonest first. */
  pending: { at: number; name: string }[];
}

/**
 * The emulator's control plane: reset, fixtures, snapshots, the clock, faults and
 * the request journal. The same operations are reached three ways: this object
 * (`pinbox.reset()`, `pinbox.clock.advance('2d')`), the HTTP API under `/_pinbox/`
 * and `pinbox ctl` on the command line.
 */
export class Control {
  readonly faults: Faults;
  readonly journal: Journal;
  readonly clock: Clock;
  /** Sign-in links and sessions of the console, signed with the admin key. */
  readonly consoleSessions: ConsoleSessions;

  constructor(
    private readonly deps: ControlDeps,
    readonly options: ControlOptions,
  ) {
    this.clock = deps.core.clock;
    this.journal = new Journal(this.clock, options.journal);
    this.consoleSessions = new ConsoleSessions(options.adminKey);
    this.faults = new Faults(
      deps.families.stores.tokens,
      async (username) => (await deps.families.stores.users.getByUsername(username))?.id ?? null,
      options.version,
      (tier, category) => {
        const plan = deps.rateLimits.policy.planFor(tier, category);
        // The category's own window where it has one, else the instance-wide one.
        const window = plan && (plan.windows.find((w) => w.name === category) ?? plan.windows[0]);
        return plan && window ? plan.limitHeader(window) : null;
      },
      (request, reply) => this.journal.recordDropped(request, reply),
    );
  }

  /** The agents' parts the control plane reaches: agents, approvals, the audit log. */
  get agents(): AgentControl {
    const { agents, agentAudit } = this.deps.families.services;
    return { agents, audit: agentAudit, approvals: this.deps.families.stores.agentApprovals };
  }

  /**
   * Empties the store (or, with `user`, removes that user's content), in one
   * transaction. The dev user, app and printed token survive a full reset.
   * @example await pinbox.reset(); await pinbox.reset({ user: 'alice' });
   */
  async reset(options: { user?: string } = {}): Promise<void> {
    await this.settleAuditLog();
    if (options.user !== undefined) await resetUser(this.deps, options.user);
    else await resetAll(this.deps);
  }

  /**
   * Loads a fixture (an object, or the path of a JSON file) in one transaction.
   * @example const { tokens } = await pinbox.seed('test/fixtures/shop.json');
   */
  seed(fixture: Fixture | string, options: { baseDir?: string } = {}): Promise<FixtureResult> {
    return typeof fixture === 'string' ? loadFixtureFile(this.deps, fixture) : loadFixture(this.deps, fixture, options.baseDir);
  }

  /** The whole state, rows and blobs, as one JSON-serialisable object. */
  async snapshot(): Promise<Snapshot> {
    await this.settleAuditLog();
    return takeSnapshot(this.deps);
  }

  /** Replaces the whole state with a snapshot's (older schema versions are migrated). */
  async restore(snapshot: Snapshot | unknown): ReturnType<typeof restoreSnapshot> {
    await this.settleAuditLog();
    return restoreSnapshot(this.deps, snapshot);
  }

  /**
   * The agents' audit log writes its entries in batches after the calls: what is
   * pending goes into the store first, so a snapshot holds every call before it and
   * no entry of before a reset or restore lands after it.
   */
  private settleAuditLog(): Promise<void> {
    return this.deps.families.services.agentAudit.flush();
  }

  /**
   * Grants a Business Access role on an ad account (until the business-access API
   * manages them). A user's reset takes the roles they hold away.
   * @example await pinbox.control.grantAdAccountRole(accountId, 'alice', 'ANALYST')
   */
  async grantAdAccountRole(adAccountId: string, username: string, role: string): Promise<void> {
    const user = await this.userNamed(username);
    await this.deps.core.db.transaction((tx) => this.deps.families.services.adAccounts.grant(tx, adAccountId, user, role));
  }

  /** Takes a role back; false when the user did not hold it. */
  async revokeAdAccountRole(adAccountId: string, username: string, role: string): Promise<boolean> {
    const user = await this.userNamed(username);
    return this.deps.core.db.transaction((tx) => this.deps.families.services.adAccounts.revoke(tx, adAccountId, user, role));
  }

  /**
   * Decides an ad's review now: REJECTED with `rejected_reasons` and `rejection_labels`, or APPROVED.
   * @example await pinbox.control.reviewAd(adId, { review_status: 'REJECTED', rejected_reasons: ['LANDING_PAGE'] })
   */
  reviewAd(adId: string, verdict: { review_status: 'REJECTED' | 'APPROVED'; rejected_reasons?: string[]; rejection_labels?: string[] }): Promise<void> {
    return this.deps.families.services.adReviews.review(adId, verdict);
  }

  /**
   * Fixes an ad's delivery figures for whole days (see Admin.setAdMetrics).
   * @example await pinbox.control.setAdMetrics(adId, { dates: ['2026-11-20'], metrics: { IMPRESSION: 500 } })
   */
  setAdMetrics(adId: string, input: { dates: readonly string[]; metrics: Record<string, number> }): Promise<void> {
    return this.deps.families.services.adDelivery.setAdMetrics(adId, input.dates, input.metrics);
  }

  /**
   * A lead from a serving lead ad, as if a person had filled in its form: delivered
   * to the webhooks of the form's and the account's lead subscriptions.
   * @example await pinbox.control.simulateLead(adId, ['Ann', 'ann@example.com'])
   */
  simulateLead(adId: string, answers: readonly string[]): Promise<{ lead_id: string; deliveries: number }> {
    return this.deps.families.services.leadAds.simulateLead(adId, answers);
  }

  /** The webhook deliveries of an ad account's leads, newest first, each with its tries. */
  leadDeliveries(adAccountId: string): ReturnType<LeadAdsService['deliveriesOf']> {
    return this.deps.families.services.leadAds.deliveriesOf(adAccountId);
  }

  /**
   * The async work an ad account asked for, newest first (what the console lists;
   * their states and signed URLs come from the v5 reports/get and bulk_request/get).
   */
  async adAccountRequests(adAccountId: string): Promise<{ reports: { token: string; kind: string; created_at: number; due_at: number; finished_at: number | null }[]; bulk_requests: { id: string; kind: string; status: string; created_at: number; due_at: number }[] }> {
    const { db } = this.deps.core;
    const reports = await db.all<{ token: string; kind: string; created_at: number; due_at: number; finished_at: number | null }>(
      'SELECT token, kind, created_at, due_at, finished_at FROM ad_reports WHERE ad_account_id = ? ORDER BY created_at DESC LIMIT 100',
      [adAccountId],
    );
    const bulk = await db.all<{ id: string; kind: string; status: string; created_at: number; due_at: number }>(
      'SELECT id, kind, status, created_at, due_at FROM ad_bulk_requests WHERE ad_account_id = ? ORDER BY created_at DESC LIMIT 100',
      [adAccountId],
    );
    const n = (v: unknown) => (v === null || v === undefined ? null : Number(v));
    return {
      reports: reports.map((r) => ({ token: r.token, kind: r.kind, created_at: Number(r.created_at), due_at: Number(r.due_at), finished_at: n(r.finished_at) })),
      bulk_requests: bulk.map((b) => ({ id: b.id, kind: b.kind, status: b.status, created_at: Number(b.created_at), due_at: Number(b.due_at) })),
    };
  }

  /** The Conversions API events an ad account received, newest first (up to `limit`). */
  async conversionEvents(adAccountId: string, limit = 100): Promise<{ event_id: string; event_name: string; action_source: string; event_time: number; value_micro: number | null; currency: string | null; received_at: number; email_hashed: boolean }[]> {
    const rows = await this.deps.core.db.all<{ event_id: string; event_name: string; action_source: string; event_time: number; value_micro: number | null; currency: string | null; received_at: number; email_hash: string | null }>(
      'SELECT event_id, event_name, action_source, event_time, value_micro, currency, received_at, email_hash FROM conversion_events WHERE ad_account_id = ? ORDER BY received_at DESC, event_id LIMIT ?',
      [adAccountId, Math.max(1, Math.min(1000, Math.floor(limit) || 100))],
    );
    return rows.map((r) => ({
      event_id: r.event_id,
      event_name: r.event_name,
      action_source: r.action_source,
      event_time: Number(r.event_time),
      value_micro: r.value_micro === null ? null : Number(r.value_micro),
      currency: r.currency,
      received_at: Number(r.received_at),
      email_hashed: r.email_hash !== null,
    }));
  }

  /** How long a submitted ad stays PENDING before it is APPROVED, in seconds of pinbox's clock (default a day). */
  setAdReviewTime(seconds: number): Promise<number> {
    return this.deps.families.services.adReviews.setReviewSeconds(seconds);
  }

  private async userNamed(username: string): Promise<string> {
    const user = await this.deps.families.stores.users.getByUsername(username);
    if (!user) throw new ApiError('user_not_found', `User '${username}' not found.`);
    return user.id;
  }

  clockState(): ClockState {
    const now = this.clock.now();
    return { now, at: `${pinterestTimestamp(now)}Z`, frozen: this.clock.isFrozen(), pending: this.clock.pending() };
  }

  /** How the dev identity was made on start (its printed token among it), or null. */
  get dev(): ControlDeps['dev'] {
    return this.deps.dev;
  }

  /** Usernames by user id, for the journal's entries (the journal keeps ids, as the store does). */
  private readonly usernames = new Map<string, string | null>();

  /**
   * Journal entries with the username of the user each call acted for beside its id,
   * as fault rules and people name users.
   */
  async named(entries: readonly JournalEntry[]): Promise<(JournalEntry & { username: string | null })[]> {
    for (const entry of entries) {
      if (entry.user !== null && !this.usernames.has(entry.user)) {
        this.usernames.set(entry.user, (await this.deps.families.stores.users.getById(entry.user))?.username ?? null);
      }
    }
    return entries.map((entry) => ({ ...entry, username: entry.user === null ? null : (this.usernames.get(entry.user) ?? null) }));
  }

  /**
   * What the console's overview shows of the instance: version, store, schema, the
   * dev identity, the processes sharing the store, and the rate limits' mode with
   * this process's journal counts of calls and 429s per category.
   */
  async instance(): Promise<{
    pinbox: string;
    store: string;
    dialect: string;
    schema_version: number;
    dev: { username: string; token: string } | null;
    processes: InstanceProcesses;
    rate_limits: { mode: string; journal: { calls: number; limited: number; categories: CategoryCount[] } };
  }> {
    const dev = this.deps.dev;
    return {
      pinbox: this.options.version,
      store: this.options.store ?? this.deps.core.db.dialect,
      dialect: this.deps.core.db.dialect,
      schema_version: await schemaVersionOf(this.deps.core.db),
      dev: dev && { username: dev.username ?? DEV_USERNAME, token: dev.token },
      processes: await this.processes(),
      rate_limits: { mode: this.deps.rateLimits.policy.mode, journal: this.journal.categoryCounts() },
    };
  }

  /**
   * How many pinbox processes share the store: on PostgreSQL, every process holds
   * its process lock on a connection of its own named `pinbox lock <schema>`, so
   * pg_stat_activity counts them; a SQLite store has one process.
   */
  private async processes(): Promise<InstanceProcesses> {
    const db = this.deps.core.db;
    if (db.dialect !== 'postgres') return { count: 1, source: 'sqlite' };
    const schema = (db as unknown as { schema?: string }).schema;
    if (!schema) return { count: null, source: 'unknown' };
    try {
      // Loaded as the store loaded it (only a PostgreSQL store needs the driver).
      const { applicationName } = await import('../storage/postgres/postgres-database.js');
      const row = await db.get<{ n: number | string }>('SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = ?', [applicationName(schema, 'lock')]);
      return { count: Number(row?.n ?? 0), source: 'pg_stat_activity' };
    } catch {
      return { count: null, source: 'unknown' };
    }
  }

  /** The users, with their counts (the console's Content view). */
  async users(): Promise<{ id: string; username: string; account_type: string; business_name: string | null; board_count: number; pin_count: number }[]> {
    const rows = await this.deps.families.stores.users.listWithCounts();
    return rows.map(({ id, username, account_type, business_name, board_count, pin_count }) => ({ id, username, account_type, business_name, board_count, pin_count }));
  }

  /**
   * A short-lived token of `username` for the console to call /v5 with, as any
   * Pinterest client would (every scope, secret ones included; one hour), issued
   * for the dev app. The console keeps it in the page's memory only.
   */
  async consoleToken(username: string): Promise<{ token: string; expires_at: string; user_id: string }> {
    const { users, apps, tokens } = this.deps.families.stores;
    const user = await users.getByUsername(username);
    if (!user) throw new ApiError('user_not_found', `User '${username}' not found.`);
    return this.deps.core.db.transaction(async (tx) => {
      const dev = await findDev(this.deps, tx);
      const appId = dev?.appId ?? (await apps.findAny(tx))?.id;
      if (!appId) throw new ApiError('invalid_parameters', 'Invalid parameters: the store has no app to issue a console token for.');
      const issued = await tokens.issue(tx, { userId: user.id, appId, scopes: ALL_SCOPES, lifetimeMs: 60 * 60 * 1000 });
      return { token: issued.token, expires_at: new Date(issued.expiresAt).toISOString(), user_id: user.id };
    });
  }

  /** Installs the fault and journal hooks (before authentication) and the `/_pinbox` routes. */
  install(app: FastifyInstance): void {
    app.decorateRequest('faultId', null);
    app.decorateRequest('faultCaller', null);
    app.decorateRequest('journalPayload', null);
    app.addHook('onRequest', this.faults.hook);
    app.addHook('onRoute', this.journal.onRoute);
    app.addHook('onResponse', this.journal.onNotFound);
    app.register(controlRoutes(this, this.deps.families.stores.tokens), { prefix: '/_pinbox' });
    app.register(consoleRoutes({ sessions: this.consoleSessions, adminKey: this.options.adminKey, remote: this.options.remote ?? false, version: this.options.version }), { prefix: CONSOLE_PATH });
    app.register(landingPage(this, this.options.store ?? this.deps.core.db.dialect));
  }
}
