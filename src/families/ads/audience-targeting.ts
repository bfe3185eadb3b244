/**
 * Ad groups targeting audiences (`targeting_spec.AUDIENCE_INCLUDE` / `AUDIENCE_EXCLUDE`).
 * The audiences family registers how to read its audiences (the ads family comes
 * first and does not know it); until then no audience id is known. Pinterest: an
 * audience is usable from 100 people; pinbox: an ad group that includes an audience
 * that is not READY (TOO_SMALL, or INITIALIZING) delivers nothing while it is so.
 */
import { invalidField } from '../../kernel/errors.js';
import type { Queryable } from '../../storage/database.js';

/** What the audiences family answers: the status of each audience id an ad account may target, absent when it may not. */
export type AudienceStatuses = (q: Queryable, accountId: string, ids: readonly string[]) => Promise<Map<string, string>>;

export const AUDIENCE_TARGETING_KEYS = ['AUDIENCE_INCLUDE', 'AUDIENCE_EXCLUDE'] as const;

export class AudienceTargeting {
  private statuses: AudienceStatuses | null = null;

  register(statuses: AudienceStatuses): void {
    this.statuses = statuses;
  }

  private async read(q: Queryable, accountId: string, ids: readonly string[]): Promise<Map<string, string>> {
    return ids.length === 0 || !this.statuses ? new Map() : this.statuses(q, accountId, ids);
  }

  /** Checks that every audience a targeting spec names is one the account may target; a 400 naming the key otherwise. */
  async check(q: Queryable, accountId: string, spec: Record<string, unknown> | null | undefined): Promise<void> {
    for (const key of AUDIENCE_TARGETING_KEYS) {
      const ids = spec?.[key];
      if (ids === undefined || ids === null) continue;
      if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string' && /^\d{1,18}$/.test(id))) throw invalidField(`targeting_spec.${key}`, 'must be a list of audience ids');
      const known = await this.read(q, accountId, ids as string[]);
      const missing = (ids as string[]).find((id) => !known.has(id));
      if (missing) throw invalidField(`targeting_spec.${key}`, `names ${missing}, no audience of ad account ${accountId} nor shared with it`);
    }
  }

  /** Whether an ad group may serve now as its audiences stand: every audience it includes READY. */
  async serves(q: Queryable, accountId: string, spec: Record<string, unknown> | null | undefined): Promise<boolean> {
    const ids = spec?.AUDIENCE_INCLUDE;
    if (!Array.isArray(ids) || ids.length === 0) return true;
    const statuses = await this.read(q, accountId, ids as string[]);
    return (ids as string[]).every((id) => statuses.get(id) === 'READY');
  }
}
