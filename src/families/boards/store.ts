import type { Database, Queryable, SqlValue } from '../../storage/database.js';
import { assertTransaction } from '../../storage/database.js';

export type BoardPrivacy = 'PUBLIC' | 'PROTECTED' | 'SECRET';

export interface BoardRow {
  id: string;
  owner_id: string;
  owner_username: string;
  name: string;
  description: string | null;
  privacy: BoardPrivacy;
  is_ads_only: number;
  pin_count: number;
  follower_count: number;
  collaborator_count: number;
  created_at: string;
  board_pins_modified_at: string;
}

export interface SectionRow {
  id: string;
  board_id: string;
  name: string;
  created_at: string;
}

const BOARD_SELECT = `SELECT b.id, b.owner_id, u.username AS owner_username, b.name, b.description, b.privacy,
  b.is_ads_only, b.pin_count, b.created_at, b.board_pins_modified_at,
  (SELECT COUNT(*) FROM board_follows f WHERE f.board_id = b.id) AS follower_count,
  (SELECT COUNT(*) FROM board_collaborators c WHERE c.board_id = b.id) AS collaborator_count
  FROM boards b JOIN users u ON u.id = b.owner_id`;

/** Which privacies a list may return; the service decides from the filter and the token's scopes. */
export type PrivacySet = readonly BoardPrivacy[];

/** Boards, their collaborators and followers, and their sections. */
/** Made once: the adapter caches statements by their text, and a text built per call is hashed again each time. */
const BOARD_BY_ID = `${BOARD_SELECT} WHERE b.id = ?`;

/** The fields a Pin write needs of its board, with whether `user` collaborates on it (one statement). */
export interface PinTargetBoard {
  id: string;
  owner_id: string;
  owner_username: string;
  privacy: BoardPrivacy;
  is_collaborator: number;
}
const PIN_TARGET_FIELDS = `b.id, b.owner_id, u.username AS owner_username, b.privacy,
  CASE WHEN b.owner_id = ? THEN 0 ELSE (SELECT COUNT(*) FROM board_collaborators c WHERE c.board_id = b.id AND c.user_id = ?) END AS is_collaborator`;
const PIN_TARGET = `SELECT ${PIN_TARGET_FIELDS} FROM boards b JOIN users u ON u.id = b.owner_id WHERE b.id = ?`;
/**
 * PostgreSQL: the board's Pin counted and its fields read in one statement (the
 * UPDATE takes the row lock that PIN_TARGET's FOR NO KEY UPDATE would). SQLite's
 * RETURNING cannot name the joined owner, so it reads, then counts.
 */
const PIN_TARGET_COUNTED = `UPDATE boards b SET pin_count = b.pin_count + ?, board_pins_modified_at = ? FROM users u
  WHERE b.id = ? AND u.id = b.owner_id RETURNING ${PIN_TARGET_FIELDS}`;

export class BoardStore {
  /**
   * PostgreSQL's row locks, which SQLite has no syntax for (its transactions run one
   * at a time, so it needs none). FOR NO KEY UPDATE is what an UPDATE of pin_count
   * takes anyway: Pin writes on one board take turns, and the foreign-key checks of
   * Pins and sections made meanwhile on other boards never wait for it. FOR UPDATE
   * also keeps a board's sections still while their names are compared.
   */
  private readonly locks: { pinCount: string; sections: string };
  private readonly pinTargetLocked: string;
  private readonly boardLocked: string;
  private readonly pinCountLocked: string;

  constructor(private readonly db: Database) {
    this.locks = db.dialect === 'postgres' ? { pinCount: ' FOR NO KEY UPDATE OF b', sections: ' FOR UPDATE OF b' } : { pinCount: '', sections: '' };
    this.pinTargetLocked = PIN_TARGET + this.locks.pinCount;
    this.boardLocked = `SELECT id FROM boards b WHERE b.id = ?${this.locks.sections}`;
    this.pinCountLocked = `SELECT id FROM boards b WHERE b.id = ?${this.locks.pinCount}`;
  }

  get(id: string, q: Queryable = this.db): Promise<BoardRow | undefined> {
    return q.get<BoardRow>(BOARD_BY_ID, [id]);
  }

  /**
   * The board a Pin is written to, its row locked until the transaction ends (its
   * pin_count is about to change), and whether `userId` collaborates on it. With
   * `counted`, the Pin is counted on it too (`pinsChanged`), before the caller's
   * checks: a refused write rolls the count back with everything else.
   */
  async pinTarget(q: Queryable, id: string, userId: string, counted?: { delta: number; now: string }): Promise<PinTargetBoard | undefined> {
    assertTransaction(q);
    if (counted && this.db.dialect === 'postgres') return q.get<PinTargetBoard>(PIN_TARGET_COUNTED, [counted.delta, counted.now, id, userId, userId]);
    const board = await q.get<PinTargetBoard>(this.pinTargetLocked, [userId, userId, id]);
    if (board && counted) await this.pinsChanged(q, id, counted.delta, counted.now);
    return board;
  }

  /** Locks boards' rows as a Pin write does (`pinTarget`), in the order given. */
  async lockForPinCount(q: Queryable, ids: readonly string[]): Promise<void> {
    assertTransaction(q);
    for (const id of ids) await q.get(this.pinCountLocked, [id]);
  }

  /** Locks a board's row until the transaction ends, so its sections change one transaction at a time; false when it is gone. */
  async lockForSections(q: Queryable, id: string): Promise<boolean> {
    assertTransaction(q);
    return (await q.get(this.boardLocked, [id])) !== undefined;
  }

  /**
   * Makes the owner's board names change one transaction at a time until this one
   * ends (names are compared folded, in JS, which no index of either engine can do).
   */
  lockNamesOf(q: Queryable, ownerId: string): Promise<void> {
    assertTransaction(q);
    return q.lock(`board-names:${ownerId}`);
  }

  async isCollaborator(boardId: string, userId: string, q: Queryable = this.db): Promise<boolean> {
    return (await q.get('SELECT 1 AS one FROM board_collaborators WHERE board_id = ? AND user_id = ?', [boardId, userId])) !== undefined;
  }

  /** Boards the user owns or collaborates on, newest first. */
  listForMember(userId: string, privacies: PrivacySet, after: string | null, limit: number): Promise<BoardRow[]> {
    if (privacies.length === 0) return Promise.resolve([]);
    const params: SqlValue[] = [userId, userId, ...privacies, userId];
    if (after) params.push(after);
    params.push(limit);
    return this.db.all<BoardRow>(
      `${BOARD_SELECT}
       WHERE (b.owner_id = ? OR b.id IN (SELECT board_id FROM board_collaborators WHERE user_id = ?))
         AND b.privacy IN (${privacies.map(() => '?').join(', ')})
         AND (b.privacy <> 'PROTECTED' OR b.owner_id = ?)
         ${after ? 'AND b.id < ?' : ''}
       ORDER BY b.id DESC LIMIT ?`,
      params,
    );
  }

  /** Boards the user follows (never secret ones: a secret board cannot be followed). */
  listFollowed(userId: string, after: string | null, limit: number): Promise<BoardRow[]> {
    return this.db.all<BoardRow>(
      `${BOARD_SELECT}
       WHERE b.id IN (SELECT board_id FROM board_follows WHERE user_id = ?) AND b.privacy = 'PUBLIC'
         ${after ? 'AND b.id < ?' : ''}
       ORDER BY b.id DESC LIMIT ?`,
      after ? [userId, after, limit] : [userId, limit],
    );
  }

  /** The media of a board's newest Pins, for the board's cover and thumbnails. */
  recentPinMedia(boardId: string, limit = 5): Promise<{ media: string }[]> {
    return this.db.all<{ media: string }>('SELECT media FROM pins WHERE board_id = ? ORDER BY id DESC LIMIT ?', [boardId, limit]);
  }

  /** The names of the owner's boards, for the service to compare (`findByName`: the database cannot fold Unicode case). */
  namesOf(ownerId: string, q: Queryable = this.db): Promise<{ id: string; name: string }[]> {
    return q.all<{ id: string; name: string }>('SELECT id, name FROM boards WHERE owner_id = ?', [ownerId]);
  }

  async insert(
    q: Queryable,
    board: { id: string; ownerId: string; name: string; description: string | null; privacy: BoardPrivacy; isAdsOnly: boolean; now: string },
  ): Promise<void> {
    await q.run(
      `INSERT INTO boards (id, owner_id, name, description, privacy, is_ads_only, pin_count, created_at, board_pins_modified_at)
       VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)`,
      [board.id, board.ownerId, board.name, board.description, board.privacy, board.isAdsOnly ? 1 : 0, board.now, board.now],
    );
  }

  async update(q: Queryable, id: string, changes: { name?: string; description?: string | null; privacy?: BoardPrivacy }): Promise<void> {
    const sets: string[] = [];
    const params: SqlValue[] = [];
    if (changes.name !== undefined) (sets.push('name = ?'), params.push(changes.name));
    if (changes.description !== undefined) (sets.push('description = ?'), params.push(changes.description));
    if (changes.privacy !== undefined) (sets.push('privacy = ?'), params.push(changes.privacy));
    if (sets.length === 0) return;
    params.push(id);
    await q.run(`UPDATE boards SET ${sets.join(', ')} WHERE id = ?`, params);
  }

  /** Deletes the board; its Pins, sections, collaborators and follows go with it (ON DELETE CASCADE). */
  async delete(q: Queryable, id: string): Promise<void> {
    await q.run('DELETE FROM boards WHERE id = ?', [id]);
  }

  /** Keeps `pin_count` and `board_pins_modified_at` true; must share the transaction of the Pin write. */
  async pinsChanged(q: Queryable, boardId: string, delta: number, now: string): Promise<void> {
    assertTransaction(q);
    await q.run('UPDATE boards SET pin_count = pin_count + ?, board_pins_modified_at = ? WHERE id = ?', [delta, now, boardId]);
  }

  /** Adds a collaborator once: a second add (or two at once) changes nothing. */
  async addCollaborator(q: Queryable, boardId: string, userId: string, now: string): Promise<void> {
    await q.run('INSERT INTO board_collaborators (board_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [boardId, userId, now]);
  }

  /** Follows once: a second follow (or two at once) changes nothing. */
  async follow(q: Queryable, userId: string, boardId: string, now: string): Promise<void> {
    await q.run('INSERT INTO board_follows (user_id, board_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [userId, boardId, now]);
  }

  // Sections

  getSection(boardId: string, sectionId: string, q: Queryable = this.db): Promise<SectionRow | undefined> {
    return q.get<SectionRow>('SELECT id, board_id, name, created_at FROM board_sections WHERE id = ? AND board_id = ?', [sectionId, boardId]);
  }

  /** The names of a board's sections, for the service to compare (`findByName`). */
  sectionNamesOf(boardId: string, q: Queryable = this.db): Promise<{ id: string; name: string }[]> {
    return q.all<{ id: string; name: string }>('SELECT id, name FROM board_sections WHERE board_id = ?', [boardId]);
  }

  /** Sections in the order they were made. */
  listSections(boardId: string, after: string | null, limit: number): Promise<SectionRow[]> {
    return this.db.all<SectionRow>(
      `SELECT id, board_id, name, created_at FROM board_sections WHERE board_id = ? ${after ? 'AND id > ?' : ''} ORDER BY id ASC LIMIT ?`,
      after ? [boardId, after, limit] : [boardId, limit],
    );
  }

  async insertSection(q: Queryable, section: SectionRow): Promise<void> {
    await q.run('INSERT INTO board_sections (id, board_id, name, created_at) VALUES (?, ?, ?, ?)', [
      section.id,
      section.board_id,
      section.name,
      section.created_at,
    ]);
  }

  async renameSection(q: Queryable, sectionId: string, name: string): Promise<void> {
    await q.run('UPDATE board_sections SET name = ? WHERE id = ?', [name, sectionId]);
  }

  /** Deletes a section; its Pins stay on the board, outside any section (ON DELETE SET NULL). */
  async deleteSection(q: Queryable, sectionId: string): Promise<void> {
    await q.run('DELETE FROM board_sections WHERE id = ?', [sectionId]);
  }
}
