import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, resolve } from 'node:path';
import { pinterestTimestamp } from '../../kernel/clock.js';
import { ApiError } from '../../kernel/errors.js';
import { sectionKind } from '../boards/fixtures.js';
import type { BoardStore } from '../boards/store.js';
import type { Core } from '../family.js';
import { asFixtureError, defineFixtureSection, invalidFixture } from '../fixture-section.js';
import type { ImageService, LoadedImage } from '../media/image-service.js';
import { PIN_LIMITS } from './schemas.js';
import type { PinStore } from './store.js';

/** An image Pin of a fixture file, on a board of the fixture (`owner/board name`). */
export interface PinFixture {
  board: string;
  section?: string;
  title?: string;
  description?: string;
  link?: string;
  alt_text?: string;
  image_url?: string;
  image_file?: string;
}

const IMAGE_FILE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };
const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;

/**
 * The fixture's `pins`. Their images come by URL or from a file (relative to the
 * fixture file) and go through the same checks and processing as a Pin made through
 * the API, all before anything is written.
 */
export function pinFixtures(core: Pick<Core, 'clock' | 'ids'>, stores: { pins: PinStore; boards: BoardStore }, images: ImageService) {
  return defineFixtureSection({
    key: 'pins',
    item: {
      type: 'object',
      additionalProperties: false,
      required: ['board'],
      properties: {
        board: { type: 'string' },
        section: { type: 'string' },
        title: text(PIN_LIMITS.titleMax),
        description: text(PIN_LIMITS.descriptionMax),
        link: text(PIN_LIMITS.linkMax),
        alt_text: text(PIN_LIMITS.altTextMax),
        image_url: { type: 'string', minLength: 1, maxLength: PIN_LIMITS.linkMax },
        image_file: { type: 'string', minLength: 1 },
      },
    },
    async check(items: readonly PinFixture[], { names, baseDir }) {
      for (const [i, pin] of items.entries()) {
        if (!names.declared('board', pin.board)) throw invalidFixture(`pins[${i}].board`, `names no board of the fixture (expected "owner/board name", got ${pin.board})`);
        if (pin.section !== undefined && !names.declared(sectionKind(pin.board), pin.section)) throw invalidFixture(`pins[${i}].section`, `names no section of ${pin.board}`);
        if ((pin.image_url === undefined) === (pin.image_file === undefined)) throw invalidFixture(`pins[${i}]`, 'needs exactly one of image_url and image_file');
      }
      // The slow part, still before any write: every image is fetched or read, checked and processed.
      const loaded: LoadedImage[] = [];
      for (const [i, pin] of items.entries()) {
        if (pin.image_url !== undefined) {
          loaded.push(await images.fromUrl(pin.image_url, `pins[${i}].image_url`).catch(asFixtureError));
          continue;
        }
        const field = `pins[${i}].image_file`;
        const file = isAbsolute(pin.image_file!) ? pin.image_file! : resolve(baseDir, pin.image_file!);
        const contentType = IMAGE_FILE_TYPES[extname(file).toLowerCase()];
        if (!contentType) throw invalidFixture(field, 'must be a .png, .jpg or .jpeg file');
        const bytes = await readFile(file).catch(() => {
          throw invalidFixture(field, `cannot be read (${file})`);
        });
        const image = await images.fromBase64(contentType, bytes.toString('base64'), field).catch((error: unknown) => {
          // The image service names the base64 it decoded; the fixture gave a file.
          if (error instanceof ApiError) throw new ApiError('invalid_parameters', error.message.replace(`'${field}.data'`, `'${field}'`).replace(/^Invalid parameters:/, 'Invalid fixture:'));
          throw error;
        });
        loaded.push(image);
      }
      return loaded;
    },
    async write(tx, items, loaded, { names }) {
      const made: { board: string; id: string; title: string | null }[] = [];
      const now = pinterestTimestamp(core.clock.now());
      for (const [i, pin] of items.entries()) {
        const boardId = await names.idOf('board', pin.board, tx);
        const stored = await images.retain(tx, loaded[i]);
        const id = core.ids.next();
        await stores.pins.insert(tx, {
          id,
          owner_id: await names.idOf('user', pin.board.slice(0, pin.board.indexOf('/')), tx),
          board_id: boardId,
          board_section_id: pin.section !== undefined ? await names.idOf(sectionKind(pin.board), pin.section, tx) : null,
          title: pin.title ?? null,
          description: pin.description ?? null,
          link: pin.link ?? null,
          alt_text: pin.alt_text ?? null,
          dominant_color: stored.dominantColor,
          parent_pin_id: null,
          creative_type: 'REGULAR',
          is_standard: 1,
          has_been_promoted: 0,
          media: JSON.stringify({ media_type: 'image', images: stored.images }),
          created_at: now,
        });
        await stores.boards.pinsChanged(tx, boardId, +1, now);
        made.push({ board: pin.board, id, title: pin.title ?? null });
      }
      return made;
    },
  });
}
