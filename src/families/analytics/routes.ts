import { authOf } from '../../kernel/auth.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import { pinIdParams } from '../pins/schemas.js';
import { accountAnalyticsQuery, multiPinAnalyticsQuery, pinAnalyticsQuery, topPinsQuery, topVideoPinsQuery } from './schemas.js';
import type { AccountAnalyticsQuery, AnalyticsService, PinAnalyticsQuery, TopPinsQuery } from './service.js';

/** The analytics routes of the spec's `pins` and `user_account` tags. */
export function analyticsRoutes(deps: { analytics: AnalyticsService }): ApiRoute[] {
  const { analytics } = deps;
  return [
    defineRoute<{ Querystring: PinAnalyticsQuery & { pin_ids: string[] } }>({
      method: 'GET',
      url: '/pins/analytics',
      operationId: 'multi_pins/analytics',
      scopes: ['boards:read', 'pins:read'],
      schema: { querystring: multiPinAnalyticsQuery },
      handler: async (request) => analytics.multiPinAnalytics(authOf(request), request.query.pin_ids, request.query),
    }),
    defineRoute<{ Params: { pin_id: string }; Querystring: PinAnalyticsQuery }>({
      method: 'GET',
      url: '/pins/:pin_id/analytics',
      operationId: 'pins/analytics',
      scopes: ['boards:read', 'pins:read'],
      schema: { params: pinIdParams, querystring: pinAnalyticsQuery },
      handler: async (request) => analytics.pinAnalytics(authOf(request), request.params.pin_id, request.query),
    }),
    defineRoute<{ Querystring: AccountAnalyticsQuery }>({
      method: 'GET',
      url: '/user_account/analytics',
      operationId: 'user_account/analytics',
      scopes: ['user_accounts:read'],
      schema: { querystring: accountAnalyticsQuery },
      handler: async (request) => analytics.accountAnalytics(authOf(request), request.query),
    }),
    // The two top-Pins routes differ in their sort and metric names, and video keeps video Pins only.
    ...([
      ['top_pins', topPinsQuery, false],
      ['top_video_pins', topVideoPinsQuery, true],
    ] as const).map(([name, querystring, video]) =>
      defineRoute<{ Querystring: TopPinsQuery }>({
        method: 'GET',
        url: `/user_account/analytics/${name}`,
        operationId: `user_account/analytics/${name}`,
        scopes: ['pins:read', 'user_accounts:read'],
        schema: { querystring },
        handler: async (request) => analytics.topPins(authOf(request), request.query, video),
      }),
    ),
  ];
}
