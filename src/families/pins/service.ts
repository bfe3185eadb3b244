import type { AuthContext } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { pinterestTimestamp } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import { insufficientScope } from '../../kernel/scopes.js';
import type { IdGenerator } from '../../kernel/ids.js';
import type { Bookmarks, Page, PageRequest } from '../../kernel/pagination.js';
import type { Database, Queryable, Transaction, TransactionOptions } from '../../storage/database.js';
import { assertRole, canSeeBoard, roleOn } from '../boards/access.js';
import type { BoardService, VisibleBoard } from '../boards/service.js';
import type { BoardPrivacy, BoardStore, PinTargetBoard } from '../boards/store.js';
import { PictureNotStored, type ImageService } from '../media/image-service.js';
import type { ImageStore } from '../media/image-store.js';
import { isInlineImageSource, resolveMediaSource, type MediaSources, type ResolvedMedia, type StoredMedia } from './media-source.js';
import { CREATIVE_TYPES } from './schemas.js';
import type { NewPin, OwnerPinFilter, PinChanges, PinRow, PinStore } from './store.js';

export interface PinCreateInput {
  board_id: string;
  board_section_id?: string | null;
  media_source: Record<string, unknown>;
  title?: string | null;
  description?: string | null;
  link?: string | null;
  alt_text?: string | null;
  dominant_color?: string | null;
  parent_pin_id?: string | null;
}

export interface PinUpdateInput {
  carousel_slots?: { title?: string; description?: string; link?: string }[];
  title?: string | null;
  description?: string | null;
  link?: string | null;
  alt_text?: string | null;
  board_id?: string;
  board_section_id?: string | null;
}

export interface PinListQuery extends PageRequest {
  pin_filter?: OwnerPinFilter['pinFilter'];
  include_protected_pins?: boolean;
  pin_type?: 'PRIVATE';
  creative_types?: string[];
}

/**
 * Whether a Pin exists for this caller. Pinterest: a Pin on a secret board is a
 * secret Pin, seen only by the board's members with `pins:read_secret`; a Pin on a
 * protected board only by the board owner and the Pin's owner.
 */
function canSeePin(auth: AuthContext, pin: PinRow, isCollaborator: boolean): boolean {
  const member = pin.board_owner_id === auth.userId || pin.owner_id === auth.userId || isCollaborator;
  if (pin.board_privacy === 'PUBLIC') return true;
  if (pin.board_privacy === 'PROTECTED') return pin.board_owner_id === auth.userId || pin.owner_id === auth.userId;
  return member && auth.scopes.has('pins:read_secret');
}

/**
 * Pin writes keep their rules row by row: each locks its Pin's row (`getLocked`)
 * and the rows of the boards whose pin_count it changes (`pinTarget`,
 * `lockForPinCount`, in the order of their ids), so writes on one board take turns
 * and writes on other boards never wait for them.
 */
const ROW_BY_ROW: TransactionOptions = { isolation: 'read committed' };

/** Pinterest's rules for Pins: creation, moves between boards and sections, saves, deletes. */
export class PinService {
  constructor(
    private readonly deps: {
      db: Database;
      pins: PinStore;
      boards: BoardStore;
      boardService: BoardService;
      ids: IdGenerator;
      clock: Clock;
      bookmarks: Bookmarks;
      images: ImageService;
      imageStore: ImageStore;
      /** Uploaded videos and covers taken from their frames, for video Pins. */
      videos: Omit<MediaSources, 'images'>;
    },
  ) {}

  private now(): string {
    return pinterestTimestamp(this.deps.clock.now());
  }

  /** The Pin as this caller may see it, or 404. */
  async visible(auth: AuthContext, pinId: string, q: Queryable = this.deps.db): Promise<PinRow> {
    const pin = await this.deps.pins.get(pinId, q);
    if (!pin) throw new ApiError('pin_not_found');
    const collaborator =
      pin.board_privacy !== 'PUBLIC' && pin.board_owner_id !== auth.userId && (await this.deps.boards.isCollaborator(pin.board_id, auth.userId, q));
    if (!canSeePin(auth, pin, collaborator)) throw new ApiError('pin_not_found');
    return pin;
  }

  /** `visible` on the Pin's row as it is now, locked until the transaction ends (`getLocked`, or `getShared` to copy it). */
  private async visibleLocked(auth: AuthContext, pinId: string, tx: Transaction, mode: 'change' | 'share' = 'change'): Promise<PinRow> {
    const pin = mode === 'change' ? await this.deps.pins.getLocked(tx, pinId) : await this.deps.pins.getShared(tx, pinId);
    if (!pin) throw new ApiError('pin_not_found');
    const collaborator =
      pin.board_privacy !== 'PUBLIC' && pin.board_owner_id !== auth.userId && (await this.deps.boards.isCollaborator(pin.board_id, auth.userId, tx));
    if (!canSeePin(auth, pin, collaborator)) throw new ApiError('pin_not_found');
    return pin;
  }

  /**
   * A board this caller may put a Pin on: visible to them, a member's role, and for
   * a secret board the secret Pin write scope.
   */
  private async targetBoard(auth: AuthContext, boardId: string, sectionId: string | null | undefined, q: Queryable): Promise<VisibleBoard> {
    const target = await this.deps.boardService.visible(auth, boardId, q);
    if (target.board.privacy === 'SECRET' && !auth.scopes.has('pins:write_secret')) throw insufficientScope(['pins:write_secret'], 'a Pin on a secret board needs pins:write_secret');
    assertRole(target.role, 'contribute');
    if (sectionId) {
      const section = await this.deps.boards.getSection(boardId, sectionId, q);
      if (!section) throw new ApiError('section_not_found');
    }
    return target;
  }

  /**
   * `targetBoard` inside a Pin write: the same checks in the same order, on the
   * board's row as it is now, locked until the write commits (one statement), and
   * with `counted` the Pin counted on it in the same statement.
   */
  private async lockedTarget(
    auth: AuthContext,
    boardId: string,
    sectionId: string | null | undefined,
    tx: Transaction,
    counted?: { delta: number; now: string },
  ): Promise<PinTargetBoard> {
    const board = await this.deps.boards.pinTarget(tx, boardId, auth.userId, counted);
    if (!board) throw new ApiError('board_not_found');
    const role = roleOn(board, auth.userId, board.is_collaborator > 0);
    if (!canSeeBoard(auth, board, role)) throw new ApiError('board_not_found');
    if (board.privacy === 'SECRET' && !auth.scopes.has('pins:write_secret')) throw insufficientScope(['pins:write_secret'], 'a Pin on a secret board needs pins:write_secret');
    assertRole(role, 'contribute');
    if (sectionId) {
      const section = await this.deps.boards.getSection(boardId, sectionId, tx);
      if (!section) throw new ApiError('section_not_found');
    }
    return board;
  }

  async create(auth: AuthContext, input: PinCreateInput): Promise<PinRow> {
    const sources = { images: this.deps.images, ...this.deps.videos };
    if (isInlineImageSource(input.media_source)) {
      // Base64 pictures pinbox stores already need no processing, so the board need not
      // be checked before them: decoded here, they are taken in the one transaction that
      // checks the board and writes the Pin (two statements fewer than the path below).
      // Only a picture met for the first time goes on to be processed, outside it.
      let decoded: ResolvedMedia;
      try {
        decoded = await resolveMediaSource(auth, input.media_source, sources, { deferLookups: true });
      } catch (error) {
        // The board's problems come before the media's, as on the path below.
        await this.targetBoard(auth, input.board_id, input.board_section_id, this.deps.db);
        throw error;
      }
      try {
        return await this.insert(auth, input, decoded);
      } catch (error) {
        if (!(error instanceof PictureNotStored)) throw error;
      }
      await this.targetBoard(auth, input.board_id, input.board_section_id, this.deps.db);
      decoded.images = await Promise.all(decoded.images.map((image) => this.deps.images.lookUp(image)));
      return this.insert(auth, input, decoded);
    }
    // Checked before the images are fetched and processed, and again in the transaction.
    await this.targetBoard(auth, input.board_id, input.board_section_id, this.deps.db);
    return this.insert(auth, input, await resolveMediaSource(auth, input.media_source, sources));
  }

  /** Writes a Pin of read media in one transaction that checks its board again. */
  private insert(auth: AuthContext, input: PinCreateInput, resolved: ResolvedMedia): Promise<PinRow> {
    return this.deps.db.transaction(async (tx) => {
      const now = this.now();
      const board = await this.lockedTarget(auth, input.board_id, input.board_section_id, tx, { delta: +1, now });
      const id = this.deps.ids.next();
      const stored = [];
      for (const image of resolved.images) stored.push(await this.deps.images.retain(tx, image));
      const media = resolved.build(stored);
      const pin: NewPin = {
        id,
        owner_id: auth.userId,
        board_id: input.board_id,
        board_section_id: input.board_section_id ?? null,
        title: input.title ?? null,
        description: input.description ?? null,
        link: input.link ?? null,
        alt_text: input.alt_text ?? null,
        dominant_color: input.dominant_color ?? stored[0]?.dominantColor ?? null,
        parent_pin_id: input.parent_pin_id ?? null,
        creative_type: resolved.creativeType,
        is_standard: resolved.isStandard === false ? 0 : 1,
        has_been_promoted: 0,
        media: JSON.stringify(media),
        created_at: now,
      };
      await this.deps.pins.insert(tx, pin);
      // From this Pin on, the upload's video is served.
      if (resolved.videoMediaId) await this.deps.videos.uploads.markPinned(tx, resolved.videoMediaId);
      // The row as stored (no trigger changes it) with its board's fields, read in this transaction: no need to read it back.
      return { ...pin, board_owner_id: board.owner_id, board_owner_username: board.owner_username, board_privacy: board.privacy };
    }, ROW_BY_ROW);
  }

  /** Saves (repins) a visible Pin onto one of the caller's boards; the copy records `parent_pin_id`. */
  async save(auth: AuthContext, pinId: string, target: { board_id?: string | null; board_section_id?: string | null }): Promise<PinRow> {
    return this.deps.db.transaction(async (tx) => {
      // The source is copied, not changed: share-locked, so a delete of it waits (and its pictures stay) until the copy holds them too.
      const source = await this.visibleLocked(auth, pinId, tx, 'share');
      const boardId = target.board_id ?? null;
      if (!boardId) throw new ApiError('invalid_parameters', "Invalid parameters: 'board_id' is required.");
      const now = this.now();
      const board = await this.lockedTarget(auth, boardId, target.board_section_id, tx, { delta: +1, now });
      const id = this.deps.ids.next();
      const copy: NewPin = {
        id,
        owner_id: auth.userId,
        board_id: boardId,
        board_section_id: target.board_section_id ?? null,
        title: source.title,
        description: source.description,
        link: source.link,
        alt_text: source.alt_text,
        dominant_color: source.dominant_color,
        parent_pin_id: source.id,
        creative_type: source.creative_type,
        is_standard: source.is_standard,
        has_been_promoted: 0,
        media: source.media,
        created_at: now,
      };
      await this.deps.pins.insert(tx, copy);
      await this.deps.imageStore.retainAll(tx, source.media);
      // As stored, with its board's fields read in this transaction: no need to read it back.
      return { ...copy, board_owner_id: board.owner_id, board_owner_username: board.owner_username, board_privacy: board.privacy };
    }, ROW_BY_ROW);
  }

  /**
   * Changes only the fields given. Moving to another board or section needs the
   * right to add Pins there; only the Pin's owner (or the board owner) may edit it.
   */
  async update(auth: AuthContext, pinId: string, input: PinUpdateInput): Promise<PinRow> {
    return this.deps.db.transaction(async (tx) => {
      const pin = await this.assertCanChange(auth, pinId, tx);
      const changes: PinChanges = {};
      for (const field of ['title', 'description', 'link', 'alt_text'] as const) {
        if (input[field] !== undefined) changes[field] = input[field];
      }
      const boardId = input.board_id ?? pin.board_id;
      const movesBoard = boardId !== pin.board_id;
      let moved: PinTargetBoard | null = null;
      if (movesBoard || input.board_section_id !== undefined) {
        const sectionId = input.board_section_id !== undefined ? input.board_section_id : movesBoard ? null : pin.board_section_id;
        // Both boards' counts change: their rows are locked in the order of their ids, as every move locks them, so two moves between the same boards never wait for each other in a circle.
        if (movesBoard) await this.deps.boards.lockForPinCount(tx, [pin.board_id, boardId].sort());
        moved = await this.lockedTarget(auth, boardId, sectionId, tx);
        changes.board_id = boardId;
        changes.board_section_id = sectionId;
      }
      if (input.carousel_slots) changes.media = withCarouselSlots(pin, input.carousel_slots);
      await this.deps.pins.update(tx, pinId, changes);
      if (movesBoard) {
        const now = this.now();
        await this.deps.boards.pinsChanged(tx, pin.board_id, -1, now);
        await this.deps.boards.pinsChanged(tx, boardId, +1, now);
      }
      // The locked row with the changes made to it (no trigger changes a Pin): no need to read it back.
      const updated: PinRow = { ...pin, ...(changes as Partial<PinRow>) };
      if (moved) Object.assign(updated, { board_owner_id: moved.owner_id, board_owner_username: moved.owner_username, board_privacy: moved.privacy });
      return updated;
    }, ROW_BY_ROW);
  }

  async delete(auth: AuthContext, pinId: string): Promise<void> {
    const released = await this.deps.db.transaction(async (tx) => {
      const pin = await this.assertCanChange(auth, pinId, tx);
      await this.deps.pins.delete(tx, pinId);
      await this.deps.boards.pinsChanged(tx, pin.board_id, -1, this.now());
      await this.deps.pins.releaseLegacyBlobs(tx, legacyBlobIdsOf(pin.media));
      return this.deps.imageStore.releaseAll(tx, pin.media);
    }, ROW_BY_ROW);
    // Pictures no Pin uses any more go, files and all, once the delete is committed.
    if (released > 0) await this.deps.imageStore.sweep();
  }

  /**
   * A collaborator edits and deletes their own Pins; the board owner may also remove
   * anyone's Pin from their board. Secret Pins need `pins:write_secret`.
   */
  private async assertCanChange(auth: AuthContext, pinId: string, tx: Transaction): Promise<PinRow> {
    const pin = await this.visibleLocked(auth, pinId, tx);
    if (pin.board_privacy === 'SECRET' && !auth.scopes.has('pins:write_secret')) throw insufficientScope(['pins:write_secret'], 'a Pin on a secret board needs pins:write_secret');
    const ownsPin = pin.owner_id === auth.userId;
    const ownsBoard = pin.board_owner_id === auth.userId;
    if (!(ownsPin || ownsBoard)) throw new ApiError('not_permitted');
    return pin;
  }

  /** Reads `creative_types` given repeated or comma-separated; 400 on an unknown type. */
  creativeTypesOf(values: string[] | undefined): string[] {
    const types = (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
    for (const type of types) {
      if (!(CREATIVE_TYPES as readonly string[]).includes(type)) throw invalidField('creative_types', `has an unknown creative type '${type}'`);
    }
    return [...new Set(types)];
  }

  // Lists

  async listOnBoard(auth: AuthContext, boardId: string, creativeTypes: string[], page: PageRequest): Promise<Page<PinRow>> {
    const { board } = await this.deps.boardService.visible(auth, boardId);
    const hidden = board.privacy === 'SECRET' && !auth.scopes.has('pins:read_secret');
    return this.deps.bookmarks.page(`boards/list_pins:${boardId}:${creativeTypes.join(',')}`, page, (p) => p.id, (after, limit) =>
      hidden ? Promise.resolve([]) : this.deps.pins.listByBoard(board, creativeTypes, after, limit),
    );
  }

  async listInSection(auth: AuthContext, boardId: string, sectionId: string, page: PageRequest): Promise<Page<PinRow>> {
    const { board } = await this.deps.boardService.visibleSection(auth, boardId, sectionId);
    const hidden = board.privacy === 'SECRET' && !auth.scopes.has('pins:read_secret');
    return this.deps.bookmarks.page(`board_sections/list_pins:${sectionId}`, page, (p) => p.id, (after, limit) =>
      hidden ? Promise.resolve([]) : this.deps.pins.listBySection(board, sectionId, after, limit),
    );
  }

  async listOwn(auth: AuthContext, query: PinListQuery): Promise<Page<PinRow>> {
    let privacies: BoardPrivacy[] = query.pin_type === 'PRIVATE' ? ['SECRET'] : ['PUBLIC', 'SECRET'];
    if (query.include_protected_pins && query.pin_type !== 'PRIVATE') privacies.push('PROTECTED');
    // Pinterest: secret Pins are listed only for tokens with pins:read_secret.
    if (!auth.scopes.has('pins:read_secret')) privacies = privacies.filter((p) => p !== 'SECRET');
    const filter: OwnerPinFilter = { privacies, pinFilter: query.pin_filter, creativeTypes: query.creative_types };
    const listKey = `pins/list:${auth.userId}:${query.pin_filter ?? ''}:${query.include_protected_pins ? 1 : 0}:${query.pin_type ?? ''}:${(query.creative_types ?? []).join(',')}`;
    return this.deps.bookmarks.page(listKey, query, (p) => p.id, (after, limit) => this.deps.pins.listByOwner(auth.userId, filter, after, limit));
  }
}

/** Pinterest: `carousel_slots` edits the title, description and link of a carousel's items in order. */
function withCarouselSlots(pin: PinRow, slots: NonNullable<PinUpdateInput['carousel_slots']>): string {
  const media = JSON.parse(pin.media) as StoredMedia;
  if (media.media_type !== 'multiple_images') throw invalidField('carousel_slots', 'can only change a carousel Pin');
  if (slots.length > media.items.length) throw invalidField('carousel_slots', `has ${slots.length} slots but the carousel has ${media.items.length} images`);
  slots.forEach((slot, index) => {
    const item = media.items[index];
    if (slot.title !== undefined) item.title = slot.title;
    if (slot.description !== undefined) item.description = slot.description;
    if (slot.link !== undefined) item.link = slot.link;
  });
  return JSON.stringify(media);
}

/** Uploads stored whole in the database before images were processed (`/media/blobs/<id>`). */
function legacyBlobIdsOf(media: string): string[] {
  return [...media.matchAll(/\/media\/blobs\/(\d+)"/g)].map((m) => m[1]);
}
