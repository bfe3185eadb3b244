import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.js';
import { sha256Hex } from './sha256.js';
import type { AccessTier } from './rate-limits/tiers.js';

/** Who is calling: resolved from the bearer token by the kernel before any handler runs. */
export interface AuthContext {
  userId: string;
  appId: string;
  scopes: ReadonlySet<string>;
  /** The calling app's access tier, which decides its rate limits. */
  tier: AccessTier;
  /** Whether the app calls the API sandbox rather than production. */
  sandbox: boolean;
  /** `appId:userId`, made once per resolved token: rate limits count per (app, user) pair. */
  callerKey: string;
  /** Set when an agent key (`pbx_…`) made the call: the agent gateway checks it against the agent's policy. */
  agent?: { readonly id: string; readonly name: string; readonly keyId: string };
}

/** The app calling a client-authenticated route (the token endpoint): HTTP Basic with client id and secret. */
export interface ClientContext {
  appId: string;
  tier: AccessTier;
}

/** Checks an app's client id and secret; null when either is wrong. */
export interface ClientAuthenticator {
  authenticate(clientId: string, secret: string): Promise<ClientContext | null>;
}

/**
 * Looks a presented token up; null when unknown, expired or revoked. A resolver
 * that knows the answer already (a cached grant) gives it at once, without a
 * promise, so the kernel's hook can finish in the same tick.
 */
export interface TokenResolver {
  resolve(token: string): AuthContext | null | Promise<AuthContext | null>;
}

/**
 * Hashes a token or secret for storage and lookup. Tokens are long random strings,
 * so one SHA-256 is enough to make a stolen database useless; looking up by hash
 * also keeps the comparison independent of how much of a guess was right.
 * @example hashToken('pina_ABC...') // 'e3b0c4...'
 */
export function hashToken(token: string): string {
  return sha256Hex(token);
}

/** Constant-time equality of two strings (compares their SHA-256 digests, so lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

const TOKEN_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * A new random token in Pinterest's shape: `pina_` for access tokens, `pinr_` for
 * refresh tokens, followed by 64 characters of base32.
 */
export function newToken(kind: 'access' | 'refresh'): string {
  const bytes = randomBytes(64);
  let body = '';
  for (const byte of bytes) body += TOKEN_ALPHABET[byte & 31];
  return (kind === 'access' ? 'pina_' : 'pinr_') + body;
}

/**
 * RFC 6750 §2.1: `Bearer` and one b64token. Anything after it (a second token, a
 * comma, the ", " that joins two Authorization headers) makes the header ambiguous,
 * and an ambiguous header is refused rather than read in part.
 */
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Whether a token can be presented in an Authorization header (RFC 6750's b64token).
 * @example isBearerToken('pina_ABC') // true
 * @example isBearerToken('my token') // false
 */
export function isBearerToken(token: string): boolean {
  return BEARER.test(`Bearer ${token}`);
}

/**
 * Extracts the bearer token from an Authorization header, or null when there is
 * none or the header holds anything else.
 * @example readBearer('Bearer pina_ABC') // 'pina_ABC'
 * @example readBearer('Bearer pina_ABC, Bearer pina_DEF') // null (two headers, joined by Node)
 */
export function readBearer(header: string | undefined): string | null {
  if (!header) return null;
  const match = BEARER.exec(header);
  return match ? match[1] : null;
}

/** RFC 7617: `Basic` and one token68; like a bearer token, nothing may follow it. */
const BASIC = /^Basic +([A-Za-z0-9+/_-]+=*)$/i;

/**
 * Reads HTTP Basic credentials (RFC 7617), or null when the header is absent or
 * not Basic. Pinterest: the token endpoint takes `client_id:client_secret` this way.
 * @example readBasic('Basic MTIzOnNlY3JldA==') // { user: '123', password: 'secret' }
 */
export function readBasic(header: string | undefined): { user: string; password: string } | null {
  if (!header) return null;
  const match = BASIC.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * A random opaque secret (authorization codes, browser sessions): `bytes` random
 * bytes as hex. Only its hash is ever stored.
 */
export function newOpaqueSecret(bytes = 20): string {
  return randomBytes(bytes).toString('hex');
}

/** The caller of a route that passed the kernel's auth hook. */
export function authOf(request: FastifyRequest): AuthContext {
  const auth = request.auth;
  if (!auth) throw new ApiError('authentication_failed');
  return auth;
}

/** The app calling a client-authenticated route that passed the kernel's auth hook. */
export function clientOf(request: FastifyRequest): ClientContext {
  const client = request.client;
  if (!client) throw new ApiError('authentication_failed');
  return client;
}

declare module 'fastify' {
  interface FastifyRequest {
    auth: AuthContext | null;
    client: ClientContext | null;
  }
}
