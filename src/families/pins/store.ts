import type { BoardPrivacy } from '../boards/store.js';
import { assertTransaction, type Database, type Queryable, type SqlValue } from '../../storage/database.js';

export interface PinRow {
  id: string;
  owner_id: string;
  board_id: string;
  board_section_id: string | null;
  title: string | null;
  description: string | null;
  link: string | null;
  alt_text: string | null;
  dominant_color: string | null;
  parent_pin_id: string | null;
  creative_type: string;
  is_standard: number;
  has_been_promoted: number;
  media: string;
  created_at: string;
  board_owner_id: string;
  board_owner_username: string;
  board_privacy: BoardPrivacy;
}

export type NewPin = Omit<PinRow, 'board_owner_id' | 'board_owner_username' | 'board_privacy'>;

const PIN_COLUMNS = `p.id, p.owner_id, p.board_id, p.board_section_id, p.title, p.description, p.link, p.alt_text,
  p.dominant_color, p.parent_pin_id, p.creative_type, p.is_standard, p.has_been_promoted, p.media, p.created_at`;

/** The board a list of Pins belongs to; its fields complete each row without a join. */
export interface ListedBoard {
  id: string;
  owner_id: string;
  owner_username: string;
  privacy: BoardPrivacy;
}

function withBoard(rows: PinRow[], board: ListedBoard): PinRow[] {
  for (const row of rows) {
    row.board_owner_id = board.owner_id;
    row.board_owner_username = board.owner_username;
    row.board_privacy = board.privacy;
  }
  return rows;
}

const PIN_SELECT = `SELECT p.id, p.owner_id, p.board_id, p.board_section_id, p.title, p.description, p.link, p.alt_text,
  p.dominant_color, p.parent_pin_id, p.creative_type, p.is_standard, p.has_been_promoted, p.media, p.created_at,
  b.owner_id AS board_owner_id, u.username AS board_owner_username, b.privacy AS board_privacy
  FROM pins p JOIN boards b ON b.id = p.board_id JOIN users u ON u.id = b.owner_id`;

function pinsOfBoardSql(creativeTypes: number, after: boolean): string {
  return `SELECT ${PIN_COLUMNS} FROM pins p WHERE p.board_id = ?
       ${creativeTypes ? `AND p.creative_type IN (${Array.from({ length: creativeTypes }, () => '?').join(', ')})` : ''}
       ${after ? 'AND p.id < ?' : ''}
       ORDER BY p.id DESC LIMIT ?`;
}

// The hot statements' texts, made once: the adapter caches statements by their
// text, and a text built per call is hashed again on every lookup.
const PIN_BY_ID = `${PIN_SELECT} WHERE p.id = ?`;
const PINS_OF_BOARD = pinsOfBoardSql(0, false);
const PINS_OF_BOARD_AFTER = pinsOfBoardSql(0, true);

export interface OwnerPinFilter {
  privacies: readonly BoardPrivacy[];
  /** exclude_native keeps only saves; exclude_repins keeps only original Pins; has_been_promoted keeps promoted ones. */
  pinFilter?: 'exclude_native' | 'exclude_repins' | 'has_been_promoted';
  creativeTypes?: readonly string[];
}

const UPDATABLE = ['title', 'description', 'link', 'alt_text', 'board_id', 'board_section_id', 'media'] as const;
export type PinChanges = Partial<Record<(typeof UPDATABLE)[number], string | null>>;

/** Pins and the uploaded bytes they refer to. */
export class PinStore {
  /** The Pin with its row locked until the transaction ends (PostgreSQL; SQLite's transactions run alone and have no such syntax). */
  private readonly pinLocked: string;
  /** The Pin with its row share-locked: others may copy it meanwhile, no one may delete or change it. */
  private readonly pinShared: string;

  constructor(private readonly db: Database) {
    this.pinLocked = db.dialect === 'postgres' ? `${PIN_BY_ID} FOR UPDATE OF p` : PIN_BY_ID;
    this.pinShared = db.dialect === 'postgres' ? `${PIN_BY_ID} FOR SHARE OF p` : PIN_BY_ID;
  }

  get(id: string, q: Queryable = this.db): Promise<PinRow | undefined> {
    return q.get<PinRow>(PIN_BY_ID, [id]);
  }

  /**
   * The Pin as it is now, locked until the transaction ends: a move or delete that
   * read it elsewhere waits, then finds it moved or gone, so a board's pin_count is
   * changed once for each change of the Pin.
   */
  getLocked(q: Queryable, id: string): Promise<PinRow | undefined> {
    assertTransaction(q);
    return q.get<PinRow>(this.pinLocked, [id]);
  }

  /**
   * The Pin as it is now, kept from being deleted or changed until the transaction
   * ends (saves of it go on side by side): its pictures, which it holds a reference
   * to, cannot be swept while a copy takes references of its own.
   */
  getShared(q: Queryable, id: string): Promise<PinRow | undefined> {
    assertTransaction(q);
    return q.get<PinRow>(this.pinShared, [id]);
  }

  async insert(q: Queryable, pin: NewPin): Promise<void> {
    await q.run(
      `INSERT INTO pins (id, owner_id, board_id, board_section_id, title, description, link, alt_text, dominant_color,
        parent_pin_id, creative_type, is_standard, has_been_promoted, media, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        pin.id,
        pin.owner_id,
        pin.board_id,
        pin.board_section_id,
        pin.title,
        pin.description,
        pin.link,
        pin.alt_text,
        pin.dominant_color,
        pin.parent_pin_id,
        pin.creative_type,
        pin.is_standard,
        pin.has_been_promoted,
        pin.media,
        pin.created_at,
      ],
    );
  }

  async update(q: Queryable, id: string, changes: PinChanges): Promise<void> {
    const sets: string[] = [];
    const params: SqlValue[] = [];
    for (const column of UPDATABLE) {
      if (column in changes) {
        sets.push(`${column} = ?`);
        params.push(changes[column] ?? null);
      }
    }
    if (sets.length === 0) return;
    params.push(id);
    await q.run(`UPDATE pins SET ${sets.join(', ')} WHERE id = ?`, params);
  }

  async delete(q: Queryable, id: string): Promise<void> {
    await q.run('DELETE FROM pins WHERE id = ?', [id]);
  }

  /** A board's Pins, newest first, sections included (as on Pinterest). */
  async listByBoard(board: ListedBoard, creativeTypes: readonly string[], after: string | null, limit: number): Promise<PinRow[]> {
    const params: SqlValue[] = [board.id, ...creativeTypes];
    if (after) params.push(after);
    params.push(limit);
    const sql = creativeTypes.length === 0 ? (after ? PINS_OF_BOARD_AFTER : PINS_OF_BOARD) : pinsOfBoardSql(creativeTypes.length, after !== null);
    return withBoard(await this.db.all<PinRow>(sql, params), board);
  }

  async listBySection(board: ListedBoard, sectionId: string, after: string | null, limit: number): Promise<PinRow[]> {
    const rows = await this.db.all<PinRow>(
      `SELECT ${PIN_COLUMNS} FROM pins p WHERE p.board_section_id = ? ${after ? 'AND p.id < ?' : ''} ORDER BY p.id DESC LIMIT ?`,
      after ? [sectionId, after, limit] : [sectionId, limit],
    );
    return withBoard(rows, board);
  }

  /** The Pins a user made or saved, on any board, newest first. */
  listByOwner(ownerId: string, filter: OwnerPinFilter, after: string | null, limit: number): Promise<PinRow[]> {
    if (filter.privacies.length === 0) return Promise.resolve([]);
    const where = ['p.owner_id = ?', `b.privacy IN (${filter.privacies.map(() => '?').join(', ')})`];
    const params: SqlValue[] = [ownerId, ...filter.privacies];
    if (filter.pinFilter === 'exclude_native') where.push('p.parent_pin_id IS NOT NULL');
    if (filter.pinFilter === 'exclude_repins') where.push('p.parent_pin_id IS NULL');
    if (filter.pinFilter === 'has_been_promoted') where.push('p.has_been_promoted = 1');
    if (filter.creativeTypes?.length) {
      where.push(`p.creative_type IN (${filter.creativeTypes.map(() => '?').join(', ')})`);
      params.push(...filter.creativeTypes);
    }
    if (after) (where.push('p.id < ?'), params.push(after));
    params.push(limit);
    return this.db.all<PinRow>(`${PIN_SELECT} WHERE ${where.join(' AND ')} ORDER BY p.id DESC LIMIT ?`, params);
  }

  getBlob(id: string): Promise<{ content_type: string; data: Buffer } | undefined> {
    return this.db.get<{ content_type: string; data: Buffer }>('SELECT content_type, data FROM blobs WHERE id = ?', [id]);
  }

  /** Uploads kept in the database by pinbox versions before image processing; deleted with their last Pin. */
  async releaseLegacyBlobs(q: Queryable, blobIds: readonly string[]): Promise<void> {
    for (const id of blobIds) {
      const used = await q.get('SELECT 1 AS one FROM pins WHERE media LIKE ? LIMIT 1', [`%/media/blobs/${id}"%`]);
      if (!used) await q.run('DELETE FROM blobs WHERE id = ?', [id]);
    }
  }
}
