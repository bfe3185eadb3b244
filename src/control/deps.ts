import type { Core, Families } from '../families/registry.js';
import { DEV_APP_NAME, DEV_USERNAME, type DevIdentityOptions } from '../families/oauth/dev-identity.js';
import type { RateLimits } from '../kernel/rate-limits/rate-limits.js';
import type { Queryable } from '../storage/database.js';
import { STORE_TOPIC } from '../kernel/cache-invalidations.js';

/** What the control plane works on: the store, every family, the rate-limit counts and the dev identity. */
export interface ControlDeps {
  core: Core;
  families: Families;
  rateLimits: RateLimits;
  /**
   * How the dev identity was made on start (the printed token among it); resets and
   * restores keep that token working. Null when pinbox was started without one.
   */
  dev: (DevIdentityOptions & { token: string }) | null;
}

/** The dev user and app as they are in the store now, or null. */
export async function findDev(deps: ControlDeps, q: Queryable): Promise<{ userId: string; appId: string | null } | null> {
  if (!deps.dev) return null;
  const { users, apps } = deps.families.stores;
  const user = await users.getByUsername(deps.dev.username ?? DEV_USERNAME, q);
  if (!user) return null;
  const app = await apps.findByOwner(user.id, DEV_APP_NAME, q);
  return { userId: user.id, appId: app?.id ?? null };
}

/**
 * Forgets what the processes keep beside the store (the families' caches, rate-limit
 * counts) after the store changed under them: this one's at once, the others' through
 * the instance's invalidations (with Redis), which the rate-limit counts live in already.
 */
export async function forgetProcessState(deps: ControlDeps): Promise<void> {
  await deps.core.invalidations.drop(STORE_TOPIC, 'all');
  await deps.rateLimits.clear();
}
