import { adAccountQuery, numericId } from '../../kernel/schemas.js';
import { paginationQuerySchema, type Page } from '../../kernel/pagination.js';
import type { ServedMedia } from '../media/media-urls.js';
import type { PinRow } from './store.js';

/** Pinterest: title 100, description 800, link 2048, alt text 500 characters (`PinCreate` in the spec). */
export const PIN_LIMITS = { titleMax: 100, descriptionMax: 800, linkMax: 2048, altTextMax: 500 } as const;

/** Pinterest: the `CreativeType` enum of the spec. */
export const CREATIVE_TYPES = [
  'REGULAR',
  'VIDEO',
  'SHOPPING',
  'CAROUSEL',
  'MAX_VIDEO',
  'SHOP_THE_PIN',
  'COLLECTION',
  'IDEA',
  'SHOWCASE',
  'QUIZ',
  'COLLAGE',
  'MAX_WIDTH_REGULAR_COLLECTION',
  'MAX_WIDTH_VIDEO_COLLECTION',
] as const;

const nullableString = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;
const nullableId = { type: ['string', 'null'], pattern: '^\\d+$', maxLength: 20 } as const;

export const pinIdParams = { type: 'object', required: ['pin_id'], properties: { pin_id: numericId } } as const;

export const pinCreateBody = {
  type: 'object',
  required: ['board_id', 'media_source'],
  properties: {
    board_id: numericId,
    board_section_id: nullableId,
    media_source: { type: 'object', required: ['source_type'], properties: { source_type: { type: 'string' } } },
    title: nullableString(PIN_LIMITS.titleMax),
    description: nullableString(PIN_LIMITS.descriptionMax),
    link: nullableString(PIN_LIMITS.linkMax),
    alt_text: nullableString(PIN_LIMITS.altTextMax),
    dominant_color: { type: ['string', 'null'], maxLength: 32 },
    parent_pin_id: nullableId,
    sponsor_id: nullableId,
  },
} as const;

export const pinUpdateBody = {
  type: 'object',
  properties: {
    board_id: numericId,
    board_section_id: nullableId,
    title: nullableString(PIN_LIMITS.titleMax),
    description: nullableString(PIN_LIMITS.descriptionMax),
    link: nullableString(PIN_LIMITS.linkMax),
    alt_text: nullableString(PIN_LIMITS.altTextMax),
    carousel_slots: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          title: { type: 'string', maxLength: PIN_LIMITS.titleMax },
          description: { type: 'string', maxLength: PIN_LIMITS.descriptionMax },
          link: { type: 'string', maxLength: PIN_LIMITS.linkMax },
        },
      },
    },
  },
} as const;

export const pinSaveBody = {
  type: 'object',
  properties: { board_id: nullableId, board_section_id: nullableId },
} as const;

export const pinGetQuery = {
  type: 'object',
  properties: { ...adAccountQuery, pin_metrics: { type: 'boolean' } },
} as const;

export const pinListQuery = {
  type: 'object',
  properties: {
    ...adAccountQuery,
    ...paginationQuerySchema,
    pin_filter: { type: 'string', enum: ['exclude_native', 'exclude_repins', 'has_been_promoted'] },
    include_protected_pins: { type: 'boolean' },
    pin_type: { type: 'string', enum: ['PRIVATE'] },
    creative_types: { type: 'array', items: { type: 'string' } },
    pin_metrics: { type: 'boolean' },
  },
} as const;

const str = JSON.stringify;

/**
 * The spec's `Pin` as JSON text, written field by field. Pins are the hottest
 * responses, so they are serialized by hand: the stored media JSON goes in as is,
 * with no parse and re-stringify, and no intermediate object per Pin (building
 * objects by spreading rows was measured to halve list throughput).
 * `pin_metrics` comes only when asked for: `metrics` is its JSON text (from
 * analytics), or null where there are none to show.
 */
export function pinJson(row: PinRow, viewerId: string, media: ServedMedia, withMetrics: boolean, metrics: string | null = null): string {
  return (
    '{"id":' + str(row.id) +
    ',"created_at":' + str(row.created_at) +
    ',"link":' + str(row.link) +
    ',"title":' + str(row.title) +
    ',"description":' + str(row.description) +
    ',"dominant_color":' + str(row.dominant_color) +
    ',"alt_text":' + str(row.alt_text) +
    ',"creative_type":' + str(row.creative_type) +
    ',"board_id":' + str(row.board_id) +
    ',"board_section_id":' + str(row.board_section_id) +
    ',"board_owner":{"username":' + str(row.board_owner_username) + '}' +
    ',"is_owner":' + (row.owner_id === viewerId) +
    ',"media":' + media.json(row.media) +
    ',"parent_pin_id":' + str(row.parent_pin_id) +
    ',"is_standard":' + (row.is_standard === 1) +
    ',"has_been_promoted":' + (row.has_been_promoted === 1) +
    (withMetrics ? ',"pin_metrics":' + (metrics ?? 'null') + '}' : '}')
  );
}

/** A page of Pins as JSON text: `{ items, bookmark }`. */
export function pinPageJson(page: Page<PinRow>, viewerId: string, media: ServedMedia, withMetrics: boolean, metrics?: ReadonlyMap<string, string>): string {
  let items = '';
  for (const row of page.items) items += (items ? ',' : '') + pinJson(row, viewerId, media, withMetrics, metrics?.get(row.id) ?? null);
  return '{"items":[' + items + '],"bookmark":' + str(page.bookmark) + '}';
}
