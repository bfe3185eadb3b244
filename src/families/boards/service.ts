import type { AuthContext } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { pinterestTimestamp } from '../../kernel/clock.js';
import { ApiError } from '../../kernel/errors.js';
import { findByName, storedName } from '../../kernel/names.js';
import { insufficientScope } from '../../kernel/scopes.js';
import type { IdGenerator } from '../../kernel/ids.js';
import type { Bookmarks, Page, PageRequest } from '../../kernel/pagination.js';
import type { Database, Queryable, Transaction, TransactionOptions } from '../../storage/database.js';
import { assertCanWriteBoard, canSeeBoard, roleOn, type BoardAction, type BoardRole } from './access.js';
import type { BoardPrivacy, BoardRow, BoardStore, SectionRow } from './store.js';

/** Board writes keep their rules row by row: the owner's names under `lockNamesOf`, sections under the board's row lock. */
const ROW_BY_ROW: TransactionOptions = { isolation: 'read committed' };

export type BoardPrivacyFilter = 'ALL' | 'PUBLIC' | 'PROTECTED' | 'SECRET' | 'PUBLIC_AND_SECRET';

export interface BoardCreateInput {
  name: string;
  description?: string | null;
  privacy?: BoardPrivacy;
  is_ads_only?: boolean;
}

export interface BoardUpdateInput {
  name?: string;
  description?: string | null;
  privacy?: 'PUBLIC' | 'SECRET';
}

export interface VisibleBoard {
  board: BoardRow;
  role: BoardRole;
}

/** Pinterest's rules for boards and board sections. */
export class BoardService {
  constructor(
    private readonly deps: { db: Database; boards: BoardStore; ids: IdGenerator; clock: Clock; bookmarks: Bookmarks },
  ) {}

  private now(): string {
    return pinterestTimestamp(this.deps.clock.now());
  }

  /** The board as this caller may see it, or Pinterest's 404 when it is invisible to them. */
  async visible(auth: AuthContext, boardId: string, q: Queryable = this.deps.db): Promise<VisibleBoard> {
    const board = await this.deps.boards.get(boardId, q);
    if (!board) throw new ApiError('board_not_found');
    const role = roleOn(board, auth.userId, board.owner_id !== auth.userId && (await this.deps.boards.isCollaborator(boardId, auth.userId, q)));
    if (!canSeeBoard(auth, board, role)) throw new ApiError('board_not_found');
    return { board, role };
  }

  /** A visible board this caller may change in the way `action` says. */
  async writable(auth: AuthContext, boardId: string, action: BoardAction, q: Queryable): Promise<VisibleBoard> {
    const visible = await this.visible(auth, boardId, q);
    assertCanWriteBoard(auth, visible.board, visible.role, action);
    return visible;
  }

  /** Which privacies a list can show this caller, given the filter and the token's scopes. */
  privaciesFor(auth: AuthContext, filter: BoardPrivacyFilter = 'ALL'): BoardPrivacy[] {
    const wanted: BoardPrivacy[] =
      filter === 'ALL'
        ? ['PUBLIC', 'PROTECTED', 'SECRET']
        : filter === 'PUBLIC_AND_SECRET'
          ? ['PUBLIC', 'SECRET']
          : [filter];
    // Pinterest: secret boards are listed only for tokens with boards:read_secret.
    return wanted.filter((privacy) => privacy !== 'SECRET' || auth.scopes.has('boards:read_secret'));
  }

  list(auth: AuthContext, filter: BoardPrivacyFilter | undefined, page: PageRequest): Promise<Page<BoardRow>> {
    const privacies = this.privaciesFor(auth, filter);
    return this.deps.bookmarks.page(`boards/list:${auth.userId}:${filter ?? 'ALL'}`, page, (b) => b.id, (after, limit) =>
      this.deps.boards.listForMember(auth.userId, privacies, after, limit),
    );
  }

  listFollowed(auth: AuthContext, page: PageRequest): Promise<Page<BoardRow>> {
    return this.deps.bookmarks.page(`boards/followed:${auth.userId}`, page, (b) => b.id, (after, limit) =>
      this.deps.boards.listFollowed(auth.userId, after, limit),
    );
  }

  async create(auth: AuthContext, input: BoardCreateInput): Promise<BoardRow> {
    // Pinterest: an ads-only board is always PROTECTED.
    const privacy: BoardPrivacy = input.is_ads_only ? 'PROTECTED' : (input.privacy ?? 'PUBLIC');
    if (privacy === 'SECRET' && !auth.scopes.has('boards:write_secret')) throw insufficientScope(['boards:write_secret'], 'a secret board needs boards:write_secret');
    // Pinterest: "If you create an ad-only board by setting is_ads_only to true, the
    // board name automatically becomes 'Ad-only Pins'" (Board.name in the spec).
    const name = input.is_ads_only ? 'Ad-only Pins' : storedName('name', input.name);
    return this.deps.db.transaction(async (tx) => {
      // Every ads-only board carries the same fixed name, so only chosen names must be unique.
      if (!input.is_ads_only) await this.assertNameFree(tx, auth.userId, name, null);
      else await this.deps.boards.lockNamesOf(tx, auth.userId);
      const id = this.deps.ids.next();
      await this.deps.boards.insert(tx, {
        id,
        ownerId: auth.userId,
        name,
        description: input.description ?? null,
        privacy,
        isAdsOnly: input.is_ads_only ?? false,
        now: this.now(),
      });
      return (await this.deps.boards.get(id, tx))!;
    }, ROW_BY_ROW);
  }

  async update(auth: AuthContext, boardId: string, input: BoardUpdateInput): Promise<BoardRow> {
    return this.deps.db.transaction(async (tx) => {
      const { board } = await this.writable(auth, boardId, 'manage', tx);
      if (input.privacy !== undefined && input.privacy !== board.privacy) {
        // Making a board secret, or public again, is a write on secret content.
        if (!auth.scopes.has('boards:write_secret')) throw insufficientScope(['boards:write_secret'], 'a secret board needs boards:write_secret');
        if (board.privacy === 'PROTECTED') {
          throw new ApiError('invalid_parameters', "Invalid parameters: 'privacy' of an ads-only (protected) board cannot be changed.");
        }
      }
      const name = input.name === undefined ? undefined : storedName('name', input.name);
      if (name !== undefined && name !== board.name) await this.assertNameFree(tx, board.owner_id, name, board.id);
      await this.deps.boards.update(tx, boardId, { ...input, name });
      return (await this.deps.boards.get(boardId, tx))!;
    }, ROW_BY_ROW);
  }

  async delete(auth: AuthContext, boardId: string): Promise<void> {
    // The Pins go with the board (ON DELETE CASCADE); a Pin write on it in flight holds
    // the board's row, so the delete waits for it and takes its Pin too.
    await this.deps.db.transaction(async (tx) => {
      await this.writable(auth, boardId, 'manage', tx);
      await this.deps.boards.delete(tx, boardId);
    }, ROW_BY_ROW);
  }

  /**
   * Pinterest refuses a second board of one owner with the same name, whatever its
   * case; pinbox also whatever its Unicode form. The names are folded here (`nameKey`),
   * not by the database; folding an owner's 2,000 names takes under a millisecond.
   * The owner's names are locked first (`lockNamesOf`), so two transactions naming
   * boards of one owner take turns and the second sees the first's board; other
   * owners' never wait.
   */
  private async assertNameFree(q: Transaction, ownerId: string, name: string, exceptBoardId: string | null): Promise<void> {
    await this.deps.boards.lockNamesOf(q, ownerId);
    const others = (await this.deps.boards.namesOf(ownerId, q)).filter((board) => board.id !== exceptBoardId);
    if (findByName(others, name)) throw new ApiError('board_name_taken');
  }

  /** A board's section names are compared once its row is locked (`lockForSections`). */
  private async assertSectionNameFree(q: Queryable, boardId: string, name: string, exceptSectionId: string | null): Promise<void> {
    const others = (await this.deps.boards.sectionNamesOf(boardId, q)).filter((section) => section.id !== exceptSectionId);
    if (findByName(others, name)) throw new ApiError('section_conflict', `A section named '${name}' already exists on this board.`);
  }

  // Sections

  async listSections(auth: AuthContext, boardId: string, page: PageRequest): Promise<Page<SectionRow>> {
    await this.visible(auth, boardId);
    return this.deps.bookmarks.page(`board_sections/list:${boardId}`, page, (s) => s.id, (after, limit) =>
      this.deps.boards.listSections(boardId, after, limit),
    );
  }

  /** The section on a board this caller can see, or 404. */
  async visibleSection(auth: AuthContext, boardId: string, sectionId: string, q: Queryable = this.deps.db): Promise<VisibleBoard & { section: SectionRow }> {
    const visible = await this.visible(auth, boardId, q);
    const section = await this.deps.boards.getSection(boardId, sectionId, q);
    if (!section) throw new ApiError('section_not_found');
    return { ...visible, section };
  }

  async createSection(auth: AuthContext, boardId: string, givenName: string): Promise<SectionRow> {
    const name = storedName('name', givenName);
    return this.deps.db.transaction(async (tx) => {
      await this.deps.boards.lockForSections(tx, boardId);
      await this.writable(auth, boardId, 'contribute', tx);
      await this.assertSectionNameFree(tx, boardId, name, null);
      const section: SectionRow = { id: this.deps.ids.next(), board_id: boardId, name, created_at: this.now() };
      await this.deps.boards.insertSection(tx, section);
      return section;
    }, ROW_BY_ROW);
  }

  async updateSection(auth: AuthContext, boardId: string, sectionId: string, givenName: string): Promise<SectionRow> {
    const name = storedName('name', givenName);
    return this.deps.db.transaction(async (tx) => {
      await this.deps.boards.lockForSections(tx, boardId);
      await this.writable(auth, boardId, 'contribute', tx);
      const section = await this.deps.boards.getSection(boardId, sectionId, tx);
      if (!section) throw new ApiError('section_not_found');
      await this.assertSectionNameFree(tx, boardId, name, sectionId);
      await this.deps.boards.renameSection(tx, sectionId, name);
      return { ...section, name };
    }, ROW_BY_ROW);
  }

  async deleteSection(auth: AuthContext, boardId: string, sectionId: string): Promise<void> {
    // The board's row is locked as Pin writes lock it: a Pin put in this section meanwhile is committed first (then moved out of it) or sees it gone.
    await this.deps.db.transaction(async (tx) => {
      await this.deps.boards.lockForSections(tx, boardId);
      await this.writable(auth, boardId, 'contribute', tx);
      const section = await this.deps.boards.getSection(boardId, sectionId, tx);
      if (!section) throw new ApiError('section_not_found');
      await this.deps.boards.deleteSection(tx, sectionId);
    }, ROW_BY_ROW);
  }
}
