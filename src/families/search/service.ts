import type { AuthContext } from '../../kernel/auth.js';
import type { Bookmarks, Page, PageRequest } from '../../kernel/pagination.js';
import type { BoardService } from '../boards/service.js';
import type { BoardPrivacy, BoardRow, BoardStore } from '../boards/store.js';
import type { PinRow, PinStore } from '../pins/store.js';
import type { PinScope, SearchStore } from './store.js';

/** Limits on a search. A query's words beyond these are ignored; a longer word cannot match anything a Pin holds. */
const SEARCH_LIMITS = { maxWords: 16, maxWordLength: 64, maxExactTitleMatches: 100, maxIds: 100 } as const;

/** Pinterest: `query` "can contain pin description keywords or comma-separated pin IDs" (search_user_pins/list in the spec). */
const ID_LIST = /^\s*\d{1,20}(\s*,\s*\d{1,20})*\s*$/;

/** The words of a query: runs of letters and digits, lower-cased. */
function wordsOf(text: string | undefined): string[] {
  const words = (text ?? '').toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.slice(0, SEARCH_LIMITS.maxWords).map((w) => w.slice(0, SEARCH_LIMITS.maxWordLength));
}

/** An item with its place in the result, which its bookmark carries. */
interface Hit<T> {
  row: T;
  key: string;
}

/**
 * Full-text search of Pins and boards, ranked. A Pin search is served in three
 * runs: Pins whose whole title is the query, then the newest matches ranked by
 * relevance (a bounded set, see SearchStore), then older matches newest first.
 * The bookmark holds the candidate boundary and the position, so every page of a
 * walk cuts the same ranking.
 */
export class SearchService {
  constructor(
    private readonly deps: { store: SearchStore; pins: PinStore; boards: BoardStore; boardService: BoardService; bookmarks: Bookmarks },
  ) {}

  /** Pinterest: the signed-in user's own Pins; secret ones only for tokens with pins:read_secret, as for direct reads. */
  searchOwnPins(auth: AuthContext, query: string, page: PageRequest): Promise<Page<PinRow>> {
    const privacies: BoardPrivacy[] = auth.scopes.has('pins:read_secret') ? ['PUBLIC', 'SECRET'] : ['PUBLIC'];
    return this.searchPins(`search_user_pins/list:${auth.userId}:${query}`, query, { ownerId: auth.userId, privacies }, page);
  }

  /** Pinterest: public Pins of everyone (the instance, in pinbox). */
  searchPublicPins(term: string, page: PageRequest): Promise<Page<PinRow>> {
    return this.searchPins(`search_partner_pins:${term}`, term, { ownerId: null, privacies: ['PUBLIC'] }, page);
  }

  private async searchPins(listKey: string, text: string, scope: PinScope, request: PageRequest): Promise<Page<PinRow>> {
    const { store, bookmarks } = this.deps;
    if (ID_LIST.test(text)) {
      const ids = [...new Set(text.split(',').map((id) => id.trim()))].slice(0, SEARCH_LIMITS.maxIds);
      const found = await store.pinsByIds(ids, scope);
      return this.unwrap(
        await bookmarks.page<Hit<PinRow>>(listKey, request, (h) => h.key, async (after, limit) =>
          this.hydratePins(found.map((r) => r.id).filter((id) => !after || id < after).slice(0, limit), (id) => id),
        ),
      );
    }
    const words = wordsOf(text);
    if (words.length === 0) return { items: [], bookmark: null };
    const page = await bookmarks.page<Hit<PinRow>>(listKey, request, (h) => h.key, async (after, limit) => {
      const [boundaryText, offsetText] = after ? after.split('.') : [null, '0'];
      const boundary = boundaryText !== null && /^\d+$/.test(boundaryText) ? BigInt(boundaryText) : await store.pinCandidateBoundary(words, scope);
      const offset = Number(offsetText) || 0;
      const exact = (await store.exactTitlePins(text.trim(), scope, SEARCH_LIMITS.maxExactTitleMatches)).map((r) => r.id);
      const ids = exact.slice(offset, offset + limit);
      if (ids.length < limit) {
        const ranked = await store.rankedPins(words, scope, boundary, exact, Math.max(0, offset - exact.length), limit - ids.length);
        ids.push(...ranked);
        if (ids.length < limit) {
          const rankedCount = await store.countRankedPins(words, scope, boundary, exact);
          const olderOffset = Math.max(0, offset - exact.length - rankedCount);
          ids.push(...(await store.olderPins(words, scope, boundary, exact, olderOffset, limit - ids.length)));
        }
      }
      const positions = new Map(ids.map((id, i) => [id, offset + i + 1]));
      return this.hydratePins(ids, (id) => `${boundary}.${positions.get(id)}`);
    });
    return this.unwrap(page);
  }

  private async hydratePins(ids: readonly string[], keyOf: (id: string) => string): Promise<Hit<PinRow>[]> {
    const hits: Hit<PinRow>[] = [];
    for (const id of ids) {
      const row = await this.deps.pins.get(id);
      if (row) hits.push({ row, key: keyOf(id) });
    }
    return hits;
  }

  /**
   * Pinterest: boards of every type the user owns or collaborates on; secret ones
   * with boards:read_secret. Without a query, all of them, newest first.
   */
  async searchBoards(auth: AuthContext, query: string | undefined, request: PageRequest): Promise<Page<BoardRow>> {
    const words = wordsOf(query);
    if (words.length === 0) return this.deps.boardService.list(auth, 'ALL', request);
    const privacies = this.deps.boardService.privaciesFor(auth, 'ALL');
    const page = await this.deps.bookmarks.page<Hit<BoardRow>>(
      `search_user_boards/get:${auth.userId}:${query}`,
      request,
      (h) => h.key,
      async (after, limit) => {
        const offset = Number(after ?? 0) || 0;
        const ids = await this.deps.store.rankedBoards(words, { memberId: auth.userId, privacies }, offset, limit);
        const hits: Hit<BoardRow>[] = [];
        for (const [i, id] of ids.entries()) {
          const row = await this.deps.boards.get(id);
          if (row) hits.push({ row, key: String(offset + i + 1) });
        }
        return hits;
      },
    );
    return this.unwrap(page);
  }

  private unwrap<T>(page: Page<Hit<T>>): Page<T> {
    return { items: page.items.map((h) => h.row), bookmark: page.bookmark };
  }
}
