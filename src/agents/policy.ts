/**
 * An agent's policy: per area (the spec's tags) Off, Read or Full, denied by
 * default; per action an override (allow, ask, deny); resource scopes (boards, ad
 * accounts); limits (writes and spend per day). Given as an object (code, the
 * control plane, fixtures) or as a YAML or JSON file whose errors name the line.
 */
import { isMap, isSeq, LineCounter, parseDocument, type Document } from 'yaml';
import { ApiError } from '../kernel/errors.js';
import { OPERATIONS_BY_TAG } from '../kernel/operations-table.js';
import { isScope, type Scope } from '../kernel/scopes.js';

export type AreaLevel = 'off' | 'read' | 'full';
export type ActionOverride = 'allow' | 'ask' | 'deny';

export interface AgentPolicy {
  /** Area (a spec tag, or a group of `AREA_GROUPS`) to level; an area not named is Off. */
  areas: Record<string, AreaLevel>;
  /** operationId (or a curated tool's name) to an override. */
  actions: Record<string, ActionOverride>;
  /** Resource scopes: calls naming a board or ad account outside these are denied. */
  scope: { boards?: string[]; ad_accounts?: string[] };
  limits: { writes_per_day?: number; spend_per_day_micro?: number };
  /** Admin-only MCP tools (reset, clock, faults): only for an agent granted the control plane. */
  control_plane?: boolean;
}

/** The areas: the spec's tags, declared once (the operations table), each operation in one. */
export const AREAS: readonly string[] = Object.keys(OPERATIONS_BY_TAG);

/**
 * Areas that stand for several tags, so a policy can say `ads: read` as the Ads MCP
 * families do. A tag named itself wins over its group.
 */
export const AREA_GROUPS: Readonly<Record<string, readonly string[]>> = {
  ads: ['ad_accounts', 'ad_groups', 'ads', 'campaigns', 'keywords', 'targeting_template', 'billing', 'bulk', 'audience_insights', 'resources'],
  account: ['user_account'],
  catalogs_all: ['catalogs', 'catalog_feeds', 'catalog_items', 'catalog_product_groups', 'catalog_reports'],
  // pinbox: the newer families as one area each, named for their main tag (`catalogs: read`
  // covers feeds, items, product groups and reports too; a tag named itself still wins).
  catalogs: ['catalogs', 'catalog_feeds', 'catalog_items', 'catalog_product_groups', 'catalog_reports', 'product_categories'],
  audiences: ['audiences', 'audience_sharing', 'customer_lists', 'customer_list_uploads'],
  conversions: ['conversions', 'conversion_events', 'conversion_tags', 'conversion_eqs', 'msot_events'],
  lead_ads: ['lead_ads', 'lead_forms', 'leads_export'],
};

const AREA_OF = new Map<string, string>(Object.entries(OPERATIONS_BY_TAG).flatMap(([tag, entries]) => entries.map((entry) => [entry.split(' ')[2], tag] as const)));

/** The area (spec tag) of an operation. */
export function areaOf(operationId: string): string {
  return AREA_OF.get(operationId) ?? 'unknown';
}

/**
 * The curated MCP tools' names an `actions` entry may use instead of an operationId
 * (`delete_board: deny`), as agents.md's policy example writes them.
 */
export const ACTION_ALIASES: Readonly<Record<string, string>> = {
  delete_board: 'boards/delete',
  delete_pin: 'pins/delete',
  delete_board_section: 'board_sections/delete',
  create_board: 'boards/create',
  update_board: 'boards/update',
  create_pin: 'pins/create',
  create_video_pin: 'pins/create',
  update_pin: 'pins/update',
  save_pin: 'pins/save',
  create_campaign: 'campaigns/create',
  update_campaigns: 'campaigns/update',
  update_ad_groups: 'ad_groups/update',
};

/** The level an agent has in an operation's area, and which key of the policy gave it. */
export function levelFor(policy: AgentPolicy, area: string): { level: AreaLevel; from: string } {
  const own = policy.areas[area];
  if (own) return { level: own, from: area };
  for (const [group, tags] of Object.entries(AREA_GROUPS)) {
    const level = policy.areas[group];
    if (level && tags.includes(area)) return { level, from: group };
  }
  return { level: 'off', from: area };
}

/** The override for an operation, and the key that gave it. */
export function overrideFor(policy: AgentPolicy, operationId: string): { override: ActionOverride; key: string } | null {
  if (policy.actions[operationId]) return { override: policy.actions[operationId], key: operationId };
  for (const [alias, target] of Object.entries(ACTION_ALIASES)) {
    if (target === operationId && policy.actions[alias]) return { override: policy.actions[alias], key: alias };
  }
  return null;
}

/** What a policy says of one operation: its area's level (and the key that gave it) and its override. */
export interface OperationRule {
  area: string;
  level: AreaLevel;
  from: string;
  override: { override: ActionOverride; key: string } | null;
}

const compiled = new WeakMap<AgentPolicy, Map<string, OperationRule>>();

/**
 * The policy's rule for an operation, worked out once per policy and operation
 * (a changed policy is a new object, so nothing stale is kept).
 * @example ruleFor(policy, 'boards/delete') // { area: 'boards', level: 'read', from: 'boards', override: null }
 */
export function ruleFor(policy: AgentPolicy, operationId: string): OperationRule {
  let rules = compiled.get(policy);
  if (!rules) {
    rules = new Map();
    compiled.set(policy, rules);
  }
  let rule = rules.get(operationId);
  if (!rule) {
    const area = areaOf(operationId);
    rule = { area, ...levelFor(policy, area), override: overrideFor(policy, operationId) };
    rules.set(operationId, rule);
  }
  return rule;
}

const LEVELS = new Set(['off', 'read', 'full']);
const OVERRIDES = new Set(['allow', 'ask', 'deny']);
const KNOWN_OPERATIONS = new Set(AREA_OF.keys());
const POLICY_KEYS = new Set(['areas', 'actions', 'scope', 'limits', 'control_plane']);

/** A policy problem at a path of the input (`areas.pins`). */
export class PolicyError extends Error {
  constructor(
    readonly path: (string | number)[],
    readonly problem: string,
  ) {
    super(`'${path.join('.')}' ${problem}`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a policy given as data and returns it normalised (levels and overrides
 * lower-case); throws `PolicyError` naming the path at fault.
 * @example parsePolicy({ areas: { pins: 'full', boards: 'read' }, actions: { delete_pin: 'ask' } })
 */
export function parsePolicy(value: unknown, at: (string | number)[] = []): AgentPolicy {
  if (value === undefined || value === null) return { areas: {}, actions: {}, scope: {}, limits: {} };
  if (!isObject(value)) throw new PolicyError(at.length ? at : ['policy'], 'must be an object');
  for (const key of Object.keys(value)) if (!POLICY_KEYS.has(key)) throw new PolicyError([...at, key], `is not a policy field (areas, actions, scope, limits, control_plane)`);
  const areas: Record<string, AreaLevel> = {};
  const actions: Record<string, ActionOverride> = {};
  if (value.areas !== undefined) {
    if (!isObject(value.areas)) throw new PolicyError([...at, 'areas'], 'must map areas to off, read or full');
    for (const [area, level] of Object.entries(value.areas)) {
      if (!AREAS.includes(area) && !(area in AREA_GROUPS)) throw new PolicyError([...at, 'areas', area], `is not an area (the spec's tags: ${AREAS.slice(0, 6).join(', ')}, …; or ${Object.keys(AREA_GROUPS).join(', ')})`);
      const text = typeof level === 'string' ? level.toLowerCase() : level;
      if (typeof text !== 'string' || !LEVELS.has(text)) throw new PolicyError([...at, 'areas', area], 'must be off, read or full');
      areas[area] = text as AreaLevel;
    }
  }
  if (value.actions !== undefined) {
    if (!isObject(value.actions)) throw new PolicyError([...at, 'actions'], 'must map operations to allow, ask or deny');
    for (const [action, override] of Object.entries(value.actions)) {
      if (!KNOWN_OPERATIONS.has(action) && !(action in ACTION_ALIASES)) throw new PolicyError([...at, 'actions', action], 'is not an operationId of the spec (e.g. boards/delete) or a tool name (e.g. delete_board)');
      const text = typeof override === 'string' ? override.toLowerCase() : override;
      if (typeof text !== 'string' || !OVERRIDES.has(text)) throw new PolicyError([...at, 'actions', action], 'must be allow, ask or deny');
      actions[action] = text as ActionOverride;
    }
  }
  const scope: AgentPolicy['scope'] = {};
  if (value.scope !== undefined) {
    if (!isObject(value.scope)) throw new PolicyError([...at, 'scope'], 'must be an object with boards and/or ad_accounts');
    for (const [key, ids] of Object.entries(value.scope)) {
      if (key !== 'boards' && key !== 'ad_accounts') throw new PolicyError([...at, 'scope', key], 'is not a resource scope (boards, ad_accounts)');
      if (!Array.isArray(ids)) throw new PolicyError([...at, 'scope', key], 'must be a list of ids');
      ids.forEach((id, index) => {
        if (typeof id !== 'string' && typeof id !== 'number') throw new PolicyError([...at, 'scope', key, index], 'must be an id');
        if (!/^\d+$/.test(String(id))) throw new PolicyError([...at, 'scope', key, index], 'must be a numeric id');
      });
      scope[key] = ids.map(String);
    }
  }
  const limits: AgentPolicy['limits'] = {};
  if (value.limits !== undefined) {
    if (!isObject(value.limits)) throw new PolicyError([...at, 'limits'], 'must be an object');
    for (const [key, limit] of Object.entries(value.limits)) {
      if (key !== 'writes_per_day' && key !== 'spend_per_day_micro') throw new PolicyError([...at, 'limits', key], 'is not a limit (writes_per_day, spend_per_day_micro)');
      const most = key === 'writes_per_day' ? 2_147_483_646 : Number.MAX_SAFE_INTEGER;
      if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0 || limit > most) throw new PolicyError([...at, 'limits', key], `must be a whole number from 0 to ${most}`);
      limits[key] = limit;
    }
  }
  const policy: AgentPolicy = { areas, actions, scope, limits };
  if (value.control_plane !== undefined) {
    if (typeof value.control_plane !== 'boolean') throw new PolicyError([...at, 'control_plane'], 'must be true or false');
    policy.control_plane = value.control_plane;
  }
  return policy;
}

/** One agent as a policy file describes it. */
export interface AgentSpec {
  name: string;
  /** The username of the identity it acts as. */
  user: string;
  scopes: Scope[];
  policy: AgentPolicy;
}

/** The error of a file: the line (1-based) and what is wrong there. */
export class PolicyFileError extends Error {
  constructor(
    readonly line: number,
    readonly problem: string,
  ) {
    super(`line ${line}: ${problem}`);
  }
}

/**
 * Parses a policy file (YAML, of which JSON is a subset):
 * `version: 1` and `agents: { NAME: { user, scopes, areas, actions, scope, limits } }`.
 * A mistake is a `PolicyFileError` naming its line.
 * @example parsePolicyFile('version: 1\nagents:\n  bot:\n    user: alice\n    areas: { pins: full }\n')
 */
export function parsePolicyFile(text: string): AgentSpec[] {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const error = doc.errors[0];
    throw new PolicyFileError(lines.linePos(error.pos[0]).line, error.message.split('\n')[0]);
  }
  const lineOf = (path: (string | number)[]): number => lineAt(doc, lines, path);
  const data = doc.toJS() as unknown;
  try {
    if (!isObject(data)) throw new PolicyError([], 'must be an object with version and agents');
    for (const key of Object.keys(data)) if (key !== 'version' && key !== 'agents') throw new PolicyError([key], 'is not a field of a policy file (version, agents)');
    if (data.version !== 1) throw new PolicyError(['version'], 'must be 1');
    if (!isObject(data.agents)) throw new PolicyError(['agents'], 'must map agent names to their policies');
    return Object.entries(data.agents).map(([name, entry]) => {
      if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(name)) throw new PolicyError(['agents', name], 'must be a name of lower-case letters, digits, - and _ (at most 64)');
      if (!isObject(entry)) throw new PolicyError(['agents', name], 'must be an object');
      const { user, scopes, key_id: _keyId, ...policy } = entry;
      if (typeof user !== 'string' || !user) throw new PolicyError(['agents', name, ...(user === undefined ? [] : ['user'])], user === undefined ? "needs 'user', the username it acts as" : 'must be a username');
      return { name, user, scopes: parseScopeList(scopes, ['agents', name, 'scopes']), policy: parsePolicy(policy, ['agents', name]) };
    });
  } catch (error) {
    if (error instanceof PolicyError) throw new PolicyFileError(lineOf(error.path), error.message);
    throw error;
  }
}

/** A list of scopes (default: all the identity holds is not assumed: an empty list grants none). */
export function parseScopeList(value: unknown, at: (string | number)[]): Scope[] {
  if (value === undefined) return [];
  const list = typeof value === 'string' ? value.split(/[\s,]+/).filter(Boolean) : value;
  if (!Array.isArray(list)) throw new PolicyError(at, 'must be a list of scopes');
  return list.map((scope, index) => {
    if (typeof scope !== 'string' || !isScope(scope)) throw new PolicyError([...at, index], `is not a Pinterest scope (e.g. pins:read, boards:write)`);
    return scope;
  });
}

/** The line of the node at `path`, or of its nearest parent that exists. */
function lineAt(doc: Document, lines: LineCounter, path: (string | number)[]): number {
  for (let length = path.length; length >= 0; length--) {
    const part = path.slice(0, length);
    const node = part.length === 0 ? doc.contents : doc.getIn(part, true);
    // A key names its line better than its value (a nested map starts on the next line).
    const key = part.length > 0 ? keyNodeAt(doc, part) : null;
    const range = (key as { range?: number[] } | null)?.range ?? (node as { range?: number[] } | null)?.range;
    if (range) return lines.linePos(range[0]).line;
  }
  return 1;
}

function keyNodeAt(doc: Document, path: (string | number)[]): unknown {
  const parent = path.length === 1 ? doc.contents : doc.getIn(path.slice(0, -1), true);
  const last = path[path.length - 1];
  if (isMap(parent)) return parent.items.find((pair) => (pair.key as { value?: unknown } | null)?.value === last)?.key ?? null;
  if (isSeq(parent) && typeof last === 'number') return parent.items[last] ?? null;
  return null;
}

/** A policy error as the API's 400, naming the field. */
export function policyApiError(error: unknown, prefix = 'policy'): unknown {
  if (error instanceof PolicyError) return new ApiError('invalid_parameters', `Invalid parameters: '${[prefix, ...error.path].join('.')}' ${error.problem}.`);
  if (error instanceof PolicyFileError) return new ApiError('invalid_parameters', `Invalid parameters: the policy file, ${error.message}.`);
  return error;
}
