/**
 * Pinterest's operations as pinbox knows them (./operations-table.ts): what a path
 * and method are in Pinterest's API, so a call to an operation pinbox has no route
 * for yet is told so (501 naming it) rather than given the 404 of a typo.
 */
import { ApiError } from './errors.js';
import { OPERATIONS_BY_TAG } from './operations-table.js';

export interface PinterestOperation {
  tag: string;
  method: string;
  /** Under /v5, with `{param}` segments, as the spec writes it. */
  path: string;
  operationId: string;
}

/** Every operation, in the table's order. */
export const PINTEREST_OPERATIONS: readonly PinterestOperation[] = Object.entries(OPERATIONS_BY_TAG).flatMap(([tag, entries]) =>
  entries.map((entry) => {
    const [method, path, operationId] = entry.split(' ');
    return { tag, method, path, operationId };
  }),
);

let matchers: { operation: PinterestOperation; pattern: RegExp }[] | null = null;

/**
 * The operations whose path template matches a path under /v5 (any method), for
 * the calls that found no route. Compiled on the first such call.
 * @example operationsAt('/ad_accounts/123/campaigns') // [campaigns/list, campaigns/create, campaigns/update]
 */
export function operationsAt(path: string): PinterestOperation[] {
  matchers ??= PINTEREST_OPERATIONS.map((operation) => ({
    operation,
    pattern: new RegExp(`^${operation.path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[a-z_]+\\?\}|\{[a-z_]+\}/g, '[^/]+')}/?$`),
  }));
  return matchers.filter((m) => m.pattern.test(path)).map((m) => m.operation);
}

/**
 * The 501 of an operation of Pinterest's that pinbox has no route for yet.
 * @example throw notServedYet(operation) // 501 "pinbox does not serve campaigns/analytics (GET /v5/...) yet."
 */
export function notServedYet(operation: PinterestOperation): ApiError {
  return new ApiError('not_served_yet', `pinbox does not serve ${operation.operationId} (${operation.method} /v5${operation.path}) yet.`);
}

/**
 * A literal operation of Pinterest's that a route with a parameter caught
 * (`/campaigns/analytics` reaching `/campaigns/{campaign_id}`), or undefined.
 * @example literalOperationAt('GET', '/ad_accounts/1/campaigns/analytics', 'campaign_id') // campaigns/analytics
 */
export function literalOperationAt(method: string, path: string, param: string): PinterestOperation | undefined {
  return operationsAt(path).find((operation) => operation.method === method && !operation.path.endsWith(`{${param}}`));
}
