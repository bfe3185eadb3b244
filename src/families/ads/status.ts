/** Pinterest's status lifecycle of campaigns, ad groups and ads, and the summary derived from it. */

export const ENTITY_STATUSES = ['ACTIVE', 'PAUSED', 'ARCHIVED', 'DRAFT', 'DELETED_DRAFT'] as const;
export type EntityStatus = (typeof ENTITY_STATUSES)[number];

/**
 * Where each status may go. Pinterest: ACTIVE and PAUSED switch any time, either
 * may be archived, and archiving cannot be undone (help.pinterest.com
 * "archive-promoted-pin-campaigns"). pinbox (Pinterest is silent): a DRAFT becomes
 * ACTIVE, PAUSED or DELETED_DRAFT; DELETED_DRAFT is final; nothing becomes a DRAFT again.
 */
export const STATUS_MOVES: Readonly<Record<EntityStatus, readonly EntityStatus[]>> = {
  ACTIVE: ['PAUSED', 'ARCHIVED'],
  PAUSED: ['ACTIVE', 'ARCHIVED'],
  DRAFT: ['ACTIVE', 'PAUSED', 'DELETED_DRAFT'],
  ARCHIVED: [],
  DELETED_DRAFT: [],
};

/**
 * Why `from` cannot become `to` (nor anything of an archived or deleted entity
 * change), or null. Staying put is no move, except that an archived or deleted
 * draft takes no edit at all.
 * @example illegalMove('ARCHIVED', 'ACTIVE', 'campaign') // "… an ARCHIVED campaign cannot become ACTIVE …"
 */
export function illegalMove(from: EntityStatus, to: EntityStatus, noun: string): string | null {
  if (from === 'ARCHIVED' || from === 'DELETED_DRAFT') {
    const what = from === to ? 'be edited' : `become ${to}`;
    return `Invalid parameters: 'status' an ${from} ${noun} cannot ${what}: ${from === 'ARCHIVED' ? 'archiving cannot be undone' : 'a deleted draft is gone'}.`;
  }
  if (from === to || STATUS_MOVES[from].includes(to)) return null;
  return `Invalid parameters: 'status' a ${from} ${noun} cannot become ${to} (a ${from} ${noun} becomes ${STATUS_MOVES[from].join(', ')}).`;
}

/** What summary_status reads of an entity or an ancestor. */
export interface Scheduled {
  status: EntityStatus;
  start_time?: unknown;
  end_time?: unknown;
  /** When its lifetime budget or cap was spent (milliseconds on pinbox's clock; delivery.ts writes it). */
  budget_spent_at?: unknown;
}

/**
 * A campaign's or ad group's summary_status (pinbox's order, as the reference
 * infers it): ARCHIVED, DRAFT and DELETED_DRAFT mirror the status; PAUSED when it or
 * an ancestor is paused; COMPLETED once the effective end (the earliest of its own
 * and its ancestors' ends) has passed or a lifetime budget of it or an ancestor is spent; NOT_STARTED before the effective start (the
 * latest start); else RUNNING. Clock instants are milliseconds, the schedule seconds.
 */
export function deliverySummary(self: Scheduled, ancestors: readonly Scheduled[], nowMs: number): string {
  if (self.status === 'ARCHIVED' || self.status === 'DRAFT' || self.status === 'DELETED_DRAFT') return self.status;
  if (self.status === 'PAUSED' || ancestors.some((a) => a.status !== 'ACTIVE')) return 'PAUSED';
  const chain = [self, ...ancestors];
  const ends = chain.map((e) => e.end_time).filter((t): t is number => typeof t === 'number');
  const starts = chain.map((e) => e.start_time).filter((t): t is number => typeof t === 'number');
  const now = nowMs / 1000;
  if (ends.length > 0 && Math.min(...ends) <= now) return 'COMPLETED';
  if (chain.some((e) => typeof e.budget_spent_at === 'number' && e.budget_spent_at <= nowMs)) return 'COMPLETED';
  if (starts.length > 0 && Math.max(...starts) > now) return 'NOT_STARTED';
  return 'RUNNING';
}
