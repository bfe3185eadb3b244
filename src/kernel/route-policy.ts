import type { FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from 'fastify';
import type { Scope } from './scopes.js';

/**
 * Pinterest's rate-limit categories (`x-ratelimit-category` in the official spec).
 * The limiter itself comes with the rate-limit work; routes declare theirs now.
 */
export type RateLimitCategory =
  | 'org_read'
  | 'org_write'
  | 'org_analytics'
  | 'ads_read'
  | 'ads_write'
  | 'ads_analytics'
  | 'ads_conversions'
  | 'catalogs_read'
  | 'catalogs_write'
  | 'trends_read'
  | 'advanced_auction_read'
  | 'advanced_auction_write';

/**
 * How a route's caller proves who it is, as the spec's `security` names it:
 * `user_token` is `pinterest_oauth2` (a bearer access token); `client_basic` is
 * `basic` (the app's client id and secret, on the OAuth token endpoints).
 */
export type RouteAuthentication = 'user_token' | 'client_basic';

/** What the kernel needs to know about a route; hooks read it, handlers never check scopes. */
export interface RoutePolicy {
  /** The official spec's operationId, e.g. `pins/create`. */
  operationId: string;
  /** Every scope the operation requires, as the spec's `security` lists them. */
  scopes: readonly Scope[];
  category: RateLimitCategory;
  /** Default `user_token`. */
  authentication?: RouteAuthentication;
  /**
   * The request body's media type: `json` (default) or `form`
   * (application/x-www-form-urlencoded, which the spec gives the OAuth endpoints).
   */
  bodyFormat?: 'json' | 'form';
}

/** The request parts a route's schema guarantees, as Fastify's generics name them. */
export interface RouteTypes {
  Params?: unknown;
  Querystring?: unknown;
  Body?: unknown;
}

export interface RouteDefinition<T extends RouteTypes> extends RoutePolicy {
  method: HTTPMethods;
  /** Path under /v5, in Fastify syntax (`/pins/:pin_id`). */
  url: string;
  schema?: FastifySchema;
  handler: (request: FastifyRequest<T>, reply: FastifyReply) => Promise<unknown>;
}

export type ApiRoute = RouteDefinition<RouteTypes>;

/**
 * Declares a `/v5` route with its policy as data.
 * @example
 * defineRoute({ method: 'GET', url: '/pins/:pin_id', operationId: 'pins/get',
 *   scopes: ['boards:read', 'pins:read'], category: 'org_read', handler })
 */
export function defineRoute<T extends RouteTypes = RouteTypes>(route: RouteDefinition<T>): ApiRoute {
  // The schema validated these parts before the handler runs, so the narrowing holds.
  return route as unknown as ApiRoute;
}
