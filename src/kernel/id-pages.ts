import type { Bookmarks, Page, PageRequest } from './pagination.js';
import type { Queryable } from '../storage/database.js';

/**
 * One page of an ad account's rows of `table` in id order (ids grow with time),
 * under a bookmark of `operation`'s list: the lists of customer lists, lead forms
 * and lead subscriptions.
 * @example await pageById<FormRow>(bookmarks, db, 'lead_forms', 'lead_forms/list', accountId, query)
 */
export function pageById<T extends { id: string }>(
  bookmarks: Bookmarks,
  q: Queryable,
  table: string,
  operation: string,
  accountId: string,
  query: PageRequest & { order?: 'ASCENDING' | 'DESCENDING' },
): Promise<Page<T>> {
  const descending = query.order === 'DESCENDING';
  return bookmarks.page(`${operation}:${accountId}:${descending ? 'D' : 'A'}`, query, (row: T) => row.id, (after, limit) =>
    q.all<T>(
      `SELECT * FROM ${table} WHERE ad_account_id = ?${after === null ? '' : ` AND id ${descending ? '<' : '>'} ?`} ORDER BY id ${descending ? 'DESC' : 'ASC'} LIMIT ?`,
      after === null ? [accountId, limit] : [accountId, after, limit],
    ),
  );
}
