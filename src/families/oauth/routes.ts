import type { FastifyReply } from 'fastify';
import { clientOf } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { invalidField } from '../../kernel/errors.js';
import { defineRoute, type ApiRoute } from '../../kernel/route-policy.js';
import type { OAuthService, TokenGrant } from './service.js';

interface TokenRequestBody {
  grant_type: 'authorization_code' | 'refresh_token' | 'client_credentials';
  code?: string;
  redirect_uri?: string;
  code_verifier?: string;
  refresh_token?: string;
  scope?: string;
  continuous_refresh?: string;
  refresh_on?: string;
}

const formText = { type: 'string', maxLength: 4096 } as const;

/** Pinterest: `OauthAccessTokenRequest` and its three variants, as a form. */
const tokenRequestSchema = {
  type: 'object',
  required: ['grant_type'],
  properties: {
    grant_type: { type: 'string', enum: ['authorization_code', 'refresh_token', 'client_credentials'] },
    code: formText,
    redirect_uri: formText,
    code_verifier: formText,
    refresh_token: formText,
    scope: formText,
    // Older clients send these to opt in to continuous refresh, which is all pinbox does.
    continuous_refresh: { type: 'string', enum: ['true', 'false'] },
    refresh_on: formText,
  },
} as const;

/** Pinterest: `TokenRevocationRequest`. */
const revokeRequestSchema = {
  type: 'object',
  required: ['token'],
  properties: {
    token: { type: 'string', minLength: 1, maxLength: 4096 },
    token_type_hint: { type: 'string', enum: ['access_token', 'refresh_token'] },
  },
} as const;

function required(body: TokenRequestBody, field: 'code' | 'redirect_uri' | 'refresh_token' | 'scope'): string {
  const value = body[field];
  if (value === undefined || value === '') throw invalidField(field, `is required for grant_type=${body.grant_type}`);
  return value;
}

/**
 * Pinterest: `OauthAccessTokenResponse{Code,Refresh,ClientCredentials}`. Lifetimes
 * in seconds, `refresh_token_expires_at` in seconds since the epoch, scopes
 * comma-separated as Pinterest writes them.
 */
function tokenResponse(grant: TokenGrant, now: number) {
  const seconds = (at: number) => Math.round((at - now) / 1000);
  return {
    access_token: grant.access.token,
    token_type: 'bearer',
    expires_in: seconds(grant.access.expiresAt),
    scope: grant.access.scopes.join(','),
    response_type: grant.responseType,
    ...(grant.refresh
      ? {
          refresh_token: grant.refresh.token,
          refresh_token_expires_in: seconds(grant.refresh.expiresAt),
          refresh_token_expires_at: Math.floor(grant.refresh.expiresAt / 1000),
        }
      : {}),
  };
}

/** Token responses are credentials: no cache may keep them (RFC 6749 §5.1). */
function noStore(reply: FastifyReply): void {
  void reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}

/** The routes of the spec's `oauth` tag that pinbox serves. */
export function oauthRoutes(deps: { oauth: OAuthService; clock: Clock }): ApiRoute[] {
  const { oauth, clock } = deps;
  return [
    defineRoute<{ Body: TokenRequestBody }>({
      method: 'POST',
      url: '/oauth/token',
      operationId: 'oauth/token',
      scopes: [],
      authentication: 'client_basic',
      bodyFormat: 'form',
      schema: { body: tokenRequestSchema },
      handler: async (request, reply) => {
        const client = clientOf(request);
        const body = request.body;
        let grant: TokenGrant;
        if (body.grant_type === 'authorization_code') {
          grant = await oauth.exchangeCode(client, {
            code: required(body, 'code'),
            redirect_uri: required(body, 'redirect_uri'),
            code_verifier: body.code_verifier,
          });
        } else if (body.grant_type === 'refresh_token') {
          grant = await oauth.refresh(client, { refresh_token: required(body, 'refresh_token'), scope: body.scope });
        } else {
          grant = await oauth.clientCredentials(client, { scope: required(body, 'scope') });
        }
        noStore(reply);
        return tokenResponse(grant, clock.now());
      },
    }),
    defineRoute<{ Body: { token: string; token_type_hint?: string } }>({
      method: 'POST',
      url: '/oauth/token/revoke',
      operationId: 'token/revoke',
      scopes: [],
      authentication: 'client_basic',
      bodyFormat: 'form',
      schema: { body: revokeRequestSchema },
      handler: async (request, reply) => {
        await oauth.revoke(clientOf(request), request.body);
        // Pinterest: "Successful token revocation. No content is returned." (200, empty body).
        return reply.code(200).send();
      },
    }),
  ];
}
