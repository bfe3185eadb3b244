import { paginationQuerySchema } from '../../kernel/pagination.js';
import { adAccountQuery, numericId } from '../../kernel/schemas.js';
import { firstImageUrl } from '../pins/media-source.js';
import type { BoardRow, BoardStore, SectionRow } from './store.js';

/**
 * Limits on boards and sections. Pinterest: section names are 1..180 characters
 * (`BoardSection.name` in the spec). The spec sets no limit on board names and
 * descriptions; pinbox applies the caps of Pinterest's board editor (name 180,
 * description 500) so a row can never grow without bound.
 */
export const BOARD_LIMITS = { nameMax: 180, descriptionMax: 500, sectionNameMax: 180 } as const;

const nullableString = (maxLength: number) => ({ type: ['string', 'null'], maxLength }) as const;

export const boardIdParams = {
  type: 'object',
  required: ['board_id'],
  properties: { board_id: numericId },
} as const;

export const sectionParams = {
  type: 'object',
  required: ['board_id', 'section_id'],
  properties: { board_id: numericId, section_id: numericId },
} as const;

export const boardCreateBody = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: BOARD_LIMITS.nameMax },
    description: nullableString(BOARD_LIMITS.descriptionMax),
    privacy: { type: 'string', enum: ['PUBLIC', 'PROTECTED', 'SECRET'] },
    is_ads_only: { type: 'boolean' },
  },
} as const;

export const boardUpdateBody = {
  type: 'object',
  properties: {
    name: { type: 'string', minLength: 1, maxLength: BOARD_LIMITS.nameMax },
    description: nullableString(BOARD_LIMITS.descriptionMax),
    privacy: { type: 'string', enum: ['PUBLIC', 'SECRET'] },
  },
} as const;

export const sectionBody = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: BOARD_LIMITS.sectionNameMax } },
} as const;

export const boardListQuery = {
  type: 'object',
  properties: {
    ...adAccountQuery,
    ...paginationQuerySchema,
    privacy: { type: 'string', enum: ['ALL', 'PUBLIC', 'PROTECTED', 'SECRET', 'PUBLIC_AND_SECRET'] },
  },
} as const;

export const pagedQuery = {
  type: 'object',
  properties: { ...adAccountQuery, ...paginationQuerySchema },
} as const;

export const adAccountOnlyQuery = {
  type: 'object',
  properties: { ...adAccountQuery },
} as const;

export interface BoardMedia {
  image_cover_url: string | null;
  pin_thumbnail_urls: string[];
}

/** The spec's `Board`, built field by field (spreading rows was measured to halve list throughput). */
export function boardResponse(row: BoardRow, media: BoardMedia) {
  return {
    id: row.id,
    created_at: row.created_at,
    board_pins_modified_at: row.board_pins_modified_at,
    name: row.name,
    description: row.description,
    collaborator_count: Number(row.collaborator_count),
    pin_count: Number(row.pin_count),
    follower_count: Number(row.follower_count),
    media,
    owner: { username: row.owner_username },
    privacy: row.privacy,
    is_ads_only: row.is_ads_only === 1,
  };
}

/** A board response with its cover and thumbnails taken from its newest Pins. */
export async function boardWithMedia(store: BoardStore, board: BoardRow, base: string) {
  const recent = await store.recentPinMedia(board.id);
  const thumbnails = recent.map((r) => firstImageUrl(r.media, base, '150x150')).filter((u): u is string => u !== null);
  const cover = recent.length ? firstImageUrl(recent[0].media, base, '400x300') : null;
  return boardResponse(board, { image_cover_url: cover, pin_thumbnail_urls: thumbnails });
}

export function sectionResponse(row: SectionRow) {
  return { id: row.id, name: row.name };
}
