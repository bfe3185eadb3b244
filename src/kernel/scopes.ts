import { ApiError, ERROR_CATALOG } from './errors.js';

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

/**
 * What each scope lets an app do, in words a person reads on the consent page.
 * Pinterest: the scope list of the `pinterest_oauth2` security scheme.
 */
export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
  'ads:read': 'See your advertising data: ad accounts, campaigns, ad groups and ads',
  'ads:write': 'Create, change and delete your campaigns, ad groups and ads',
  'billing:read': 'See your billing data and billing profiles',
  'billing:write': 'Create, change and delete your billing data and billing profiles',
  'biz_access:read': 'See who has access to your business',
  'biz_access:write': 'Grant, change and remove access to your business',
  'boards:read': 'See your public boards, including group boards you joined',
  'boards:read_secret': 'See your secret boards',
  'boards:write': 'Create, change and delete your public boards',
  'boards:write_secret': 'Create, change and delete your secret boards',
  'catalogs:read': 'See your catalogs',
  'catalogs:write': 'Create, change and delete your catalogs',
  'msot:write': 'Send measurement events on your behalf',
  'pins:read': 'See your public Pins',
  'pins:read_secret': 'See your secret Pins',
  'pins:write': 'Create, change and delete your public Pins',
  'pins:write_secret': 'Create, change and delete your secret Pins',
  'user_accounts:read': 'See your account, who follows you and whom you follow',
  'user_accounts:write': 'Change your account and whom you follow',
};

/** True for the scopes that reach secret boards and Pins, which the consent page calls out. */
export function isSecretScope(scope: string): boolean {
  return scope.endsWith('_secret');
}

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
    if (!held.has(scope)) throw insufficientScope(required.filter((s) => !held.has(s)), `this operation needs ${required.join(', ')}`);
  }
}

/**
 * Pinterest's insufficient-scope error (401, code 3, Pinterest's message), with a
 * pinbox hint after it naming the scopes the token lacks and why they are needed.
 * @example throw insufficientScope(['boards:write_secret'], 'a secret board needs it')
 */
export function insufficientScope(missing: readonly string[], why: string): ApiError {
  return new ApiError('insufficient_scope', `${ERROR_CATALOG.insufficient_scope.message} (pinbox: ${why}; the token lacks ${missing.join(', ')}.)`);
}
