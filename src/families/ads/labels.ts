/**
 * Labels (the spec's `labels` tag, a closed beta): brand and custom labels on
 * campaigns, entities of the ad account on the shared mechanism (entity.ts), in
 * the `{labels, errors}` shape keywords share (parented-batch.ts). Pinterest
 * (labels/create): one brand label and up to 30 custom labels a campaign; a value
 * is at most 100 characters. pinbox: archiving a label is final, as for the other
 * ads entities; an archived label no longer counts against its campaign's limits.
 */
import { invalidField } from '../../kernel/errors.js';
import type { Bookmarks, PageRequest } from '../../kernel/pagination.js';
import type { ApiRoute } from '../../kernel/route-policy.js';
import type { Database } from '../../storage/database.js';
import type { FixtureSection } from '../fixture-section.js';
import type { AdAccountService } from './ad-accounts.js';
import { defineAdEntity, ENTITY_STATE_CODE, ITEM_NOT_FOUND_CODE, ItemRefusal, type AdEntity, type EntityRecord, type EntityService } from './entity.js';
import { batchSchemas, idList, parentedBatchFixtures, parentedBatchRoutes, parentedListRoute, splitList, type ParentedBatchEntity } from './parented-batch.js';
import { CAMPAIGN_ROLES } from './roles.js';

export const LABEL_TYPES = ['BRAND', 'CUSTOM'] as const;
/** Pinterest: how many labels of each type one campaign holds. */
export const LABELS_PER_CAMPAIGN = { BRAND: 1, CUSTOM: 30 } as const;
export const LABEL_VALUE_MAX = 100;

const parentId = { type: 'string', pattern: '^[C]?\\d+$', maxLength: 19 } as const;
const labelItem = {
  type: 'object',
  required: ['value', 'label_type'],
  properties: { label_type: { enum: [...LABEL_TYPES, null] }, value: { type: 'string', maxLength: LABEL_VALUE_MAX } },
} as const;
/** One create request and one update item; pinbox also takes in an update a label's answered fields unchanged, so a bulk download goes back as it came. */
const schemas = batchSchemas('labels', labelItem, parentId, {
  status: { enum: ['ACTIVE', 'ARCHIVED', null] },
  value: { type: 'string', maxLength: LABEL_VALUE_MAX },
  label_type: { enum: [...LABEL_TYPES, null] },
  parent_type: { enum: ['CAMPAIGN', null] },
});

/** The label entity, under campaigns. */
export function labelEntity(campaigns: AdEntity): AdEntity {
  async function checkRoom(q: Parameters<AdEntity['create']>[1]['q'], campaignId: string, type: 'BRAND' | 'CUSTOM', value: string, except: string | null): Promise<void> {
    const rows = await q.all<{ id: string; value: string; label_type: string }>("SELECT id, value, label_type FROM ad_labels WHERE parent_id = ? AND status = 'ACTIVE'", [campaignId]);
    const others = rows.filter((row) => row.id !== except);
    if (others.some((row) => row.value.toLowerCase() === value.toLowerCase() && row.label_type === type)) {
      throw new ItemRefusal(400, `Invalid parameters: 'value' ${value} is already a ${type} label of campaign ${campaignId}.`);
    }
    if (others.filter((row) => row.label_type === type).length >= LABELS_PER_CAMPAIGN[type]) {
      throw new ItemRefusal(400, `Invalid parameters: 'label_type' campaign ${campaignId} has ${LABELS_PER_CAMPAIGN[type]} ${type} label${LABELS_PER_CAMPAIGN[type] > 1 ? 's' : ''}, as many as a campaign may.`);
    }
  }
  return defineAdEntity({
    noun: 'label',
    table: 'ad_labels',
    resource: 'labels',
    idParam: 'label_id',
    roles: CAMPAIGN_ROLES,
    columns: { parent_id: 'text', label_type: 'text', value: 'text' },
    extra: [],
    filters: {},
    exceptions: 'array',
    schemas: {
      create: { type: 'object', required: ['parent_id', 'label_type', 'value'], properties: { ...labelItem.properties, parent_id: parentId } },
      update: schemas.updateItem,
    },
    defaultStatus: 'ACTIVE',
    draftOnly: [],
    descendants: [],
    fixture: { key: 'labels', kind: 'label', parentKey: 'campaign' },
    bulk: { type: 'LABEL', readOnly: [] },
    async create(item, { q, account }) {
      const id = String(item.parent_id).replace(/^C/, '');
      const campaign = await campaigns.store.get(q, account.id, id);
      if (!campaign) throw new ItemRefusal(ITEM_NOT_FOUND_CODE, `Invalid parameters: 'parent_id' ${String(item.parent_id)} is no campaign of ad account ${account.id}.`);
      if (campaign.status === 'ARCHIVED' || campaign.status === 'DELETED_DRAFT') throw new ItemRefusal(ENTITY_STATE_CODE, `Invalid parameters: 'parent_id' ${id} is ${campaign.status}.`);
      if (item.label_type === null) throw invalidField('label_type', `must be one of ${LABEL_TYPES.join(', ')}`);
      const value = String(item.value).trim();
      if (value.length === 0) throw invalidField('value', 'must not be empty');
      await checkRoom(q, id, item.label_type as 'BRAND' | 'CUSTOM', value, null);
      return { parent_id: id, label_type: item.label_type, value };
    },
    async update(item, current, { q }) {
      for (const field of ['label_type', 'parent_id'] as const) {
        const given = field === 'parent_id' && typeof item[field] === 'string' ? item[field].replace(/^C/, '') : item[field];
        if (given != null && given !== current[field]) throw invalidField(field, 'cannot change: make a new label instead');
      }
      if (item.value === undefined) return {};
      const value = String(item.value).trim();
      if (value.length === 0) throw invalidField('value', 'must not be empty');
      await checkRoom(q, String(current.parent_id), current.label_type as 'BRAND' | 'CUSTOM', value, current.id);
      return { value };
    },
    present(record) {
      return presentLabel(record);
    },
  });
}

/** Pinterest's Label object. */
export function presentLabel(record: EntityRecord): Record<string, unknown> {
  return { id: record.id, label_type: record.label_type, parent_id: record.parent_id, parent_type: 'CAMPAIGN', status: record.status, value: record.value };
}

export function labelBatch(service: EntityService): ParentedBatchEntity {
  return {
    service,
    plural: 'labels',
    operations: { create: 'labels/create', update: 'labels/update' },
    schemas,
    present: presentLabel,
    refusedData: (item) => ({
      ...(item.label_type != null ? { label_type: item.label_type } : {}),
      ...(typeof item.value === 'string' ? { value: item.value } : {}),
      ...(typeof item.id === 'string' ? { id: item.id } : {}),
    }),
    parentResource: () => 'campaigns',
    // A null status changes nothing; the answered parent_type is no field of the entity.
    updateItem: ({ status, parent_type: _type, ...rest }) => ({ ...rest, ...(status != null ? { status } : {}) }),
  };
}

type LabelListQuery = PageRequest & { campaign_ids?: string[]; label_ids?: string[]; entity_statuses?: string[]; label_types?: string[] };

/**
 * labels/list: the account's labels, filtered, by id, paged. pinbox: each item is
 * a Label; the spec types the items as LabelsResponse, which a Label meets (it has no required field).
 */
export function labelListRoute(service: EntityService, deps: { db: Database; bookmarks: Bookmarks; accounts: AdAccountService }): ApiRoute {
  return parentedListRoute<LabelListQuery>(service, deps, {
    operationId: 'labels/list',
    query: {
      campaign_ids: idList,
      label_ids: idList,
      entity_statuses: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^(ACTIVE|ARCHIVED)(,(ACTIVE|ARCHIVED))*$' } },
      label_types: { type: 'array', minItems: 1, items: { type: 'string', pattern: '^(BRAND|CUSTOM)(,(BRAND|CUSTOM))*$' } },
    },
    filters(query) {
      const filters: [string, string[]][] = [
        ['status', query.entity_statuses ? splitList(query.entity_statuses) : ['ACTIVE']],
        ['label_type', query.label_types ? splitList(query.label_types) : [...LABEL_TYPES]],
      ];
      for (const [param, column] of [['campaign_ids', 'parent_id'], ['label_ids', 'id']] as const) {
        if (!query[param]) continue;
        const values = splitList(query[param]!);
        if (values.length > 250) throw invalidField(param, 'names more than 250 ids');
        filters.push([column, values]);
      }
      return filters;
    },
    present: presentLabel,
  });
}

export function labelRoutes(service: EntityService, deps: { db: Database; bookmarks: Bookmarks; accounts: AdAccountService }): ApiRoute[] {
  return [...parentedBatchRoutes(labelBatch(service)), labelListRoute(service, deps)];
}

/** The fixture section `labels`: each item one label on the fixture's `campaign`. */
export function labelFixtures(service: EntityService, accounts: AdAccountService): FixtureSection {
  return parentedBatchFixtures(labelBatch(service), accounts, ['campaign'], { label_type: { enum: LABEL_TYPES }, value: { type: 'string' } });
}
