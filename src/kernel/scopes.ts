import { ApiError } from './errors.js';

/**
 * Every OAuth scope Pinterest v5 grants.
 * Pinterest: the `pinterest_oauth2` security scheme of the official OpenAPI description.
 */
export const ALL_SCOPES = [
  'ads:read',
  'ads:write',
  'billing:read',
  'billing:write',
  'biz_access:read',
  'biz_access:write',
  'boards:read',
  'boards:read_secret',
  'boards:write',
  'boards:write_secret',
  'catalogs:read',
  'catalogs:write',
  'msot:write',
  'pins:read',
  'pins:read_secret',
  'pins:write',
  'pins:write_secret',
  'user_accounts:read',
  'user_accounts:write',
] as const;

export type Scope = (typeof ALL_SCOPES)[number];

const KNOWN = new Set<string>(ALL_SCOPES);

export function isScope(value: string): value is Scope {
  return KNOWN.has(value);
}

/**
 * Parses a stored or requested scope list (comma- or space-separated, as Pinterest
 * accepts both), dropping duplicates; unknown names are returned in `unknown`.
 */
export function parseScopes(text: string): { scopes: Scope[]; unknown: string[] } {
  const scopes: Scope[] = [];
  const unknown: string[] = [];
  for (const part of text.split(/[\s,]+/)) {
    if (!part) continue;
    if (isScope(part)) {
      if (!scopes.includes(part)) scopes.push(part);
    } else unknown.push(part);
  }
  return { scopes, unknown };
}

/**
 * Throws Pinterest's insufficient-scope error unless every scope in `required` is held.
 * Pinterest answers a missing scope with HTTP 401 and code 3 (not 403).
 * @example requireScopes(auth.scopes, ['boards:read', 'boards:write_secret'])
 */
export function requireScopes(held: ReadonlySet<string>, required: readonly Scope[]): void {
  for (const scope of required) {
    if (!held.has(scope)) throw new ApiError('insufficient_scope');
  }
}
