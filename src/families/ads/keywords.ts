/**
 * Keywords (the spec's `keywords` tag): entities of an ad account on the shared
 * mechanism (entity.ts), under the ad account itself, a campaign or an ad group,
 * with Pinterest's `{keywords, errors}` answers (parented-batch.ts) and a list of
 * one parent's keywords. Pinterest (keywords/create, §2.5 of the ads reference):
 * advertiser- and campaign-level keywords take only the `*_NEGATIVE` match types,
 * ad groups every one; a value is at most 120 characters; `bid` is deprecated and
 * answered null; archiving a keyword deletes it (no longer listed, no change back).
 */
import { invalidField } from '../../kernel/errors.js';
import type { Bookmarks, PageRequest } from '../../kernel/pagination.js';
import type { ApiRoute } from '../../kernel/route-policy.js';
import type { Database, Queryable } from '../../storage/database.js';
import type { FixtureSection } from '../fixture-section.js';
import type { AdAccountService } from './ad-accounts.js';
import { defineAdEntity, ENTITY_STATE_CODE, ITEM_NOT_FOUND_CODE, ItemRefusal, type AdEntity, type EntityContext, type EntityRecord, type EntityService } from './entity.js';
import { batchSchemas, idList, parentedBatchFixtures, parentedBatchRoutes, parentedListRoute, splitList, type ParentedBatchEntity } from './parented-batch.js';
import { CAMPAIGN_ROLES, type AdAccountRow } from './roles.js';

export const MATCH_TYPES = ['BROAD', 'PHRASE', 'EXACT', 'EXACT_NEGATIVE', 'PHRASE_NEGATIVE'] as const;
/** Pinterest: the longest keyword value. */
export const KEYWORD_VALUE_MAX = 120;

/**
 * pinbox's names of a keyword's parent kinds (Pinterest answers `parent_type` as a
 * string and documents no values): the ad account is the "advertiser".
 */
export type KeywordParentType = 'advertiser' | 'campaign' | 'ad_group';

/** Pinterest (keywords/create's example): the refusal of a non-negative keyword on an advertiser or campaign. */
export const NEGATIVE_ONLY_MESSAGE = 'Advertisers and Campaigns only accept excluded targeting attributes.';

const parentId = { type: 'string', pattern: '^((AG)|C)?\\d+$', maxLength: 20 } as const;
const keywordItem = {
  type: 'object',
  required: ['match_type', 'value'],
  properties: { bid: { type: ['integer', 'null'] }, match_type: { enum: [...MATCH_TYPES, null] }, value: { type: 'string' } },
} as const;
/**
 * One create request (KeywordsRequest) and one update item (KeywordUpdate). pinbox
 * also takes in an update the fields a keyword's answer carries, unchanged, so a
 * bulk download goes back as it came; a changed one is refused.
 */
const schemas = batchSchemas('keywords', keywordItem, parentId, {
  archived: { type: 'boolean' },
  bid: { type: ['integer', 'null'] },
  match_type: { enum: [...MATCH_TYPES, null] },
  value: { type: 'string' },
  parent_type: { type: 'string' },
  type: { type: 'string' },
});

/** The fields of a keyword no update changes. */
const FIXED_FIELDS = ['match_type', 'value', 'parent_id', 'parent_type'] as const;

/**
 * The parent an id names, in the account: `AG…` an ad group, `C…` a campaign, the
 * account's own id the advertiser, else whichever campaign or ad group has it.
 */
async function keywordParent(q: Queryable, account: AdAccountRow, given: string, parents: { campaigns: AdEntity; adGroups: AdEntity }): Promise<{ id: string; type: KeywordParentType }> {
  const bare = given.replace(/^(AG|C)/, '');
  const lookups: [KeywordParentType, AdEntity][] = given.startsWith('AG')
    ? [['ad_group', parents.adGroups]]
    : given.startsWith('C')
      ? [['campaign', parents.campaigns]]
      : [
          ['campaign', parents.campaigns],
          ['ad_group', parents.adGroups],
        ];
  if (!/^(AG|C)/.test(given) && bare === account.id) return { id: bare, type: 'advertiser' };
  for (const [type, entity] of lookups) {
    const record = await entity.store.get(q, account.id, bare);
    if (!record) continue;
    if (record.status === 'ARCHIVED' || record.status === 'DELETED_DRAFT') {
      throw new ItemRefusal(ENTITY_STATE_CODE, `Invalid parameters: 'parent_id' ${bare} is ${record.status}: nothing is added under an archived or deleted ${entity.noun}.`);
    }
    return { id: bare, type };
  }
  throw new ItemRefusal(ITEM_NOT_FOUND_CODE, `Invalid parameters: 'parent_id' ${given} is neither ad account ${account.id} nor one of its campaigns or ad groups.`);
}

/** The keyword entity, under the ad account, its campaigns and its ad groups. */
export function keywordEntity(campaigns: AdEntity, adGroups: AdEntity): AdEntity {
  return defineAdEntity({
    noun: 'keyword',
    table: 'ad_keywords',
    resource: 'keywords',
    idParam: 'keyword_id',
    roles: CAMPAIGN_ROLES,
    columns: { parent_id: 'text', parent_type: 'text', match_type: 'text', value: 'text' },
    extra: [],
    filters: {},
    exceptions: 'array',
    schemas: {
      create: { type: 'object', required: ['parent_id', 'match_type', 'value'], properties: { ...keywordItem.properties, parent_id: parentId } },
      update: { ...schemas.updateItem, properties: { ...(schemas.updateItem as { properties: object }).properties, status: { enum: ['ACTIVE', 'ARCHIVED'] } } },
    },
    defaultStatus: 'ACTIVE',
    draftOnly: [],
    descendants: [],
    fixture: { key: 'keywords', kind: 'keyword', parentKey: 'parent' },
    bulk: { type: 'KEYWORD', readOnly: [] },
    async create(item, context: EntityContext) {
      const parent = await keywordParent(context.q, context.account, String(item.parent_id), { campaigns, adGroups });
      const matchType = item.match_type as string | null;
      if (matchType === null) throw invalidField('match_type', `must be one of ${MATCH_TYPES.join(', ')}`);
      const value = String(item.value).trim();
      if (value.length === 0) throw invalidField('value', 'must not be empty');
      if (value.length > KEYWORD_VALUE_MAX) throw invalidField('value', `is longer than ${KEYWORD_VALUE_MAX} characters`);
      if (parent.type !== 'ad_group' && !matchType.endsWith('_NEGATIVE')) throw new ItemRefusal(400, NEGATIVE_ONLY_MESSAGE);
      // pinbox: one parent holds a value once per match type (Pinterest documents no rule; a second copy would only double-count).
      // Compared here rather than by SQL's LOWER, which SQLite applies to ASCII only.
      const siblings = await context.q.all<{ value: string }>("SELECT value FROM ad_keywords WHERE parent_id = ? AND match_type = ? AND status = 'ACTIVE'", [parent.id, matchType]);
      if (siblings.some((sibling) => sibling.value.toLowerCase() === value.toLowerCase())) throw new ItemRefusal(400, `Invalid parameters: 'value' ${value} is already a ${matchType} keyword of ${parent.type} ${parent.id}.`);
      return { parent_id: parent.id, parent_type: parent.type, match_type: matchType, value };
    },
    async update(item, current) {
      for (const field of FIXED_FIELDS) {
        const given = field === 'parent_id' && typeof item[field] === 'string' ? item[field].replace(/^(AG|C)/, '') : item[field];
        if (given !== undefined && given !== current[field]) {
          throw invalidField(field, 'cannot change: a keyword takes only `archived` (and the deprecated `bid`); make a new keyword instead');
        }
      }
      return {};
    },
    present(record) {
      return presentKeyword(record);
    },
  });
}

/** Pinterest's Keyword object. */
export function presentKeyword(record: EntityRecord): Record<string, unknown> {
  return {
    id: record.id,
    archived: record.status === 'ARCHIVED',
    bid: null,
    match_type: record.match_type,
    parent_id: record.parent_id,
    parent_type: record.parent_type,
    type: 'keyword',
    value: record.value,
  };
}

/** The keyword entity in the batch shape its routes and bulk part share. */
export function keywordBatch(service: EntityService): ParentedBatchEntity {
  return {
    service,
    plural: 'keywords',
    operations: { create: 'keywords/create', update: 'keywords/update' },
    schemas,
    present: presentKeyword,
    // KeywordsCommon requires match_type and value: an item that gave none answers them null and empty.
    refusedData: (item) => ({
      match_type: item.match_type ?? null,
      value: typeof item.value === 'string' ? item.value : '',
      ...(typeof item.id === 'string' ? { id: item.id } : {}),
      bid: null,
      type: 'keyword',
    }),
    parentResource: (record) => (record.parent_type === 'campaign' ? 'campaigns' : record.parent_type === 'ad_group' ? 'ad_groups' : null),
    updateItem: ({ archived, bid: _bid, ...rest }) => ({ ...rest, ...(archived === true ? { status: 'ARCHIVED' } : {}) }),
  };
}

type KeywordListQuery = PageRequest & { campaign_id?: string; ad_group_id?: string; ad_group_ids?: string[]; match_types?: string[] };

/**
 * keywords/get: the active keywords of one parent (Pinterest: with no filter, those
 * whose parent is the ad account itself), by id, paged.
 */
export function keywordListRoute(service: EntityService, deps: { db: Database; bookmarks: Bookmarks; accounts: AdAccountService }): ApiRoute {
  return parentedListRoute<KeywordListQuery>(service, deps, {
    operationId: 'keywords/get',
    query: {
      campaign_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 },
      ad_group_id: { type: 'string', pattern: '^\\d+$', maxLength: 18 },
      ad_group_ids: idList,
      match_types: { type: 'array', minItems: 1, items: { type: 'string', pattern: `^(${MATCH_TYPES.join('|')})(,(${MATCH_TYPES.join('|')}))*$` } },
    },
    filters(query, accountId) {
      const given = (['campaign_id', 'ad_group_id', 'ad_group_ids'] as const).filter((param) => query[param] !== undefined);
      if (given.length > 1) throw invalidField(given[1], `cannot be given with '${given[0]}': list one kind of parent at a time`);
      const parents = query.campaign_id ? [query.campaign_id] : query.ad_group_id ? [query.ad_group_id] : query.ad_group_ids ? splitList(query.ad_group_ids) : [accountId];
      if (parents.length > 250) throw invalidField('ad_group_ids', 'names more than 250 ids');
      const filters: [string, string[]][] = [['status', ['ACTIVE']], ['parent_id', parents]];
      if (query.match_types) filters.push(['match_type', [...new Set(splitList(query.match_types))]]);
      return filters;
    },
    present: presentKeyword,
  });
}

/** The keyword routes: create and update in the `{keywords, errors}` shape, and the list. */
export function keywordRoutes(service: EntityService, deps: { db: Database; bookmarks: Bookmarks; accounts: AdAccountService }): ApiRoute[] {
  return [...parentedBatchRoutes(keywordBatch(service)), keywordListRoute(service, deps)];
}

/** The fixture section `keywords`: each item one keyword under the fixture's `ad_account`, `campaign` or `ad_group`. */
export function keywordFixtures(service: EntityService, accounts: AdAccountService): FixtureSection {
  return parentedBatchFixtures(keywordBatch(service), accounts, ['ad_account', 'campaign', 'ad_group'], { match_type: { enum: MATCH_TYPES }, value: { type: 'string' } });
}
