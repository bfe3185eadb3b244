import type { FastifyReply, FastifyRequest, FastifySchema, HTTPMethods } from 'fastify';
import type { AuthContext, TokenResolver } from './auth.js';
import { categoryOf, type RateLimitCategory } from './rate-limits/categories.js';
import type { Scope } from './scopes.js';

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
  /** Looked up by operationId in the kernel's table (rate-limits/categories.ts), never declared by a route. */
  category: RateLimitCategory;
  /** Default `user_token`. */
  authentication?: RouteAuthentication;
  /**
   * The request body's media type: `json` (default) or `form`
   * (application/x-www-form-urlencoded, which the spec gives the OAuth endpoints).
   */
  bodyFormat?: 'json' | 'form';
  /**
   * `sandbox_only`: apps with trial access are refused (403, code 29) unless the app
   * is in sandbox mode, as Pinterest refuses trial apps creating Pins in production.
   */
  trialAccess?: 'sandbox_only';
  /**
   * Tokens this route takes besides OAuth access tokens, looked up when the kernel's
   * resolver knows a token not (Pinterest: `POST /ad_accounts/{id}/events` takes a
   * conversion token, the spec's `conversion_token` security scheme).
   */
  alternateTokens?: TokenResolver;
  /**
   * Whom the route's calls are counted against, when not the (app, user) pair:
   * Pinterest counts `ads_conversions` per ad account and app.
   */
  rateSubject?: (request: FastifyRequest, auth: AuthContext) => string;
}

/** The request parts a route's schema guarantees, as Fastify's generics name them. */
export interface RouteTypes {
  Params?: unknown;
  Querystring?: unknown;
  Body?: unknown;
}

export interface RouteDefinition<T extends RouteTypes> extends Omit<RoutePolicy, 'category'> {
  method: HTTPMethods;
  /** Path under /v5, in Fastify syntax (`/pins/:pin_id`). */
  url: string;
  schema?: FastifySchema;
  handler: (request: FastifyRequest<T>, reply: FastifyReply) => Promise<unknown>;
}

export type ApiRoute = RouteDefinition<RouteTypes> & { category: RateLimitCategory };

/**
 * Declares a `/v5` route with its policy as data; its rate-limit category comes
 * from the kernel's table (an operation missing there throws here, at start-up).
 * @example
 * defineRoute({ method: 'GET', url: '/pins/:pin_id', operationId: 'pins/get',
 *   scopes: ['boards:read', 'pins:read'], handler })
 */
export function defineRoute<T extends RouteTypes = RouteTypes>(route: RouteDefinition<T>): ApiRoute {
  // The schema validated these parts before the handler runs, so the narrowing holds.
  return { ...(route as unknown as RouteDefinition<RouteTypes>), category: categoryOf(route.operationId) };
}
