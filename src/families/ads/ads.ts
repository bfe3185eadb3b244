import { ApiError, invalidField } from '../../kernel/errors.js';
import type { Queryable } from '../../storage/database.js';
import type { PinStore } from '../pins/store.js';
import { defineAdEntity, ITEM_NOT_FOUND_CODE, ItemRefusal, type AdEntity, type EntityContext, type EntityFields, type EntityRecord } from './entity.js';
import { REJECTED_REASONS, reviewSeconds, reviewStatusAt } from './review.js';
import { CAMPAIGN_ROLES } from './roles.js';
import { anyObject, presentIfSet, CREATIVE_TYPES, digits, flag, itemSchema, nullableText, seconds, status, textList, trackingUrls } from './schemas.js';

const fields = {
  ad_account_id: digits,
  ad_group_id: { type: 'string', pattern: '^(AG)?\\d+$', maxLength: 20 },
  pin_id: { type: 'string', pattern: '^\\d+$', maxLength: 20 },
  creative_type: { type: 'string', enum: CREATIVE_TYPES },
  status,
  name: { type: ['string', 'null'], maxLength: 255 },
  destination_url: nullableText,
  android_deep_link: nullableText,
  ios_deep_link: nullableText,
  carousel_android_deep_links: textList,
  carousel_destination_urls: textList,
  carousel_ios_deep_links: textList,
  click_tracking_url: nullableText,
  view_tracking_url: nullableText,
  customizable_cta_type: { type: ['string', 'null'] },
  disclosure_type: { type: ['string', 'null'] },
  disclosure_url: nullableText,
  grid_click_type: { type: ['string', 'null'], enum: ['CLOSEUP', 'DIRECT_TO_DESTINATION', null] },
  is_removable: flag,
  is_pin_deleted: flag,
  lead_form_id: { type: ['string', 'null'], pattern: '^(AG)?\\d+$' },
  quiz_pin_data: anyObject,
  tracking_urls: trackingUrls,
} as const;

/**
 * Pinterest: editing what a Pinner sees (the destination, the Pin, the creative)
 * sends an ad back to review; a bid or a name does not (help.pinterest.com
 * "about-ad-review-process").
 */
const REVIEWED_FIELDS = [
  'pin_id',
  'creative_type',
  'destination_url',
  'carousel_destination_urls',
  'android_deep_link',
  'ios_deep_link',
  'customizable_cta_type',
  'lead_form_id',
  'quiz_pin_data',
] as const;

/** Fields the spec gives as nullable objects that its schema then requires to be objects: left out when unset. */
const OBJECT_FIELDS = ['tracking_urls', 'quiz_pin_data'];

/** pinbox: which creative types a Pin's media allows (a video Pin is VIDEO, a carousel CAROUSEL). */
const CREATIVES_BY_MEDIA: Readonly<Record<string, readonly string[]>> = {
  VIDEO: ['VIDEO', 'MAX_VIDEO', 'MAX_WIDTH_VIDEO_COLLECTION'],
  CAROUSEL: ['CAROUSEL'],
};
const VIDEO_OR_CAROUSEL = new Set(['VIDEO', 'MAX_VIDEO', 'MAX_WIDTH_VIDEO_COLLECTION', 'CAROUSEL']);

/**
 * Pinterest: an ad promotes a Pin its ad account's business may promote, and its
 * creative type fits the Pin. pinbox: a Pin of the account's owner, or one saved to
 * the owner's boards.
 */
async function checkPin(pins: PinStore, q: Queryable, next: EntityFields, context: EntityContext): Promise<void> {
  const pin = await pins.get(String(next.pin_id), q);
  if (!pin) throw new ItemRefusal(ITEM_NOT_FOUND_CODE, `Invalid parameters: 'pin_id' ${String(next.pin_id)} is no Pin.`);
  const owner = context.account.owner_id;
  if (pin.owner_id !== owner && pin.board_owner_id !== owner) {
    throw invalidField('pin_id', `${pin.id} is not a Pin the business of ad account ${context.account.id} may promote (neither its own nor on its boards)`);
  }
  const creative = String(next.creative_type);
  const fits = CREATIVES_BY_MEDIA[pin.creative_type];
  if (fits ? !fits.includes(creative) : VIDEO_OR_CAROUSEL.has(creative)) {
    throw invalidField('creative_type', `${creative} does not fit Pin ${pin.id}, a ${pin.creative_type} Pin${fits ? ` (it takes ${fits.join(', ')})` : ''}`);
  }
}

/**
 * Pinterest: a new or edited ad is PENDING until reviewed; paused ads are not
 * submitted. pinbox keeps when the review is due and shows APPROVED from then on.
 */
async function submitted(q: Queryable, next: EntityFields & { status?: unknown }, now: number): Promise<EntityFields> {
  const due = next.status === 'ACTIVE' ? now + (await reviewSeconds(q)) * 1000 : null;
  return { ...next, review_status: 'PENDING', review_due_at: due, rejected_reasons: null, rejection_labels: null };
}

/** Ads (the spec's `ads` tag; Pinterest's "pin promotions"), under ad groups. */
export function adEntity(adGroups: AdEntity, pins: PinStore): AdEntity {
  return defineAdEntity({
    noun: 'ad',
    table: 'ads',
    resource: 'ads',
    idParam: 'ad_id',
    roles: CAMPAIGN_ROLES,
    columns: {
      campaign_id: 'text',
      ad_group_id: 'text',
      pin_id: 'text',
      creative_type: 'text',
      review_status: 'text',
      review_due_at: 'integer',
      rejected_reasons: 'json',
      rejection_labels: 'json',
    },
    extra: Object.keys(fields).filter((field) => !['ad_account_id', 'ad_group_id', 'pin_id', 'creative_type', 'status'].includes(field)),
    filters: { campaign_ids: 'campaign_id', ad_group_ids: 'ad_group_id', ad_ids: 'id' },
    exceptions: 'object',
    schemas: {
      create: itemSchema(['ad_group_id', 'pin_id', 'creative_type'], fields),
      update: itemSchema(['id'], { ...fields, id: digits, pin_id: { type: ['string', 'null'], pattern: '^\\d+$' } }),
    },
    defaultStatus: 'ACTIVE',
    draftOnly: ['pin_id'],
    parent: { entity: adGroups, field: 'ad_group_id', prefix: 'AG' },
    descendants: [],
    fixture: { key: 'ads', kind: 'ad', parentKey: 'ad_group' },
    bulk: { type: 'AD', readOnly: ['campaign_id', 'review_status', 'rejected_reasons', 'rejection_labels', 'collection_items_destination_url_template'] },
    async create(item, context) {
      const { status: itemStatus, ad_account_id: _account, ...given } = item;
      const next: EntityFields = { ...given, campaign_id: context.parent!.campaign_id };
      await checkPin(pins, context.q, next, context);
      return submitted(context.q, { ...next, status: itemStatus ?? 'ACTIVE' }, context.now).then(({ status: _s, ...rest }) => rest);
    },
    async update(item, current, context) {
      const { id: _id, status: itemStatus, ad_account_id: _account, ...given } = item;
      if (given.pin_id === null) delete given.pin_id;
      const next: EntityFields = { ...current, ...given };
      // An unset field reads as null, so an ad given back as it was answered (bulk/download, then upsert) is no edit.
      const edited = REVIEWED_FIELDS.some((field) => given[field] !== undefined && JSON.stringify(given[field]) !== JSON.stringify(current[field] ?? null));
      if (edited) await checkPin(pins, context.q, next, context);
      const to = itemStatus ?? current.status;
      // An edit, a rejected ad edited, or a paused ad that was never submitted coming back: to review.
      const unsubmitted = current.review_status === 'PENDING' && current.review_due_at == null && to === 'ACTIVE';
      if (edited || unsubmitted) return submitted(context.q, { ...next, status: to }, context.now).then(({ status: _s, ...rest }) => rest);
      return next;
    },
    present(record: EntityRecord, ancestors, { now }) {
      const review = reviewStatusAt(record, now);
      const { status: own } = record;
      let summary: string;
      if (own === 'ARCHIVED' || own === 'DRAFT' || own === 'DELETED_DRAFT') summary = own;
      else if (own === 'PAUSED' || ancestors.some((a) => a.status !== 'ACTIVE')) summary = 'PAUSED';
      else summary = review === 'OTHER' ? 'PENDING' : review;
      const body: Record<string, unknown> = { id: record.id, ad_account_id: record.ad_account_id, campaign_id: record.campaign_id, ad_group_id: record.ad_group_id };
      for (const field of Object.keys(fields)) {
        if (field in body || OBJECT_FIELDS.includes(field)) continue;
        body[field] = record[field] ?? null;
      }
      Object.assign(body, presentIfSet(record, OBJECT_FIELDS));
      return {
        ...body,
        status: own,
        is_removable: record.is_removable ?? false,
        is_pin_deleted: false,
        grid_click_type: record.grid_click_type ?? 'CLOSEUP',
        review_status: review,
        ...(review === 'REJECTED' ? { rejected_reasons: record.rejected_reasons ?? [], rejection_labels: record.rejection_labels ?? [] } : {}),
        summary_status: summary,
        collection_items_destination_url_template: null,
        // Pinterest: the spec's example shows "pinpromotion"; the description says "ad".
        type: 'pinpromotion',
      };
    },
  });
}

/** The control plane's and fixtures' verdict on an ad: REJECTED with reasons, or APPROVED at once. */
export async function reviewAd(
  q: Queryable,
  adId: string,
  verdict: { review_status?: unknown; rejected_reasons?: unknown; rejection_labels?: unknown },
  now: number,
): Promise<void> {
  const row = await q.get<{ ad_account_id: string }>('SELECT ad_account_id FROM ads WHERE id = ?', [adId]);
  if (!row) throw new ApiError('ad_entity_not_found', `Ad ${adId} not found.`);
  if (verdict.review_status === 'APPROVED') {
    await q.run("UPDATE ads SET review_status = 'APPROVED', review_due_at = NULL, rejected_reasons = NULL, rejection_labels = NULL, updated_at = ? WHERE id = ?", [now, adId]);
    return;
  }
  if (verdict.review_status !== 'REJECTED') throw invalidField('review_status', 'must be REJECTED or APPROVED');
  const reasons = verdict.rejected_reasons ?? ['OTHER'];
  if (!Array.isArray(reasons) || reasons.some((r) => !REJECTED_REASONS.includes(r as string))) throw invalidField('rejected_reasons', `must list values of ${REJECTED_REASONS.join(', ')}`);
  const labels = verdict.rejection_labels ?? [];
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string')) throw invalidField('rejection_labels', 'must be a list of texts');
  await q.run("UPDATE ads SET review_status = 'REJECTED', review_due_at = NULL, rejected_reasons = ?, rejection_labels = ?, updated_at = ? WHERE id = ?", [
    JSON.stringify(reasons),
    JSON.stringify(labels),
    now,
    adId,
  ]);
}
