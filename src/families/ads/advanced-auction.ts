/**
 * Advanced auction (the spec's `advanced_auction` tag): the bid options of retail
 * catalog items (a bid and bid multipliers by app type and placement), used by
 * MAX_BID ad groups of CATALOG_SALES campaigns. Pinterest: the options belong to
 * the "operation user", the token's user or, with `?ad_account_id=`, that account's
 * owner, for which the caller needs the Owner or Admin role on the account.
 * pinbox: there is no catalogs family yet, so a catalog is taken at its id and its
 * items' options are kept for the operation user; an item without options answers
 * them null (Pinterest: null falls back to the ad group's bid, multipliers to 1).
 */
import { countries } from 'countries-list';
import { authOf } from '../../kernel/auth.js';
import { invalidField } from '../../kernel/errors.js';
import type { Clock } from '../../kernel/clock.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { Database, Queryable } from '../../storage/database.js';
import type { AdAccountService } from './ad-accounts.js';
import type { RoleRule } from './roles.js';

/** Pinterest: Owner or Admin on the ad account named by `ad_account_id`. */
export const AUCTION_ROLES: RoleRule = { read: ['OWNER', 'ADMIN'], write: ['OWNER', 'ADMIN'] };

const APP_TYPES = ['android_mobile', 'android_tablet', 'ipad', 'iphone', 'web', 'web_mobile'] as const;
const PLACEMENTS = ['SEARCH', 'BROWSE', 'RELATED_PINS'] as const;
/** Pinterest (UpdateMaskBidOptionField): which bid option each mask field names. */
const MASK_FIELDS = { BID: 'bid_in_micro_currency', APP_TYPE_BID_MULTIPLIER_SET: 'app_type_multipliers', PLACEMENT_BID_MULTIPLIER_SET: 'placement_multipliers' } as const;
const COUNTRIES = new Set(Object.keys(countries));

/** pinbox: its codes of an item's refused operation (Pinterest documents none). */
const ITEM_ERROR = { multiplier: 2, bid: 3 } as const;

interface Key {
  item_id: string;
  country: string;
  language: string;
}
type BidOptions = { bid_in_micro_currency: number | null; app_type_multipliers: Record<string, number> | null; placement_multipliers: Record<string, number> | null };
const NO_OPTIONS: BidOptions = { bid_in_micro_currency: null, app_type_multipliers: null, placement_multipliers: null };

const multipliers = (keys: readonly string[]) => ({ type: ['object', 'null'], additionalProperties: false, properties: Object.fromEntries(keys.map((key) => [key, { type: 'number' }])) });
const key = {
  item_id: { type: 'string', minLength: 1, maxLength: 127 },
  country: { type: 'string', pattern: '^[A-Z]{2}$' },
  language: { type: 'string', pattern: '^[A-Z]{2}$' },
} as const;
const bidOptions = {
  type: 'object',
  additionalProperties: false,
  properties: { bid_in_micro_currency: { type: ['integer', 'null'] }, app_type_multipliers: multipliers(APP_TYPES), placement_multipliers: multipliers(PLACEMENTS) },
} as const;
/** A request of a catalog and 1 to 10,000 of its items, each as `item` says. */
const catalogItems = (item: object) => ({
  type: 'object',
  additionalProperties: false,
  required: ['catalog_id', 'items'],
  properties: { catalog_id: { type: 'string', pattern: '^\\d+$' }, items: { type: 'array', minItems: 1, maxItems: 10_000, items: item } },
});
const query = { type: 'object', properties: { ad_account_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 } } } as const;

/** Why an item's options are refused, or null. */
function problemOf(options: BidOptions): { code: number; message: string } | null {
  if (options.bid_in_micro_currency !== null && options.bid_in_micro_currency < 0) return { code: ITEM_ERROR.bid, message: 'bid_in_micro_currency must be 0 or more' };
  for (const field of ['app_type_multipliers', 'placement_multipliers'] as const) {
    for (const [name, value] of Object.entries(options[field] ?? {})) {
      if (value < 0 || value > 10) return { code: ITEM_ERROR.multiplier, message: `${field}.${name} must be between 0 and 10` };
    }
  }
  return null;
}

/** Pinterest (Country): an item's country is an ISO 3166-1 alpha-2 code, else the request is refused. */
function checkCountries(items: readonly Key[]): void {
  items.forEach((item, i) => {
    if (!COUNTRIES.has(item.country)) throw invalidField(`items.${i}.country`, 'must be an ISO 3166-1 alpha-2 country code');
  });
}

export function advancedAuctionRoutes(deps: { db: Database; clock: Clock; accounts: AdAccountService }): ApiRoute[] {
  const { db, clock, accounts } = deps;
  /** The operation user: the token's, or the named ad account's owner. */
  const operationUser = async (userId: string, accountId: string | undefined, write: boolean, q: Queryable): Promise<string> => {
    if (accountId === undefined) return userId;
    const { account } = await accounts.require(userId, accountId, write ? AUCTION_ROLES.write : AUCTION_ROLES.read, q);
    return account.owner_id;
  };
  const stored = async (q: Queryable, owner: string, catalog: string, item: Key): Promise<BidOptions | null> => {
    const row = await q.get<{ bid_options: string }>(
      'SELECT bid_options FROM ad_auction_items WHERE owner_id = ? AND catalog_id = ? AND item_id = ? AND country = ? AND language = ?',
      [owner, catalog, item.item_id, item.country, item.language],
    );
    return row ? (JSON.parse(row.bid_options) as BidOptions) : null;
  };
  return [
    defineRoute<{ Querystring: { ad_account_id?: string }; Body: { catalog_id: string; items: Key[] } }>({
      method: 'POST',
      url: '/advanced_auction/items/get',
      operationId: 'advanced_auction_items_get/post',
      scopes: ['ads:read', 'catalogs:read'],
      schema: {
        querystring: query,
        body: catalogItems({ type: 'object', required: ['item_id', 'country', 'language'], properties: key }),
      },
      handler: async (request) => {
        const { catalog_id: catalog, items } = request.body;
        checkCountries(items);
        const owner = await operationUser(authOf(request).userId, request.query.ad_account_id, false, db);
        const out = [];
        for (const item of items) out.push({ item_id: item.item_id, country: item.country, language: item.language, bid_options: (await stored(db, owner, catalog, item)) ?? NO_OPTIONS });
        return { catalog_id: catalog, items: out };
      },
    }),
    defineRoute<{ Querystring: { ad_account_id?: string }; Body: { catalog_id: string; items: (Key & { operation: 'UPSERT' | 'DELETE'; bid_options?: Partial<BidOptions>; update_mask?: string[] | null })[] } }>({
      method: 'POST',
      url: '/advanced_auction/items/submit',
      operationId: 'advanced_auction_items_submit/post',
      scopes: ['ads:write', 'catalogs:read'],
      schema: {
        querystring: query,
        body: catalogItems({
          type: 'object',
          required: ['operation', 'item_id', 'country', 'language'],
          properties: {
            ...key,
            operation: { enum: ['UPSERT', 'DELETE'] },
            bid_options: bidOptions,
            update_mask: { type: ['array', 'null'], items: { enum: Object.keys(MASK_FIELDS) } },
          },
        }),
      },
      handler: async (request, reply) => {
        const { catalog_id: catalog, items } = request.body;
        checkCountries(items);
        const now = clock.now();
        const out = await db.transaction(async (tx) => {
          const owner = await operationUser(authOf(request).userId, request.query.ad_account_id, true, tx);
          const answers = [];
          for (const item of items) {
            const { item_id, country, language } = item;
            const where = [owner, catalog, item_id, country, language];
            if (item.operation === 'DELETE') {
              await tx.run('DELETE FROM ad_auction_items WHERE owner_id = ? AND catalog_id = ? AND item_id = ? AND country = ? AND language = ?', where);
              answers.push({ operation: 'DELETE', item_id, country, language, errors: [] });
              continue;
            }
            // Pinterest: the mask names the fields set; a masked field without a value becomes null, and a new record's unmasked fields are null.
            const mask = item.update_mask ?? (Object.keys(MASK_FIELDS) as (keyof typeof MASK_FIELDS)[]);
            const given = item.bid_options ?? {};
            const next: BidOptions = { ...((await stored(tx, owner, catalog, item)) ?? NO_OPTIONS) };
            for (const field of mask) {
              const name = MASK_FIELDS[field as keyof typeof MASK_FIELDS];
              (next as Record<string, unknown>)[name] = given[name] ?? null;
            }
            const problem = problemOf(next);
            if (!problem) {
              await tx.run('DELETE FROM ad_auction_items WHERE owner_id = ? AND catalog_id = ? AND item_id = ? AND country = ? AND language = ?', where);
              await tx.run('INSERT INTO ad_auction_items (owner_id, catalog_id, item_id, country, language, bid_options, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)', [...where, JSON.stringify(next), now]);
            }
            answers.push({ operation: 'UPSERT', item_id, country, language, bid_options: problem ? { ...NO_OPTIONS, ...given } : next, update_mask: item.update_mask ?? null, errors: problem ? [problem] : [] });
          }
          return answers;
        });
        // Pinterest: 206 when some items were not applied.
        if (out.some((answer) => answer.errors.length > 0)) reply.code(206);
        return { catalog_id: catalog, items: out };
      },
    }),
  ];
}
