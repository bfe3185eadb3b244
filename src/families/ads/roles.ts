import { ApiError } from '../../kernel/errors.js';
import type { Queryable } from '../../storage/database.js';

/**
 * Pinterest: the Business Access roles (the spec's `BusinessAccessRole`). The
 * owner of an ad account holds OWNER without a row; every other role is a row of
 * `ad_account_roles`, granted by fixtures and the control plane now and by the
 * business-access API later.
 */
export const AD_ACCOUNT_ROLES = [
  'OWNER',
  'ADMIN',
  'ANALYST',
  'SOS_READER',
  'FINANCE_MANAGER',
  'FINANCE_VIEW',
  'FINANCE_EDIT',
  'AUDIENCE_MANAGER',
  'CAMPAIGN_MANAGER',
  'CATALOGS_MANAGER',
  'RESTRICTED_OWNER',
  'PROFILE_MANAGER',
  'PROFILE_PUBLISHER',
  'RESOURCE_PINNER_LIST_OWNER',
  'RESOURCE_PINNER_LIST_READER',
  'BIZ_PINNER_LIST_SHARER',
  'RESOURCE_CONVERSION_TAGS_READER',
] as const;
export type AdAccountRole = (typeof AD_ACCOUNT_ROLES)[number];

/** Which roles may do something on an ad account; `any` is every role (the owner included). */
export type RoleSet = readonly AdAccountRole[] | 'any';

/** Who reads and who writes an ad-account-scoped entity. */
export interface RoleRule {
  read: RoleSet;
  write: RoleSet;
}

/**
 * Pinterest: campaigns, ad groups and ads are read by the Owner, Admin, Analyst and
 * Campaign Manager (the spec's descriptions of campaigns/list and the analytics
 * routes) and written by those who manage campaigns; an Analyst only reads.
 */
export const CAMPAIGN_ROLES: RoleRule = {
  read: ['OWNER', 'ADMIN', 'ANALYST', 'CAMPAIGN_MANAGER'],
  write: ['OWNER', 'ADMIN', 'CAMPAIGN_MANAGER'],
};

/**
 * pinbox: who may name an ad account (`?ad_account_id=`) on the organic routes and
 * act as its owner. Pinterest documents no matrix; these are the roles that manage
 * the business's profile and campaigns (whose ads need Pins), and for reads the Analyst too.
 */
export const OPERATION_USER_ROLES: RoleRule = {
  read: ['OWNER', 'ADMIN', 'ANALYST', 'CAMPAIGN_MANAGER', 'PROFILE_MANAGER', 'PROFILE_PUBLISHER'],
  write: ['OWNER', 'ADMIN', 'CAMPAIGN_MANAGER', 'PROFILE_MANAGER', 'PROFILE_PUBLISHER'],
};

/**
 * Pinterest: the catalogs routes take `?ad_account_id=` from the account's Owner,
 * Admin and Catalogs Manager (the spec's descriptions of the catalogs operations).
 */
export const CATALOGS_ROLES: RoleRule = {
  read: ['OWNER', 'ADMIN', 'CATALOGS_MANAGER'],
  write: ['OWNER', 'ADMIN', 'CATALOGS_MANAGER'],
};

export interface AdAccountRow {
  id: string;
  owner_id: string;
  name: string;
  country: string;
  currency: string;
  created_at: number;
  updated_at: number;
}

/** An ad account the caller holds a role on, with the roles. */
export interface AccountAccess {
  account: AdAccountRow;
  roles: readonly AdAccountRole[];
}

/** The roles `userId` holds on `account` (OWNER for its owner), in the spec's order. */
export async function rolesOn(q: Queryable, account: AdAccountRow, userId: string): Promise<AdAccountRole[]> {
  const rows = await q.all<{ role: AdAccountRole }>('SELECT role FROM ad_account_roles WHERE ad_account_id = ? AND user_id = ?', [account.id, userId]);
  const held = new Set<AdAccountRole>(rows.map((row) => row.role));
  if (account.owner_id === userId) held.add('OWNER');
  return AD_ACCOUNT_ROLES.filter((role) => held.has(role));
}

/** Whether any of `held` is in `allowed`. */
export function allows(allowed: RoleSet, held: readonly AdAccountRole[]): boolean {
  return held.length > 0 && (allowed === 'any' || held.some((role) => allowed.includes(role)));
}

/**
 * Pinterest: a caller without the role an ad-account operation needs gets 403 code
 * 29 "You are not permitted to access that resource."; pinbox adds which roles would do.
 */
export function notPermitted(accountId: string, allowed: RoleSet): ApiError {
  const which = allowed === 'any' ? 'a role' : `one of the roles ${allowed.join(', ')}`;
  return new ApiError('not_permitted', `You are not permitted to access that resource. (pinbox: this operation on ad account ${accountId} needs ${which}.)`);
}

export function adAccountNotFound(accountId: string): ApiError {
  return new ApiError('ad_account_not_found', `Ad account ${accountId} not found.`);
}
