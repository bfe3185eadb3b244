import type { Database, SqlValue } from '../../storage/database.js';
import type { BoardPrivacy } from '../boards/store.js';

/** Which Pins a search may return: one owner's (or every owner's) on boards of these privacies. */
export interface PinScope {
  ownerId: string | null;
  privacies: readonly BoardPrivacy[];
}

/** Which boards a search may return: those the member owns or collaborates on, of these privacies. */
export interface BoardScope {
  memberId: string;
  privacies: readonly BoardPrivacy[];
}

/**
 * The engine-specific half of full-text search: how the user's words become a
 * query, how matches are found, counted and ranked. Everything else (segments,
 * pagination, visibility) is shared. SQL returned here is run as is.
 */
interface SearchDialect {
  /** Matches of `words` among the Pins in `scope`: the index to read, a WHERE fragment and its key column (the Pin id as a number). */
  pinMatch(words: readonly string[], scope: PinScope): Match;
  /** The same words over every Pin, with no scope, and their rank (lower is better). */
  pinTextMatch(words: readonly string[]): RankedMatch;
  boardMatch(words: readonly string[]): RankedMatch;
}

interface Match {
  from: string;
  where: string;
  params: SqlValue[];
  key: string;
}

interface RankedMatch extends Match {
  rank: string;
}

/** A user's word as a quoted FTS5 string (quotes doubled), so no word is read as query syntax. */
const quote = (word: string) => `"${word.replace(/"/g, '""')}"`;

/**
 * SQLite: FTS5 tables `pin_search` and `board_search` (migration 6), kept by
 * triggers, the Porter stemmer over unicode61 tokens. Every word must match, by its
 * stem (salads finds salad, baking finds bake). Not by prefix: a prefix query reads
 * the whole doclist of every term it covers and made a ranked page six times
 * slower at 10,000 matches (measured). The Pin index
 * carries a `scope` column of tokens (`o<owner id>`, `v<privacy>`) so one MATCH
 * narrows to the owner and the privacies allowed before anything is ranked.
 * bm25 weights: title 10, description 3, alt text 2, board name 2, board description 1;
 * it is computed over the words alone (scope tokens in the ranked MATCH cost five
 * times as much, measured), with the scoped MATCH as a set the ranked rows must be in.
 */
const sqliteText = (words: readonly string[]) => `{title description alt_text board_name board_description} : (${words.map(quote).join(' AND ')})`;

const sqliteSearch: SearchDialect = {
  pinTextMatch(words) {
    return { from: 'pin_search', where: 'pin_search MATCH ?', params: [sqliteText(words)], key: 'pin_search.rowid', rank: 'bm25(pin_search, 10.0, 3.0, 2.0, 2.0, 1.0, 0.0)' };
  },
  pinMatch(words, scope) {
    const parts = [sqliteText(words)];
    parts.push(`scope : (${scope.privacies.map((p) => quote(`v${p.toLowerCase()}`)).join(' OR ')})`);
    if (scope.ownerId) parts.push(`scope : ${quote(`o${scope.ownerId}`)}`);
    return { from: 'pin_search', where: 'pin_search MATCH ?', params: [parts.join(' AND ')], key: 'pin_search.rowid' };
  },
  boardMatch(words) {
    const text = words.map(quote).join(' AND ');
    return { from: 'board_search', where: 'board_search MATCH ?', params: [text], key: 'board_search.rowid', rank: 'bm25(board_search, 10.0, 3.0)' };
  },
};

/**
 * PostgreSQL (no adapter yet; written against migration 6's postgres text): the
 * tsvector columns with GIN indexes, `to_tsquery('english', ...)` (stems, as in
 * SQLite), ranked by ts_rank_cd (which reads the A..D weights; larger is better,
 * hence the minus so both dialects sort ascending).
 */
const postgresSearch: SearchDialect = {
  pinTextMatch(words) {
    return { from: 'pin_search s', where: "s.document @@ to_tsquery('english', ?)", params: [tsQuery(words)], key: 'CAST(s.pin_id AS BIGINT)', rank: "-ts_rank_cd(s.document, to_tsquery('english', ?))" };
  },
  pinMatch(words, scope) {
    const params: SqlValue[] = [tsQuery(words), ...scope.privacies];
    let where = `s.document @@ to_tsquery('english', ?) AND s.privacy IN (${scope.privacies.map(() => '?').join(', ')})`;
    if (scope.ownerId) (where += ' AND s.owner_id = ?', params.push(scope.ownerId));
    return { from: 'pin_search s', where, params, key: 'CAST(s.pin_id AS BIGINT)' };
  },
  boardMatch(words) {
    return {
      from: 'board_search s',
      where: "s.document @@ to_tsquery('english', ?)",
      params: [tsQuery(words)],
      key: 'CAST(s.board_id AS BIGINT)',
      rank: "-ts_rank_cd(s.document, to_tsquery('english', ?))",
    };
  },
};

function tsQuery(words: readonly string[]): string {
  return words.map((w) => `'${w.replace(/'/g, "''")}'`).join(' & ');
}

/** `AND key NOT IN (?, ...)` for the ids to leave out (their parameters are `exclude.map(BigInt)`), or nothing. */
function notIn(key: string, exclude: readonly string[]): string {
  return exclude.length ? `AND ${key} NOT IN (${exclude.map(() => '?').join(', ')})` : '';
}

/** How many of the newest matches are ranked; older ones follow newest first. */
const RANKED_CANDIDATES = 1000;

/**
 * Full-text search over Pins and boards. The work per query is bounded: only the
 * RANKED_CANDIDATES newest matches are scored (an index walk in rowid order finds
 * where they begin), whatever the number of matches.
 */
export class SearchStore {
  private readonly dialect: SearchDialect;

  constructor(private readonly db: Database) {
    this.dialect = db.dialect === 'postgres' ? postgresSearch : sqliteSearch;
  }

  private rankParams(match: RankedMatch): SqlValue[] {
    // The PostgreSQL rank repeats the query text.
    return match.rank.includes('?') ? [match.params[0]] : [];
  }

  /** The key of the oldest of the newest RANKED_CANDIDATES matches, or 0 when there are fewer. */
  async pinCandidateBoundary(words: readonly string[], scope: PinScope): Promise<bigint> {
    const m = this.dialect.pinMatch(words, scope);
    const row = await this.db.get<{ key: string }>(
      `SELECT CAST(${m.key} AS TEXT) AS key FROM ${m.from} WHERE ${m.where} ORDER BY ${m.key} DESC LIMIT 1 OFFSET ?`,
      [...m.params, RANKED_CANDIDATES - 1],
    );
    return row ? BigInt(row.key) : 0n;
  }

  /**
   * Pin ids among the candidates (keys at or above `boundary`), best first, leaving out `exclude`.
   * The unary plus keeps the planner from handing the IN list to the index one key at a
   * time (a full-text query per key: 600 ms against 4 ms for the set, measured on SQLite).
   */
  async rankedPins(words: readonly string[], scope: PinScope, boundary: bigint, exclude: readonly string[], offset: number, limit: number): Promise<string[]> {
    const m = this.dialect.pinMatch(words, scope);
    const t = this.dialect.pinTextMatch(words);
    const not = notIn(t.key, exclude);
    const rows = await this.db.all<{ id: string }>(
      `SELECT CAST(${t.key} AS TEXT) AS id FROM ${t.from} WHERE ${t.where} AND ${t.key} >= ?
         AND +${t.key} IN (SELECT ${m.key} FROM ${m.from} WHERE ${m.where} AND ${m.key} >= ?) ${not}
       ORDER BY ${t.rank}, ${t.key} DESC LIMIT ? OFFSET ?`,
      [...t.params, boundary, ...m.params, boundary, ...exclude.map(BigInt), ...this.rankParams(t), limit, offset],
    );
    return rows.map((r) => r.id);
  }

  async countRankedPins(words: readonly string[], scope: PinScope, boundary: bigint, exclude: readonly string[]): Promise<number> {
    const m = this.dialect.pinMatch(words, scope);
    const not = notIn(m.key, exclude);
    const row = await this.db.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${m.from} WHERE ${m.where} AND ${m.key} >= ? ${not}`, [
      ...m.params,
      boundary,
      ...exclude.map(BigInt),
    ]);
    return Number(row?.n ?? 0);
  }

  /** Matches older than the candidates, newest first, leaving out `exclude`. */
  async olderPins(words: readonly string[], scope: PinScope, boundary: bigint, exclude: readonly string[], offset: number, limit: number): Promise<string[]> {
    const m = this.dialect.pinMatch(words, scope);
    const not = notIn(m.key, exclude);
    const rows = await this.db.all<{ id: string }>(
      `SELECT CAST(${m.key} AS TEXT) AS id FROM ${m.from} WHERE ${m.where} AND ${m.key} < ? ${not} ORDER BY ${m.key} DESC LIMIT ? OFFSET ?`,
      [...m.params, boundary, ...exclude.map(BigInt), limit, offset],
    );
    return rows.map((r) => r.id);
  }

  /**
   * Pins whose whole title is the query (case aside), newest first: they rank above
   * every other match. Ordered by created_at (which follows the id) so that the
   * planner takes the title index rather than walking the owner's Pins in id order.
   */
  exactTitlePins(title: string, scope: PinScope, limit: number): Promise<{ id: string }[]> {
    const params: SqlValue[] = [title, ...scope.privacies];
    if (scope.ownerId) params.push(scope.ownerId);
    params.push(limit);
    return this.db.all<{ id: string }>(
      `SELECT p.id FROM pins p JOIN boards b ON b.id = p.board_id
       WHERE lower(p.title) = lower(?) AND b.privacy IN (${scope.privacies.map(() => '?').join(', ')}) ${scope.ownerId ? 'AND p.owner_id = ?' : ''}
       ORDER BY p.created_at DESC, p.id DESC LIMIT ?`,
      params,
    );
  }

  /** Pins of these ids within the scope (a query of comma-separated Pin ids), newest first. */
  pinsByIds(ids: readonly string[], scope: PinScope): Promise<{ id: string }[]> {
    const params: SqlValue[] = [...ids, ...scope.privacies];
    if (scope.ownerId) params.push(scope.ownerId);
    return this.db.all<{ id: string }>(
      `SELECT p.id FROM pins p JOIN boards b ON b.id = p.board_id
       WHERE p.id IN (${ids.map(() => '?').join(', ')}) AND b.privacy IN (${scope.privacies.map(() => '?').join(', ')}) ${scope.ownerId ? 'AND p.owner_id = ?' : ''}
       ORDER BY p.id DESC`,
      params,
    );
  }

  /** Boards the member may see that match, best first. A user has boards by the hundred at most, so all matches are ranked. */
  async rankedBoards(words: readonly string[], scope: BoardScope, offset: number, limit: number): Promise<string[]> {
    if (scope.privacies.length === 0) return [];
    const m = this.dialect.boardMatch(words);
    const rows = await this.db.all<{ id: string }>(
      `SELECT b.id FROM ${m.from} JOIN boards b ON b.id = CAST(${m.key} AS TEXT)
       WHERE ${m.where}
         AND (b.owner_id = ? OR b.id IN (SELECT board_id FROM board_collaborators WHERE user_id = ?))
         AND b.privacy IN (${scope.privacies.map(() => '?').join(', ')})
         AND (b.privacy <> 'PROTECTED' OR b.owner_id = ?)
       ORDER BY ${m.rank}, b.id DESC LIMIT ? OFFSET ?`,
      [...m.params, scope.memberId, scope.memberId, ...scope.privacies, scope.memberId, ...this.rankParams(m), limit, offset],
    );
    return rows.map((r) => r.id);
  }
}
