/**
 * The agent gateway on `/v5`: a call made with an agent key (`pbx_…`) is checked
 * against its agent's policy after its request is read and before its handler
 * runs, runs as the agent's identity, and is recorded in the audit log. The checks
 * run in order and the first deny wins: the key (valid, not revoked), the area's
 * level, the action's override (allow, ask, deny), the resource scope, the limits
 * (writes and spend per day), then the identity's own scopes (its roles are the
 * services' to check, as for any caller).
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AgentGateway } from '../kernel/agent-gateway.js';
import type { AuthContext } from '../kernel/auth.js';
import type { Clock } from '../kernel/clock.js';
import { ApiError } from '../kernel/errors.js';
import type { RoutePolicy } from '../kernel/route-policy.js';
import type { Database } from '../storage/database.js';
import { isAgentKey, keyHint, type AgentRecord, type AgentStore } from './agent-store.js';
import { argumentsHash, type ApprovalStore } from './approvals.js';
import { argsDigest, type AuditLog, type AuditTarget, type Decision, type Transport } from './audit.js';
import { areaOf, ruleFor } from './policy.js';

/** What a call is, as the gateway judges it. */
export interface GatewayCall {
  operationId: string;
  method: string;
  params: Record<string, unknown>;
  query: Record<string, unknown>;
  body: unknown;
  /** Scopes the operation needs (the route's). */
  scopes: readonly string[];
}

/** The gateway's answer to a call. */
export interface Verdict {
  decision: 'allowed' | 'denied' | 'ask';
  /** The rule that decided it: `boards.read`, `actions.delete_board.deny`, `scope.boards`, `limits.writes_per_day`, `identity.scopes`. */
  rule: string;
  /** Why, in words (for denials): "boards is Read for this agent". */
  reason?: string;
  area: string;
  write: boolean;
  /** The spend the call commits, in micro-currency (campaign and ad group budgets). */
  spend: number;
}

/** A call is a write unless it is a GET or needs only read scopes (an async report's POST reads). */
export function isWrite(method: string, scopes: readonly string[]): boolean {
  if (method === 'GET' || method === 'HEAD') return false;
  return scopes.length === 0 || scopes.some((scope) => !scope.endsWith(':read') && !scope.endsWith(':read_secret'));
}

const SPEND_FIELDS = ['daily_spend_cap', 'lifetime_spend_cap', 'budget_in_micro_currency'];

/** The budgets a campaign or ad group write sets, in micro-currency: what the spend limit counts. */
export function spendOf(operationId: string, body: unknown): number {
  if (!/^(campaigns|ad_groups)\/(create|update)$/.test(operationId)) return 0;
  const items = Array.isArray(body) ? body : [body];
  let total = 0;
  for (const item of items) {
    if (!item || typeof item !== 'object') continue;
    for (const field of SPEND_FIELDS) {
      const value = (item as Record<string, unknown>)[field];
      if (typeof value === 'number' && Number.isFinite(value) && value > 0) total += value;
    }
  }
  return total;
}

const LEVEL_WORDS = { off: 'Off', read: 'Read', full: 'Full' } as const;

/** The ids of the resources a call names, by kind. */
export function targetsOf(call: Pick<GatewayCall, 'params' | 'query' | 'body'>): AuditTarget[] {
  const targets: AuditTarget[] = [];
  addTargets(targets, call.params);
  addTargets(targets, call.query);
  if (call.body && typeof call.body === 'object' && !Array.isArray(call.body)) addTargets(targets, call.body as Record<string, unknown>);
  return targets;
}

// Every call names a few ids at most: a scan of the list is cheaper than a set made per call.
function addTargets(targets: AuditTarget[], source: Record<string, unknown>): void {
  addTarget(targets, 'ad_account', source.ad_account_id);
  addTarget(targets, 'board', source.board_id);
  addTarget(targets, 'pin', source.pin_id);
  addTarget(targets, 'section', source.section_id ?? source.board_section_id);
  addTarget(targets, 'campaign', source.campaign_id);
}

function addTarget(targets: AuditTarget[], kind: string, id: unknown): void {
  if (typeof id !== 'string' && typeof id !== 'number') return;
  const text = String(id);
  for (const target of targets) if (target.kind === kind && target.id === text) return;
  targets.push({ kind, id: text });
}

export interface GatewayDeps {
  db: Database;
  clock: Clock;
  agents: AgentStore;
  approvals: ApprovalStore;
  audit: AuditLog;
  /** The board a Pin is on (resource scopes name boards). */
  boardOfPin(pinId: string): Promise<string | null>;
  /** The name of a target at the time (a board's name, a Pin's title), for the log. */
  nameOf(target: AuditTarget): Promise<string | undefined>;
}

/** What the gateway keeps of a call between its hooks. */
interface CallState {
  agent: AgentRecord;
  transport: Transport;
  tool: string | null;
  startedAt: number;
  call?: GatewayCall;
  verdict?: Verdict;
  decision?: Decision;
  targets: AuditTarget[];
  code: number | null;
  /** Set when the gateway itself answered (a dry run, a pending approval). */
  recorded: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The agent call under way (decorated as null: every request keeps one shape). */
    agentCall: CallState | null;
  }
}

/** The MCP server's calls into /v5 carry this header: `NONCE TRANSPORT TOOL`, so their log entries name the transport and tool. */
export const MCP_CALL_HEADER = 'x-pinbox-mcp-call';
/** An agent presents an approval granted for a call in this header (REST) or as `approval_id` (MCP). */
export const APPROVAL_HEADER = 'x-pinbox-approval';

export class Gateway implements AgentGateway {
  /** Another v5 server the gateway fronts (`--upstream`): agents' calls, once allowed, are sent there. */
  upstream: { url: string; token: string } | null = null;
  /** A secret of this process: only the in-process MCP server can label a call as MCP's. */
  readonly mcpNonce = randomBytes(16).toString('hex');
  private readonly contexts = new WeakMap<AgentRecord, AuthContext>();
  /**
   * An agent's verdict on each read it may make with no resource scope: decided by
   * its policy and identity alone, so worked out once (a changed agent is a new record).
   */
  private readonly readVerdicts = new WeakMap<AgentRecord, Map<string, Verdict>>();

  constructor(private readonly deps: GatewayDeps) {}

  isAgentKey(token: string): boolean {
    return isAgentKey(token);
  }

  /** The identity an agent key acts as, or null (unknown or revoked: 401). */
  resolve(key: string, request: FastifyRequest): AuthContext | null | Promise<AuthContext | null> {
    const found = this.deps.agents.resolve(key);
    if (found instanceof Promise) return found.then((agent) => this.admit(agent, request));
    return this.admit(found, request);
  }

  /** The agent a key names, if it is live (for the MCP endpoint). */
  async liveAgent(key: string): Promise<AgentRecord | null> {
    const agent = await this.deps.agents.resolve(key);
    return agent && agent.revokedAt === null ? agent : null;
  }

  private admit(agent: AgentRecord | null, request: FastifyRequest): AuthContext | null {
    if (!agent) return null;
    const label = this.labelOf(request);
    if (agent.revokedAt !== null) {
      // Rule 1: a revoked key is refused (401), and the attempt recorded.
      this.deps.audit.record({
        ts: this.deps.clock.now(),
        agent: agent.name,
        agent_id: agent.id,
        key_id: agent.keyId,
        transport: label.transport,
        tool: label.tool,
        area: 'unknown',
        action: 'call',
        operation_id: request.routeOptions?.config?.policy?.operationId ?? 'unknown',
        targets: [],
        decision: 'denied',
        rule: 'key.revoked',
        reason: 'its key was revoked',
        status: 401,
        code: 2,
        duration_ms: 0,
        request_id: request.id,
        args_digest: argsDigest(null),
      });
      return null;
    }
    // One shape for every call's state (the engine keeps one hidden class).
    request.agentCall = { agent, transport: label.transport, tool: label.tool, startedAt: performance.now(), call: undefined, verdict: undefined, decision: undefined, targets: [], code: null, recorded: label.recorded };
    let context = this.contexts.get(agent);
    if (!context) {
      context = {
        userId: agent.userId,
        // pinbox: an agent's calls count against its own rate limits, as an app of standard access.
        appId: `agent:${agent.id}`,
        scopes: new Set(agent.scopes),
        tier: 'standard',
        sandbox: false,
        callerKey: `agent:${agent.id}:${agent.userId}`,
        agent: { id: agent.id, name: agent.name, keyId: agent.keyId },
      };
      this.contexts.set(agent, context);
    }
    return context;
  }

  /** pinbox's clock, for entries written outside a request. */
  now(): number {
    return this.deps.clock.now();
  }

  /**
   * Which transport and tool made a call: the in-process MCP server labels its calls
   * (`quiet` for the reads a dry run makes, which its own entry covers).
   */
  private labelOf(request: FastifyRequest): { transport: Transport; tool: string | null; recorded: boolean } {
    const header = request.headers[MCP_CALL_HEADER];
    if (typeof header === 'string') {
      const [nonce, transport, tool, quiet] = header.split(' ');
      if (nonce === this.mcpNonce && (transport === 'mcp-http' || transport === 'mcp-stdio')) return { transport, tool: tool ?? null, recorded: quiet === 'quiet' };
    }
    return REST_LABEL;
  }

  /**
   * The policy's verdict on a call, with no side effect (`explain`): the limits are
   * read, not counted.
   */
  async judge(agent: AgentRecord, call: GatewayCall, options: { listing?: boolean } = {}): Promise<Verdict> {
    return this.verdictOf(agent, call, options);
  }

  /** The verdict, at once when nothing need be read (a read with no resource scope: the common call). */
  private verdictOf(agent: AgentRecord, call: GatewayCall, options: { listing?: boolean } = {}): Verdict | Promise<Verdict> {
    const { policy } = agent;
    if (call.method !== 'GET' || policy.scope.boards || policy.scope.ad_accounts) return this.judgeFully(agent, call, options);
    let verdicts = this.readVerdicts.get(agent);
    if (!verdicts) {
      verdicts = new Map();
      this.readVerdicts.set(agent, verdicts);
    }
    let verdict = verdicts.get(call.operationId);
    if (!verdict) {
      verdict = Object.freeze(this.policyVerdict(agent, call, false, 0) ?? this.identityVerdict(agent, call, false, 0));
      verdicts.set(call.operationId, verdict);
    }
    return verdict;
  }

  /** Rules 2 and 3: the area's level, the action's deny. */
  private policyVerdict(agent: AgentRecord, call: GatewayCall, write: boolean, spend: number): Verdict | null {
    const { area, level, from, override } = ruleFor(agent.policy, call.operationId);
    if (level === 'off') return { area, write, spend, decision: 'denied', rule: `${from}.off`, reason: `${from} is Off for this agent` };
    if (write && level === 'read') return { area, write, spend, decision: 'denied', rule: `${from}.read`, reason: `${from} is Read for this agent` };
    if (override?.override === 'deny') return { area, write, spend, decision: 'denied', rule: `actions.${override.key}.deny`, reason: `the policy denies ${override.key} to this agent` };
    return null;
  }

  /** Rule 6, then the action's ask: the identity's scopes; what the policy allows. */
  private identityVerdict(agent: AgentRecord, call: GatewayCall, write: boolean, spend: number): Verdict {
    const { area, level, from, override } = ruleFor(agent.policy, call.operationId);
    const base = { area, write, spend };
    const missing = call.scopes.filter((scope) => !agent.scopes.includes(scope));
    if (missing.length > 0) return { ...base, decision: 'denied', rule: 'identity.scopes', reason: `its identity lacks ${missing.join(', ')}` };
    if (override?.override === 'ask') return { ...base, decision: 'ask', rule: `actions.${override.key}.ask`, reason: `the policy asks a person before ${override.key}` };
    return { ...base, decision: 'allowed', rule: override ? `actions.${override.key}.allow` : `${from}.${level}` };
  }

  private async judgeFully(agent: AgentRecord, call: GatewayCall, options: { listing?: boolean }): Promise<Verdict> {
    const { policy } = agent;
    const write = isWrite(call.method, call.scopes);
    const spend = write ? spendOf(call.operationId, call.body) : 0;
    const early = this.policyVerdict(agent, call, write, spend);
    if (early) return early;
    const base = { area: ruleFor(policy, call.operationId).area, write, spend };
    const scoped = policy.scope.boards || policy.scope.ad_accounts ? await this.outOfScope(agent, call) : null;
    if (scoped) return { ...base, decision: 'denied', ...scoped };
    // A tool list shows what the policy allows, whatever is left of today's limits.
    if (write && !options.listing) {
      const usage = await this.deps.agents.usage(agent.id);
      const { writes_per_day, spend_per_day_micro } = policy.limits;
      if (writes_per_day !== undefined && usage.writes >= writes_per_day) {
        return { ...base, decision: 'denied', rule: 'limits.writes_per_day', reason: `it made its ${writes_per_day} writes for ${usage.day} already` };
      }
      if (spend_per_day_micro !== undefined && usage.spend_micro + spend > spend_per_day_micro) {
        return { ...base, decision: 'denied', rule: 'limits.spend_per_day_micro', reason: `it would commit ${usage.spend_micro + spend} micro-currency today, over its ${spend_per_day_micro}` };
      }
    }
    return this.identityVerdict(agent, call, write, spend);
  }

  private async outOfScope(agent: AgentRecord, call: GatewayCall): Promise<{ rule: string; reason: string } | null> {
    const { boards, ad_accounts } = agent.policy.scope;
    const targets = targetsOf(call);
    if (ad_accounts) {
      for (const target of targets.filter((t) => t.kind === 'ad_account')) {
        if (!ad_accounts.includes(target.id)) return { rule: 'scope.ad_accounts', reason: `ad account ${target.id} is outside this agent's ad accounts` };
      }
    }
    if (boards) {
      for (const target of targets) {
        const board = target.kind === 'board' ? target.id : target.kind === 'pin' ? await this.deps.boardOfPin(target.id) : undefined;
        if (board === undefined) continue;
        if (board === null || !boards.includes(board)) return { rule: 'scope.boards', reason: `${target.kind} ${target.id} is outside this agent's boards` };
      }
    }
    return null;
  }

  /**
   * preHandler: judges the call; a denial or an approval still to give is thrown as
   * Pinterest's 403. With an upstream, an allowed call is answered from there.
   */
  check(request: FastifyRequest, reply: FastifyReply, policy: RoutePolicy): void | Promise<void> {
    const state = request.agentCall;
    if (!state) return;
    const call: GatewayCall = {
      operationId: policy.operationId,
      method: request.method,
      params: (request.params ?? {}) as Record<string, unknown>,
      query: (request.query ?? {}) as Record<string, unknown>,
      body: request.body,
      scopes: policy.scopes,
    };
    state.call = call;
    state.targets = targetsOf(call);
    const verdict = this.verdictOf(state.agent, call);
    if (verdict instanceof Promise) return verdict.then((judged) => this.apply(request, reply, state, call, judged));
    // An allowed read here needs nothing more: no promise is made for it.
    if (!verdict.write && verdict.decision === 'allowed' && !this.upstream) {
      state.verdict = verdict;
      state.decision = 'allowed';
      return;
    }
    if (!verdict.write && verdict.decision === 'denied') {
      state.verdict = verdict;
      state.decision = 'denied';
      throw denial(verdict);
    }
    return this.apply(request, reply, state, call, verdict);
  }

  /** The rest of a judged call: target names, a denial, an approval, the day's count, the upstream. */
  private async apply(request: FastifyRequest, reply: FastifyReply, state: CallState, call: GatewayCall, verdict: Verdict): Promise<void> {
    state.verdict = verdict;
    // Names at the time, before a write changes them (a deleted board keeps its name in the log).
    if (verdict.write) await this.nameTargets(state.targets);
    if (verdict.decision === 'denied') {
      state.decision = 'denied';
      throw denial(verdict);
    }
    let approved = false;
    if (verdict.decision === 'ask') {
      approved = await this.takeApproval(request, state, call, verdict);
      state.decision = 'approved';
    } else state.decision = 'allowed';
    if (verdict.write) {
      const counted = await this.deps.agents.countWrite(this.deps.db, state.agent.id, { writes: state.agent.policy.limits.writes_per_day, spend: state.agent.policy.limits.spend_per_day_micro }, verdict.spend);
      if (counted !== 'ok') {
        state.decision = 'denied';
        state.verdict = { ...verdict, decision: 'denied', rule: counted === 'writes' ? 'limits.writes_per_day' : 'limits.spend_per_day_micro', reason: 'its limit for today was reached' };
        throw denial(state.verdict);
      }
    }
    void approved;
    if (this.upstream) await this.forward(request, reply);
  }

  /**
   * Sends an allowed call to the upstream with its Pinterest token (never the
   * agent's key) and answers with what it answered. Only this host's calls go
   * there: the URL is the operator's, the path the route's.
   */
  private async forward(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const upstream = this.upstream!;
    const headers: Record<string, string> = { authorization: `Bearer ${upstream.token}`, accept: 'application/json' };
    const hasBody = request.body !== undefined && request.method !== 'GET' && request.method !== 'HEAD';
    if (hasBody) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${upstream.url}${request.url}`, { method: request.method, headers, body: hasBody ? JSON.stringify(request.body) : undefined, redirect: 'manual' });
    } catch {
      throw new ApiError('unavailable_here', `pinbox agent gateway: the upstream ${upstream.url} did not answer; nothing was changed here.`);
    }
    const text = await response.text();
    reply.code(response.status);
    for (const name of ['content-type', 'x-ratelimit-limit', 'x-ratelimit-remaining', 'x-ratelimit-reset', 'retry-after']) {
      const value = response.headers.get(name);
      if (value !== null) reply.header(name, value);
    }
    const upstreamRid = response.headers.get('x-pinterest-rid');
    if (upstreamRid) reply.header('x-pinbox-upstream-rid', upstreamRid);
    await reply.send(text.length > 0 ? text : undefined);
  }

  /** An `ask` call runs only with a granted approval for these exact arguments; without one it asks for one. */
  private async takeApproval(request: FastifyRequest, state: CallState, call: GatewayCall, verdict: Verdict): Promise<boolean> {
    const hash = argumentsHash(call.operationId, call.params, call.query, call.body);
    const given = request.headers[APPROVAL_HEADER];
    if (typeof given === 'string' && given) {
      const approval = await this.deps.approvals.get(given);
      const fail = (rule: string, reason: string, decision: Decision = 'denied') => {
        state.decision = decision;
        state.verdict = { ...verdict, decision: 'denied', rule, reason };
        return denial(state.verdict);
      };
      if (!approval || approval.agent_id !== state.agent.id) throw fail('approval.unknown', `approval ${given} is not one of this agent's`);
      if (approval.status === 'expired') throw fail('approval.expired', `approval ${given} expired`);
      if (approval.status === 'rejected') throw fail('approval.rejected', `a person rejected approval ${given}`, 'rejected');
      if (approval.status === 'pending') throw fail('approval.pending', `approval ${given} is still waiting for a person`, 'asked');
      if (approval.status === 'used') throw fail('approval.used', `approval ${given} was used already`);
      if (approval.args_hash !== hash || approval.operation_id !== call.operationId) throw fail('approval.arguments_changed', `approval ${given} covers other arguments`);
      if (!(await this.deps.approvals.use(this.deps.db, given))) throw fail('approval.used', `approval ${given} was used already`);
      return true;
    }
    const approval = await this.deps.approvals.create({
      agent_id: state.agent.id,
      operation_id: call.operationId,
      args_hash: hash,
      request: { method: call.method, path: request.url.split('?')[0], query: call.query, body: call.body, sentence: `${state.agent.name} asks to ${call.operationId} ${JSON.stringify(call.params)}` },
    });
    state.decision = 'asked';
    state.verdict = { ...verdict, reason: `the policy asks a person first; approval ${approval.id} is pending` };
    throw new ApiError(
      'not_permitted',
      `pinbox agent gateway: pending approval ${approval.id}: the policy asks a person before ${call.operationId} (rule ${verdict.rule}). Once approved (\`pinbox agents approve ${approval.id}\`), repeat the same call with the header ${APPROVAL_HEADER}: ${approval.id} before ${new Date(approval.expires_at).toISOString()}.`,
    );
  }

  private async nameTargets(targets: AuditTarget[]): Promise<void> {
    for (const target of targets) {
      if (target.name === undefined) target.name = await this.deps.nameOf(target);
    }
  }

  /**
   * onSend (the gateway's one hook after the handler): keeps the Pinterest code of
   * an error and a read's target names from its answer, then writes the entry.
   */
  answered(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown {
    const state = request.agentCall;
    if (!state) return payload;
    const { scope } = state.agent.policy;
    if ((scope.boards || scope.ad_accounts) && typeof payload === 'string' && reply.statusCode === 200 && request.method === 'GET' && state.call) {
      payload = scopedList(state.call.operationId, payload, scope);
    }
    if (typeof payload === 'string') {
      if (reply.statusCode >= 400) state.code = codeOf(payload);
      // A read names what it read: the answer's own name or title, when it is the one target's.
      else if (state.targets.length === 1 && state.targets[0].name === undefined && payload.startsWith('{"id":"') && payload.startsWith(state.targets[0].id, 7) && payload.charCodeAt(7 + state.targets[0].id.length) === 34) {
        const name = topName(payload);
        if (name !== undefined) state.targets[0].name = name;
      }
    }
    this.done(request, reply);
    return payload;
  }

  /** The call's entry in the audit log. */
  done(request: FastifyRequest, reply: FastifyReply): void {
    const state = request.agentCall;
    if (!state || state.recorded) return;
    const call = state.call;
    const operationId = call?.operationId ?? request.routeOptions?.config?.policy?.operationId ?? 'unknown';
    const verdict = state.verdict;
    this.deps.audit.record({
      ts: this.deps.clock.now(),
      agent: state.agent.name,
      agent_id: state.agent.id,
      key_id: state.agent.keyId,
      transport: state.transport,
      tool: state.tool,
      area: verdict?.area ?? areaOf(operationId),
      action: verdict?.write ? 'write' : 'read',
      operation_id: operationId,
      targets: state.targets,
      decision: state.decision ?? (reply.statusCode < 400 ? 'allowed' : 'denied'),
      rule: verdict?.rule ?? 'kernel',
      reason: state.decision === 'allowed' || state.decision === 'approved' ? undefined : verdict?.reason,
      status: reply.statusCode,
      code: state.code,
      duration_ms: Math.round(performance.now() - state.startedAt),
      request_id: request.id,
      args_digest: argsDigest(call ? { params: call.params, query: call.query, body: call.body } : null),
    });
  }
}

const REST_LABEL = Object.freeze({ transport: 'rest' as Transport, tool: null, recorded: false });

/** Lists whose items are boards, and ad accounts, by their `id`. */
const BOARD_LISTS = new Set(['boards/list', 'search_user_boards/get']);
const AD_ACCOUNT_LISTS = new Set(['ad_accounts/list']);

/**
 * A list answer as an agent with resource scopes sees it: only its boards (and the
 * Pins on them) and its ad accounts. pinbox: a page keeps Pinterest's bookmark, so it
 * may hold fewer items than `page_size`; the next page goes on as before.
 */
function scopedList(operationId: string, payload: string, scope: AgentRecord['policy']['scope']): string {
  if (!payload.startsWith('{"items":')) return payload;
  let answer: { items?: unknown };
  try {
    answer = JSON.parse(payload) as { items?: unknown };
  } catch {
    return payload;
  }
  if (!Array.isArray(answer.items)) return payload;
  const boardList = BOARD_LISTS.has(operationId);
  const accountList = AD_ACCOUNT_LISTS.has(operationId);
  const kept = answer.items.filter((item: Record<string, unknown> | null) => {
    if (!item || typeof item !== 'object') return true;
    if (scope.boards) {
      if (boardList && typeof item.id === 'string' && !scope.boards.includes(item.id)) return false;
      if (typeof item.board_id === 'string' && !scope.boards.includes(item.board_id)) return false;
    }
    if (scope.ad_accounts) {
      if (accountList && typeof item.id === 'string' && !scope.ad_accounts.includes(item.id)) return false;
      if (typeof item.ad_account_id === 'string' && !scope.ad_accounts.includes(item.ad_account_id)) return false;
    }
    return true;
  });
  if (kept.length === answer.items.length) return payload;
  return JSON.stringify({ ...answer, items: kept });
}

/** The Pinterest code of an error answer. */
function codeOf(payload: string): number | null {
  const match = /^\{"code":(\d+)/.exec(payload);
  return match ? Number(match[1]) : null;
}

/**
 * The name (a board's) or title (a Pin's) of an answer, read without parsing all of
 * it: both come before any nested object in pinbox's answers.
 */
function topName(payload: string): string | undefined {
  // Two searches for a fixed text are cheaper than a pattern tried at every place.
  const name = payload.indexOf('"name":"');
  const title = payload.indexOf('"title":"');
  const at = name === -1 ? title : title === -1 ? name : Math.min(name, title);
  if (at === -1 || at > 4096) return undefined;
  const start = payload.indexOf('"', payload.indexOf(':', at) + 1);
  const end = payload.indexOf('"', start + 1);
  if (end === -1) return undefined;
  const raw = payload.slice(start + 1, end);
  if (!raw.includes('\\')) return raw;
  // An escape: read the whole string as JSON.
  const match = /^"(?:[^"\\]|\\.)*"/.exec(payload.slice(start, start + 4096));
  if (!match) return undefined;
  try {
    return JSON.parse(match[0]) as string;
  } catch {
    return undefined;
  }
}

/** A denial as Pinterest's 403, naming the rule. */
export function denial(verdict: Pick<Verdict, 'rule' | 'reason'>): ApiError {
  return new ApiError('not_permitted', `pinbox agent gateway: denied, because ${verdict.reason ?? 'the policy says so'} (rule ${verdict.rule}).`);
}

/** An agent's key, named in a sentence. */
export function agentLabel(agent: AgentRecord): string {
  return `${agent.name} (key ${keyHint(agent.keyId)})`;
}

/** The level words, for explanations. */
export { LEVEL_WORDS };
