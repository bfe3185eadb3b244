/**
 * Product group promotions (the spec's `product_group_promotions` tag): the shopping
 * ads of a CATALOG_SALES campaign's ad group, one per catalog product group it
 * promotes, declared on the ads family's entity mechanism (ads/entity.ts), which
 * gives them the status lifecycle, list, get, batch writes item by item and the
 * fixture section.
 */
import { invalidField } from '../../kernel/errors.js';
import { defineAdEntity, ItemRefusal, type AdEntity, type EntityContext, type EntityFields, type EntityRecord } from '../ads/entity.js';
import { CAMPAIGN_ROLES } from '../ads/roles.js';
import { CREATIVE_TYPES, digits, itemSchema, nullableFlag, nullableInteger, nullableText, status } from '../ads/schemas.js';
import type { ProductGroupService } from '../catalogs/product-groups.js';

/** Pinterest: the longest `tracking_url` ("Tracking template for product group promotions. 4000 limit"). */
export const TRACKING_URL_MAX = 4000;

const nullableEnum = (values: readonly string[]) => ({ type: ['string', 'null'], enum: [...values, null] }) as const;

/** The fields of one item, as the spec's ProductGroupPromotion gives them. */
const fields = {
  ad_group_id: { type: 'string', pattern: '^(AG)?\\d+$', maxLength: 20 },
  bid_in_micro_currency: nullableInteger,
  // Catalog product group ids are longer than an ad entity's 18 digits.
  catalog_product_group_id: { type: 'string', pattern: '^\\d+$', maxLength: 40 },
  // Read-only in pinbox: the name is the product group's; an item may carry it back as it was answered.
  catalog_product_group_name: nullableText,
  collections_header_type: nullableEnum(['SHOP_THIS_COLLECTION', 'EXPLORE_THIS_COLLECTION', 'NO_HEADER', 'ON_SALE', 'GET_DEAL']),
  collections_hero_destination_url: nullableText,
  collections_hero_pin_id: { type: ['string', 'null'], pattern: '^\\d+$' },
  creative_type: { type: 'string', enum: CREATIVE_TYPES },
  customizable_cta_type: nullableEnum(['SHOP_NOW', 'BOOK_NOW', 'ON_SALE', 'GET_DEAL', 'BUY_ONLINE_PICKUP_IN_STORE']),
  definition: nullableText,
  // Pinterest: read-only ("grid_click_type values provided will be ignored").
  grid_click_type: { type: ['string', 'null'] },
  included: nullableFlag,
  is_generate_background: nullableFlag,
  is_mdl: nullableFlag,
  parent_id: { type: ['string', 'null'], pattern: '^\\d+$' },
  preferred_media_type: nullableEnum(['VIDEO', 'IMAGE']),
  relative_definition: nullableText,
  selected_image_tag: nullableText,
  selected_video_tag: nullableText,
  slideshow_collections_description: nullableText,
  slideshow_collections_title: nullableText,
  status,
  tracking_url: { type: ['string', 'null'], maxLength: TRACKING_URL_MAX },
} as const;

/** Fields the mechanism or this file keeps in columns, or that no item sets. */
const NOT_EXTRA = new Set(['ad_group_id', 'catalog_product_group_id', 'included', 'bid_in_micro_currency', 'status', 'catalog_product_group_name', 'grid_click_type']);

/** The fields of a promotion's answer, in the spec's order; the mechanism adds ad_account_id and the times. */
const ANSWERED = Object.keys(fields).filter((field) => field !== 'status');

/**
 * Product group promotions under `adGroups`, naming groups `productGroups` knows.
 * Pinterest: the ad group is a CATALOG_SALES campaign's; the product group is one
 * of a catalog its ad account's owner holds (404 code 4180 otherwise, as the
 * catalogs routes answer). pinbox: an ad group promotes a product group once (a
 * second ACTIVE or PAUSED promotion of it would only double its delivery).
 */
export function productGroupPromotionEntity(parents: { campaigns: AdEntity; adGroups: AdEntity }, productGroups: ProductGroupService): AdEntity {
  async function checkGroup(next: EntityFields, context: EntityContext, selfId: string | null): Promise<string> {
    const { group } = await productGroups.owned(context.account.owner_id, String(next.catalog_product_group_id), context.q);
    const twin = await context.q.get<{ id: string }>(
      "SELECT id FROM ad_product_group_promotions WHERE ad_group_id = ? AND catalog_product_group_id = ? AND status IN ('ACTIVE', 'PAUSED', 'DRAFT') AND id <> ?",
      [String(next.ad_group_id), group.id, selfId ?? ''],
    );
    if (twin) throw new ItemRefusal(400, `Invalid parameters: 'catalog_product_group_id' ${group.id} is already promoted in ad group ${String(next.ad_group_id)} (product group promotion ${twin.id}).`);
    return group.name;
  }

  return defineAdEntity({
    noun: 'product group promotion',
    table: 'ad_product_group_promotions',
    resource: 'product_group_promotions',
    idParam: 'product_group_promotion_id',
    roles: CAMPAIGN_ROLES,
    columns: { campaign_id: 'text', ad_group_id: 'text', catalog_product_group_id: 'text', included: 'boolean', bid_in_micro_currency: 'integer' },
    extra: [...Object.keys(fields).filter((field) => !NOT_EXTRA.has(field)), 'catalog_product_group_name'],
    filters: { product_group_promotion_ids: 'id', ad_group_id: 'ad_group_id' },
    exceptions: 'array',
    schemas: {
      create: itemSchema(['ad_group_id', 'catalog_product_group_id'], fields),
      update: itemSchema(['id'], { ...fields, id: digits }),
    },
    defaultStatus: 'ACTIVE',
    draftOnly: [],
    parent: { entity: parents.adGroups, field: 'ad_group_id', prefix: 'AG' },
    descendants: [],
    fixture: { key: 'product_group_promotions', kind: 'product_group_promotion', parentKey: 'ad_group' },
    bulk: { type: 'PRODUCT_GROUP', readOnly: ['campaign_id', 'catalog_product_group_name', 'grid_click_type'] },
    async create(item, context) {
      const { status: _status, catalog_product_group_name: _name, grid_click_type: _grid, ...given } = item;
      const parent = context.parent!;
      const campaign = await parents.campaigns.store.get(context.q, context.account.id, String(parent.campaign_id));
      if (campaign?.objective_type !== 'CATALOG_SALES') {
        throw invalidField('ad_group_id', `${parent.id} is an ad group of a ${String(campaign?.objective_type)} campaign: product groups are promoted only under CATALOG_SALES campaigns`);
      }
      const next: EntityFields = { creative_type: 'REGULAR', included: true, ...given, campaign_id: parent.campaign_id };
      if (next.included === null) next.included = true;
      next.catalog_product_group_name = await checkGroup(next, context, null);
      return next;
    },
    async update(item, current, context) {
      const { id: _id, status: _status, catalog_product_group_name: _name, grid_click_type: _grid, ...given } = item;
      if (given.catalog_product_group_id !== undefined && given.catalog_product_group_id !== current.catalog_product_group_id) {
        throw invalidField('catalog_product_group_id', 'cannot change: a promotion stays on the product group it was made for; make a new one instead');
      }
      const next: EntityFields = { ...current, ...given };
      if (next.included === null) next.included = current.included;
      next.catalog_product_group_name = await checkGroup(next, context, current.id);
      return next;
    },
    present(record: EntityRecord) {
      const body: Record<string, unknown> = {};
      for (const field of ANSWERED) body[field] = record[field] ?? null;
      return {
        ...body,
        creative_type: record.creative_type ?? 'REGULAR',
        grid_click_type: 'CLOSEUP',
        included: record.included ?? true,
      };
    },
  });
}
