/** JSON-schema pieces every family's routes share. */

/** A numeric id in a path or body. Pinterest: ids match `^\d+$` in the spec. */
export const numericId = { type: 'string', pattern: '^\\d+$', maxLength: 20 } as const;

/** Pinterest: `ad_account_id`, accepted by most organic routes for Business Access. */
export const adAccountQuery = {
  ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 },
} as const;
