import { createHash } from 'node:crypto';
import type { AuthAttempts } from '../../kernel/auth-attempts.js';
import { newOpaqueSecret, safeEqual, type ClientContext } from '../../kernel/auth.js';
import type { Clock } from '../../kernel/clock.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { IdGenerator } from '../../kernel/ids.js';
import { parseScopes, type Scope } from '../../kernel/scopes.js';
import type { Database, Transaction, TransactionOptions } from '../../storage/database.js';
import type { UserRow, UserStore } from '../user-account/store.js';
import type { App, AppStore } from './app-store.js';
import type { CodeStore } from './code-store.js';
import { verifyPassword } from './password.js';
import type { IssuedToken, TokenRecord, TokenStore } from './token-store.js';

/** A checked request of the authorize page: who asks, where to send the answer, for what. */
export interface AuthorizeRequest {
  app: App;
  redirectUri: string;
  scopes: Scope[];
  state: string | null;
  codeChallenge: string | null;
}

/**
 * Why an authorize request cannot go on. `page`: the client or redirect URI cannot
 * be trusted, so the user sees an error page and is never redirected. `redirect`:
 * the redirect URI is the app's own, so the app is told with an OAuth `error`
 * (RFC 6749 §4.1.2.1).
 */
export class AuthorizeProblem extends Error {
  constructor(
    readonly kind: 'page' | 'redirect',
    readonly oauthError: 'invalid_request' | 'unauthorized_client' | 'unsupported_response_type' | 'invalid_scope',
    message: string,
    readonly redirectUri: string | null = null,
    readonly state: string | null = null,
  ) {
    super(message);
  }
}

/** What the token endpoint hands out for one grant. */
export interface TokenGrant {
  responseType: 'authorization_code' | 'refresh_token' | 'client_credentials';
  access: IssuedToken;
  refresh: IssuedToken | null;
}

/**
 * What a sign-in came to: the user, wrong credentials, or refused unchecked because
 * the username failed too often lately (`retryAfterSeconds` until it is taken again).
 */
export type SignInOutcome =
  | { outcome: 'signed_in'; user: UserRow }
  | { outcome: 'wrong' }
  | { outcome: 'locked'; retryAfterSeconds: number; explanation: string };

/** A token as the token inspector shows it. */
export interface TokenInspection {
  record: TokenRecord;
  user: { id: string; username: string } | null;
  app: App | null;
  active: boolean;
}

/** Pinterest (RFC 7636): a verifier is 43 to 128 unreserved characters; an S256 challenge is 43 base64url characters. */
/**
 * The token endpoint's writes keep their rules row by row: a code is redeemed and a
 * refresh token spent by a conditional update that changes one row or none, so of
 * two presentations at once the second waits for the first's row and then finds it
 * spent (a replay), as it would one after the other.
 */
const ROW_BY_ROW: TransactionOptions = { isolation: 'read committed' };

const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** The authorize page's parameters, as the query string (or the consent form) gives them. */
export type AuthorizeParams = Record<string, unknown>;

function text(params: AuthorizeParams, name: string): string | undefined {
  const value = params[name];
  if (value === undefined || value === '') return undefined;
  // A repeated parameter arrives as an array: ambiguous, so it is refused.
  if (typeof value !== 'string') throw new AuthorizeProblem('page', 'invalid_request', `The '${name}' parameter must be given once.`);
  return value;
}

/** base64url(SHA-256(verifier)), the S256 transform of RFC 7636 §4.2. */
function s256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/**
 * Pinterest's OAuth rules: the authorize page's checks, codes, the token
 * endpoint's three grants, revocation and token inspection.
 */
export class OAuthService {
  constructor(
    private readonly deps: {
      db: Database;
      clock: Clock;
      ids: IdGenerator;
      apps: AppStore;
      users: UserStore;
      tokens: TokenStore;
      codes: CodeStore;
      /** Failed sign-ins, counted per username. */
      attempts: AuthAttempts;
    },
  ) {}

  /** Checks an authorize request; throws AuthorizeProblem saying whether the app may be told. */
  async checkAuthorizeRequest(params: AuthorizeParams): Promise<AuthorizeRequest> {
    const clientId = text(params, 'client_id');
    if (!clientId) throw new AuthorizeProblem('page', 'invalid_request', 'The client_id parameter is missing.');
    const app = /^\d{1,20}$/.test(clientId) ? await this.deps.apps.get(clientId) : null;
    if (!app) throw new AuthorizeProblem('page', 'unauthorized_client', `No app has the client id '${clientId}'.`);
    const redirectUri = text(params, 'redirect_uri');
    if (!redirectUri) throw new AuthorizeProblem('page', 'invalid_request', 'The redirect_uri parameter is missing.');
    if (!(await this.deps.apps.hasRedirectUri(app.id, redirectUri))) {
      throw new AuthorizeProblem(
        'page',
        'invalid_request',
        `The redirect_uri '${redirectUri}' is not registered for the app '${app.name}'. Redirect URIs must match a registered one exactly.`,
      );
    }
    // From here on the redirect URI is the app's own, so problems go back to the app.
    const state = text(params, 'state') ?? null;
    const tell = (error: AuthorizeProblem['oauthError'], message: string) => new AuthorizeProblem('redirect', error, message, redirectUri, state);
    const responseType = text(params, 'response_type');
    if (responseType !== 'code') throw tell('unsupported_response_type', "response_type must be 'code'.");
    const scopeText = text(params, 'scope');
    if (!scopeText) throw tell('invalid_scope', 'The scope parameter is missing: ask for at least one scope.');
    const { scopes, unknown } = parseScopes(scopeText);
    if (unknown.length) throw tell('invalid_scope', `Unknown scopes: ${unknown.join(', ')}.`);
    if (!scopes.length) throw tell('invalid_scope', 'Ask for at least one scope.');
    const codeChallenge = text(params, 'code_challenge') ?? null;
    const method = text(params, 'code_challenge_method');
    if (codeChallenge === null && method !== undefined) throw tell('invalid_request', 'code_challenge_method was given without a code_challenge.');
    if (codeChallenge !== null) {
      if (method !== 'S256') throw tell('invalid_request', "code_challenge_method must be 'S256'.");
      if (!S256_CHALLENGE.test(codeChallenge)) throw tell('invalid_request', 'code_challenge must be 43 base64url characters (an S256 challenge).');
    }
    return { app, redirectUri, scopes, state, codeChallenge };
  }

  /**
   * Signs a user in by username and password. Costs the same whether or not the
   * user exists; failures are counted per username (existing or not, so a refusal
   * tells nothing of who exists), and after too many the username is refused
   * without its password being checked until the window ends.
   */
  async signIn(username: string, password: string): Promise<SignInOutcome> {
    const counted = username.length > 0 && username.length <= 100;
    const attempt = counted ? await this.deps.attempts.begin(`user:${username}`) : null;
    if (attempt && !attempt.allowed) {
      return { outcome: 'locked', retryAfterSeconds: attempt.retryAfterSeconds, explanation: this.deps.attempts.describe(attempt, 'failed sign-ins for this username') };
    }
    const user = counted && password.length <= 1024 ? await this.deps.users.getWithPasswordHash(username) : undefined;
    const matches = await verifyPassword(password.slice(0, 1024), user?.password_hash);
    if (!user || !matches) return { outcome: 'wrong' };
    await attempt?.succeeded();
    return { outcome: 'signed_in', user };
  }

  async user(userId: string): Promise<UserRow | null> {
    return (await this.deps.users.getById(userId)) ?? null;
  }

  /** The user allowed the request: makes a single-use authorization code. */
  async approve(userId: string, request: AuthorizeRequest): Promise<string> {
    const code = newOpaqueSecret(20);
    await this.deps.db.transaction((tx) =>
      this.deps.codes.create(tx, code, {
        grantId: this.deps.ids.next(),
        appId: request.app.id,
        userId,
        redirectUri: request.redirectUri,
        scopes: request.scopes,
        codeChallenge: request.codeChallenge,
      }),
      ROW_BY_ROW,
    );
    return code;
  }

  /**
   * grant_type=authorization_code. A code is single-use: presenting it again is
   * refused and revokes every token it led to (RFC 6749 §4.1.2), since a replay
   * means someone else holds it.
   */
  async exchangeCode(client: ClientContext, body: { code: string; redirect_uri: string; code_verifier?: string }): Promise<TokenGrant> {
    const now = this.deps.clock.now();
    const outcome = await this.deps.db.transaction(async (tx) => {
      const code = await this.deps.codes.find(tx, body.code);
      if (!code || code.appId !== client.appId) return { refused: 'The authorization code is not valid for this app.' } as const;
      const replay = async () => {
        await this.deps.tokens.revokeGrant(tx, code.grantId);
        return { refused: 'The authorization code has been used already; the tokens issued for it are revoked.' } as const;
      };
      if (code.usedAt !== null) return replay();
      if (code.expiresAt <= now) return { refused: 'The authorization code has expired: codes are valid for 10 minutes.' } as const;
      if (code.redirectUri !== body.redirect_uri) {
        return { refused: 'redirect_uri does not match the redirect URI the code was issued for.' } as const;
      }
      if (code.codeChallenge !== null) {
        if (body.code_verifier === undefined) return { refused: 'code_verifier is required: the authorization asked for PKCE.' } as const;
        if (!CODE_VERIFIER.test(body.code_verifier) || !safeEqual(s256(body.code_verifier), code.codeChallenge)) {
          return { refused: 'code_verifier does not match the code_challenge.' } as const;
        }
      } else if (body.code_verifier !== undefined) {
        return { refused: 'code_verifier was given, but the authorization did not ask for PKCE.' } as const;
      }
      if (!(await this.deps.codes.redeem(tx, code.hash))) return replay();
      return { grant: await this.issuePair(tx, code, code.scopes, 'authorization_code') } as const;
    }, ROW_BY_ROW);
    if ('refused' in outcome) throw new ApiError('invalid_grant', `${ERROR_PREFIX}${outcome.refused}`);
    return outcome.grant;
  }

  /**
   * grant_type=refresh_token, continuous refresh: each refresh spends the refresh
   * token and returns a new access token and a new refresh token of the same
   * authorization. `scope` may narrow the new access token, never widen it beyond
   * what the user granted. Presenting a spent refresh token again revokes the whole
   * authorization (every access and refresh token of its grant): either the client
   * or someone who copied the token is replaying it, and the server cannot tell
   * which (RFC 9700 §4.14.2).
   */
  async refresh(client: ClientContext, body: { refresh_token: string; scope?: string }): Promise<TokenGrant> {
    const now = this.deps.clock.now();
    const outcome = await this.deps.db.transaction(async (tx) => {
      const record = await this.deps.tokens.find(body.refresh_token, tx);
      if (!record || record.kind !== 'refresh' || record.appId !== client.appId) return { refused: 'The refresh token is not valid for this app.' } as const;
      if (record.revokedAt !== null) return { refused: 'The refresh token has been revoked.' } as const;
      if (record.expiresAt <= now) return { refused: 'The refresh token has expired.' } as const;
      const replay = async () => {
        if (record.grantId) await this.deps.tokens.revokeGrant(tx, record.grantId);
        else await this.deps.tokens.revokeHash(tx, record.hash);
        return {
          refused:
            'The refresh token has been used already, and presenting a spent one again ends its authorization: every token of it is now revoked; ask the user to authorize again.',
        } as const;
      };
      if (record.usedAt !== null) return replay();
      // A scope the grant does not hold is the client's mistake (400), checked before the token is spent.
      const scopes = body.scope === undefined ? record.scopes : narrowedScopes(body.scope, record.scopes);
      if (!(await this.deps.tokens.spend(tx, record.hash))) return replay();
      // A refresh token issued before grants were recorded starts its grant here, so that a replay of it reaches what it led to.
      const grantId = record.grantId ?? this.deps.ids.next();
      if (record.grantId === null) await this.deps.tokens.joinGrant(tx, record.hash, grantId);
      const grant = { grantId, appId: record.appId, userId: record.userId, scopes: record.scopes };
      return { grant: await this.issuePair(tx, grant, scopes, 'refresh_token') } as const;
    }, ROW_BY_ROW);
    if ('refused' in outcome) throw new ApiError('invalid_grant', `${ERROR_PREFIX}${outcome.refused}`);
    return outcome.grant;
  }

  /** grant_type=client_credentials: an app-context token acting as the app's owner, with the scopes asked for. */
  async clientCredentials(client: ClientContext, body: { scope: string }): Promise<TokenGrant> {
    const scopes = requestedScopes(body.scope);
    const app = await this.deps.apps.get(client.appId);
    if (!app) throw new ApiError('authentication_failed');
    const access = await this.deps.db.transaction((tx) =>
      this.deps.tokens.issue(tx, {
        userId: app.ownerUserId,
        appId: app.id,
        scopes,
        kind: 'access',
        grantId: this.deps.ids.next(),
        origin: 'client_credentials',
      }),
      ROW_BY_ROW,
    );
    return { responseType: 'client_credentials', access, refresh: null };
  }

  /**
   * Revokes a token at once. Revoking a refresh token ends the whole authorization
   * (its access tokens too, RFC 7009 §2.1); revoking an access token ends only it.
   * An unknown token is not an error (RFC 7009 §2.2); another app's token is a 403.
   */
  async revoke(client: ClientContext, body: { token: string; token_type_hint?: string }): Promise<void> {
    const record = await this.deps.tokens.find(body.token);
    if (!record) return;
    if (record.appId !== client.appId) throw new ApiError('not_permitted', 'Client is not allowed to revoke this token: it was issued to another app.');
    await this.deps.db.transaction(async (tx) => {
      if (record.kind === 'refresh' && record.grantId) await this.deps.tokens.revokeGrant(tx, record.grantId);
      else await this.deps.tokens.revokeHash(tx, record.hash);
    }, ROW_BY_ROW);
  }

  /** Who a token belongs to and what it may do, like Pinterest's token debugger; null when unknown. */
  async inspect(token: string): Promise<TokenInspection | null> {
    const record = await this.deps.tokens.find(token);
    if (!record) return null;
    const user = await this.deps.users.getById(record.userId);
    const app = await this.deps.apps.get(record.appId);
    const usable = record.revokedAt === null && record.expiresAt > this.deps.clock.now();
    return {
      record,
      user: user ? { id: user.id, username: user.username } : null,
      app,
      active: usable && (record.kind === 'access' || record.usedAt === null),
    };
  }

  /**
   * The token inspector as an app asks it: only the app's own tokens are described;
   * another app's is as good as unknown (RFC 7662 §2.2 answers `active: false`,
   * and §4 lets a server refuse to tell one client of another's tokens).
   */
  async inspectFor(client: ClientContext, token: string): Promise<TokenInspection | null> {
    const inspection = await this.inspect(token);
    return inspection && inspection.record.appId === client.appId ? inspection : null;
  }

  private async issuePair(
    tx: Transaction,
    grant: { grantId: string; appId: string; userId: string; scopes: readonly string[] },
    accessScopes: readonly string[],
    responseType: 'authorization_code' | 'refresh_token',
  ): Promise<TokenGrant> {
    const common = { userId: grant.userId, appId: grant.appId, grantId: grant.grantId, origin: responseType } as const;
    const access = await this.deps.tokens.issue(tx, { ...common, scopes: accessScopes, kind: 'access' });
    // The refresh token keeps the whole grant, so a narrowed refresh can be followed by a wider one up to it (RFC 6749 §6).
    const refresh = await this.deps.tokens.issue(tx, { ...common, scopes: grant.scopes, kind: 'refresh' });
    return { responseType, access, refresh };
  }
}

const ERROR_PREFIX = 'The authorization grant is invalid: ';

/** Parses a requested scope list; unknown or no scopes are a 400 naming `scope`. */
function requestedScopes(text: string): Scope[] {
  const { scopes, unknown } = parseScopes(text);
  if (unknown.length) throw invalidField('scope', `names unknown scopes: ${unknown.join(', ')}`);
  if (!scopes.length) throw invalidField('scope', 'must name at least one scope');
  return scopes;
}

/** The scopes a refresh asks for, which must all be in the original grant. */
function narrowedScopes(text: string, granted: readonly string[]): Scope[] {
  const scopes = requestedScopes(text);
  const wider = scopes.filter((scope) => !granted.includes(scope));
  if (wider.length) throw invalidField('scope', `asks for ${wider.join(', ')}, which the user did not grant; a refresh can narrow scopes, never widen them`);
  return scopes;
}
