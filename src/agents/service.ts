import { ApiError } from '../kernel/errors.js';
import { PINTEREST_OPERATIONS } from '../kernel/operations.js';
import { ALL_SCOPES, type Scope } from '../kernel/scopes.js';
import type { Database } from '../storage/database.js';
import type { AgentRecord, AgentStore } from './agent-store.js';
import type { ApprovalStore } from './approvals.js';
import type { AuditLog } from './audit.js';
import type { Gateway, Verdict } from './gateway.js';
import { parsePolicy, parsePolicyFile, parseScopeList, PolicyError, policyApiError, type AgentPolicy } from './policy.js';

/** An agent as the control plane and the CLI show it: never its key or the key's hash. */
export interface AgentView {
  id: string;
  name: string;
  user: string;
  scopes: string[];
  policy: AgentPolicy;
  key_id: string;
  created_at: string;
  rotated_at: string | null;
  revoked: boolean;
}

export interface AgentInput {
  name: string;
  /** Username of the identity it acts as. */
  user: string;
  /** Scopes it may use (default: every scope; the policy narrows what it reaches). */
  scopes?: readonly string[];
  policy?: unknown;
  /** A key to use instead of a random one (fixtures, tests); `pbx_` + 8 hex + `_` + 40 hex. */
  key?: string;
}

const NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/;
/** Names the control plane's paths use (`/_pinbox/agents/audit`). */
const RESERVED = new Set(['apply', 'approvals', 'audit']);

/**
 * Agents: made, changed, rotated and revoked from code, the control plane, the CLI
 * and fixtures, all through here; each change drops every process's cached keys.
 */
export class AgentService {
  constructor(
    private readonly deps: {
      db: Database;
      agents: AgentStore;
      approvals: ApprovalStore;
      audit: AuditLog;
      gateway: Gateway;
      userIdOf(username: string): Promise<string | null>;
      usernameOf(userId: string): Promise<string | null>;
    },
  ) {}

  /** The control plane's admin tools, for agents granted it (set by the server once the control plane is built). */
  admin?: { reset(user?: string): Promise<void>; advanceClock(by: string | number): Promise<{ at: string }>; addFault(rule: Record<string, unknown>): Promise<unknown> };
  /** Whether the gateway fronts another v5 server (the tools' openWorldHint). */
  upstreamed = false;

  /** The operations pinbox serves (method, path, scopes), by operationId: set once the routes are built. */
  served = new Map<string, { method: string; url: string; scopes: readonly string[] }>();

  /** Records what pinbox serves (once its routes are registered): explain and the MCP catalogue read it. */
  serve(routes: readonly { method: string; url: string; policy?: { operationId: string; scopes: readonly string[] } }[]): void {
    for (const route of routes) if (route.policy) this.served.set(route.policy.operationId, { method: route.method, url: route.url, scopes: route.policy.scopes });
  }

  async view(agent: AgentRecord): Promise<AgentView> {
    return {
      id: agent.id,
      name: agent.name,
      user: (await this.deps.usernameOf(agent.userId)) ?? agent.userId,
      scopes: agent.scopes,
      policy: agent.policy,
      key_id: agent.keyId,
      created_at: new Date(agent.createdAt).toISOString(),
      rotated_at: agent.rotatedAt === null ? null : new Date(agent.rotatedAt).toISOString(),
      revoked: agent.revokedAt !== null,
    };
  }

  async list(): Promise<AgentView[]> {
    return Promise.all((await this.deps.agents.list()).map((agent) => this.view(agent)));
  }

  async get(name: string): Promise<AgentRecord> {
    const agent = await this.deps.agents.get(name);
    if (!agent) throw new ApiError('route_not_found', `No agent is named ${name}.`);
    return agent;
  }

  /** Checks an agent's fields; throws a 400 naming the one at fault. */
  async checked(input: AgentInput, userIdOf = this.deps.userIdOf): Promise<{ userId: string; scopes: Scope[]; policy: AgentPolicy }> {
    if (typeof input.name !== 'string' || !NAME.test(input.name) || RESERVED.has(input.name)) throw new ApiError('invalid_parameters', "Invalid parameters: 'name' must be lower-case letters, digits, - and _ (at most 64).");
    if (typeof input.user !== 'string') throw new ApiError('invalid_parameters', "Invalid parameters: 'user' must be the username the agent acts as.");
    const userId = await userIdOf(input.user);
    if (!userId) throw new ApiError('invalid_parameters', `Invalid parameters: 'user' names no user (${input.user}).`);
    if (input.key !== undefined && (typeof input.key !== 'string' || !/^pbx_[0-9a-f]{8}_[0-9a-f]{40}$/.test(input.key))) {
      throw new ApiError('invalid_parameters', "Invalid parameters: 'key' must be pbx_ then 8 and 40 hex characters.");
    }
    try {
      const scopes = input.scopes === undefined ? [...ALL_SCOPES] : parseScopeList(input.scopes, ['scopes']);
      return { userId, scopes, policy: parsePolicy(input.policy, []) };
    } catch (error) {
      if (error instanceof PolicyError && error.path[0] === 'scopes') throw new ApiError('invalid_parameters', `Invalid parameters: '${error.path.join('.')}' ${error.problem}.`);
      throw policyApiError(error);
    }
  }

  /** Makes an agent; its key is in the answer, once. */
  async create(input: AgentInput): Promise<{ agent: AgentView; key: string }> {
    const { userId, scopes, policy } = await this.checked(input);
    if (await this.deps.agents.get(input.name)) throw new ApiError('invalid_parameters', `Invalid parameters: 'name' ${input.name} is another agent's already.`);
    const made = await this.deps.db.transaction((tx) => this.deps.agents.create(tx, { name: input.name, userId, scopes, policy, key: input.key }));
    await this.deps.agents.changed();
    return { agent: await this.view(made.agent), key: made.key };
  }

  /** Changes an agent's policy, scopes or identity; takes effect on its next call. */
  async update(name: string, changes: { policy?: unknown; scopes?: readonly string[]; user?: string }): Promise<AgentView> {
    const agent = await this.get(name);
    const { userId, scopes, policy } = await this.checked({
      name,
      user: changes.user ?? (await this.deps.usernameOf(agent.userId)) ?? '',
      scopes: changes.scopes ?? agent.scopes,
      policy: changes.policy ?? agent.policy,
    });
    await this.deps.db.transaction((tx) => this.deps.agents.update(tx, agent.id, { policy, scopes, userId }));
    await this.deps.agents.changed();
    return this.view((await this.deps.agents.getById(agent.id))!);
  }

  async rotate(name: string): Promise<{ agent: AgentView; key: string }> {
    const agent = await this.get(name);
    const { key } = await this.deps.db.transaction((tx) => this.deps.agents.rotate(tx, agent.id));
    await this.deps.agents.changed();
    return { agent: await this.view((await this.deps.agents.getById(agent.id))!), key };
  }

  /** Revokes the agent's key: its next call is refused, in every process. */
  async revoke(name: string): Promise<AgentView> {
    const agent = await this.get(name);
    await this.deps.db.transaction((tx) => this.deps.agents.revoke(tx, agent.id));
    await this.deps.agents.changed();
    return this.view((await this.deps.agents.getById(agent.id))!);
  }

  async delete(name: string): Promise<void> {
    const agent = await this.get(name);
    await this.deps.db.transaction((tx) => this.deps.agents.delete(tx, agent.id));
    await this.deps.agents.changed();
  }

  /**
   * Applies a policy file: every agent in it made or updated, in one transaction
   * (a mistake anywhere changes nothing). New agents' keys are in the answer, once.
   */
  async apply(text: string): Promise<{ created: { name: string; key: string }[]; updated: string[] }> {
    let specs;
    try {
      specs = parsePolicyFile(text);
    } catch (error) {
      throw policyApiError(error);
    }
    const resolved: { name: string; userId: string; scopes: Scope[]; policy: AgentPolicy }[] = [];
    for (const spec of specs) {
      const userId = await this.deps.userIdOf(spec.user);
      if (!userId) throw new ApiError('invalid_parameters', `Invalid parameters: the policy file's agent ${spec.name} names no user (${spec.user}).`);
      resolved.push({ ...spec, userId, scopes: spec.scopes.length > 0 ? spec.scopes : [...ALL_SCOPES] });
    }
    const result = await this.deps.db.transaction(async (tx) => {
      const created: { name: string; key: string }[] = [];
      const updated: string[] = [];
      for (const spec of resolved) {
        const existing = await this.deps.agents.get(spec.name, tx);
        if (existing) {
          await this.deps.agents.update(tx, existing.id, { policy: spec.policy, scopes: spec.scopes, userId: spec.userId });
          updated.push(spec.name);
        } else {
          const made = await this.deps.agents.create(tx, { name: spec.name, userId: spec.userId, scopes: spec.scopes, policy: spec.policy });
          created.push({ name: spec.name, key: made.key });
        }
      }
      return { created, updated };
    });
    await this.deps.agents.changed();
    return result;
  }

  /**
   * What a call would get from an agent's policy, with no side effect:
   * `explain('bot', 'DELETE', '/boards/123')`.
   */
  async explain(name: string, method: string, path: string, body?: unknown): Promise<Verdict & { operation_id: string; agent: string }> {
    const agent = await this.get(name);
    const url = new URL(path.replace(/^\/v5/, ''), 'http://pinbox');
    const operation = matchOperation(method.toUpperCase(), url.pathname, (id) => this.served.get(id)?.scopes ?? []);
    if (!operation) throw new ApiError('invalid_parameters', `Invalid parameters: ${method.toUpperCase()} ${url.pathname} is no operation of Pinterest's API.`);
    const verdict = await this.deps.gateway.judge(agent, {
      operationId: operation.operationId,
      method: method.toUpperCase(),
      params: operation.params,
      query: Object.fromEntries(url.searchParams),
      body,
      scopes: operation.scopes,
    });
    return { ...verdict, operation_id: operation.operationId, agent: agent.name };
  }
}

/**
 * The operation a method and path are, with the path's parameters; a literal
 * segment wins over a parameter (`/campaigns/analytics` over `/campaigns/{id}`).
 */
export function matchOperation(method: string, path: string, scopesOf: (operationId: string) => readonly string[] = () => []): { operationId: string; params: Record<string, string>; scopes: readonly string[] } | null {
  let best: { operationId: string; params: Record<string, string>; scopes: readonly string[] } | null = null;
  for (const operation of PINTEREST_OPERATIONS) {
    if (operation.method !== method) continue;
    const names: string[] = [];
    const pattern = new RegExp(`^${operation.path.replace(/\{([a-z_]+)\}/g, (_m, name: string) => (names.push(name), '([^/]+)'))}/?$`);
    const match = pattern.exec(path);
    if (!match) continue;
    if (best && Object.keys(best.params).length <= names.length) continue;
    best = { operationId: operation.operationId, params: Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1])])), scopes: scopesOf(operation.operationId) };
  }
  return best;
}
