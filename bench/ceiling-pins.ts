/**
 * What the two storage ceilings (bench/sqlite-server.ts, bench/postgres-server.ts)
 * share: the Pin columns they read, the create body they validate, the row a
 * create makes and the Pin's JSON text, so both answer exactly alike.
 */
import type { PinRow } from '../src/families/pins/store.js';

/** A Pin row as the ceilings read it: pinbox's own, without the board fields they do not join. */
export type CeilingPinRow = Omit<PinRow, 'board_owner_id' | 'board_owner_username' | 'board_privacy'>;

export const PIN_COLUMNS = `p.id, p.owner_id, p.board_id, p.board_section_id, p.title, p.description, p.link, p.alt_text, p.dominant_color,
  p.parent_pin_id, p.creative_type, p.is_standard, p.has_been_promoted, p.media, p.created_at`;

/** The create body as Fastify's schema validates it (Ajv), the fields a ceiling writes. */
export interface CreatePinBody {
  board_id: string;
  title?: string | null;
  description?: string | null;
  link?: string | null;
}

export const CREATE_PIN_SCHEMA = {
  body: {
    type: 'object',
    required: ['board_id', 'media_source'],
    properties: {
      board_id: { type: 'string', pattern: '^\\d+$' },
      title: { type: ['string', 'null'], maxLength: 100 },
      description: { type: ['string', 'null'], maxLength: 800 },
      link: { type: ['string', 'null'], maxLength: 2048 },
      media_source: { type: 'object', required: ['source_type'], properties: { source_type: { type: 'string' } } },
    },
  },
} as const;

/** The row a create writes: a REGULAR Pin of `media` on the body's board. */
export function createdPin(id: string, owner: string, body: CreatePinBody, media: string, createdAt: string): CeilingPinRow {
  return {
    id,
    owner_id: owner,
    board_id: body.board_id,
    board_section_id: null,
    title: body.title ?? null,
    description: body.description ?? null,
    link: body.link ?? null,
    alt_text: null,
    dominant_color: null,
    parent_pin_id: null,
    creative_type: 'REGULAR',
    is_standard: 1,
    has_been_promoted: 0,
    media,
    created_at: createdAt,
  };
}

/** A Pin as JSON text: the row's fields stringified, the stored media JSON spliced in as text (as pinbox writes it: no parse per row). */
export function pinText(row: CeilingPinRow, username: string, viewer: string | undefined): string {
  const fields = JSON.stringify({
    id: row.id,
    created_at: row.created_at,
    link: row.link,
    title: row.title,
    description: row.description,
    dominant_color: row.dominant_color,
    alt_text: row.alt_text,
    creative_type: row.creative_type,
    board_id: row.board_id,
    board_section_id: row.board_section_id,
    board_owner: { username },
    is_owner: row.owner_id === viewer,
    parent_pin_id: row.parent_pin_id,
    is_standard: row.is_standard === 1,
    has_been_promoted: row.has_been_promoted === 1,
  });
  return `${fields.slice(0, -1)},"media":${row.media}}`;
}
