import { createHmac } from 'node:crypto';
import type {} from '@fastify/cookie';
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { authenticateClient, type AuthAttempts } from '../../kernel/auth-attempts.js';
import { newOpaqueSecret, safeEqual, type ClientAuthenticator } from '../../kernel/auth.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import { JSON_SURFACE, type Surface } from '../../kernel/framework-errors.js';
import { FORM_BODY_OPTIONS } from '../../kernel/http.js';
import { isSecretScope, SCOPE_DESCRIPTIONS } from '../../kernel/scopes.js';
import type { UserRow } from '../user-account/store.js';
import { escapeHtml, hiddenFields, page } from './html.js';
import { AuthorizeProblem, type AuthorizeParams, type AuthorizeRequest, type OAuthService } from './service.js';
import { SESSION_LIFETIME_MS, type SessionStore } from './session-store.js';
import { describeInspection } from './token-inspection.js';

/** The authorize page's own parameters; everything else in its query is ignored. */
const AUTHORIZE_PARAMS = ['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'code_challenge_method'] as const;

const SESSION_COOKIE = 'pinbox_session';
/** Binds the sign-in form's CSRF token to this browser before anyone is signed in. */
const SIGN_IN_COOKIE = 'pinbox_signin';
const SIGN_IN_NONCE_LIFETIME_S = 3600;

// Pages that hand out credentials are never cached or framed (clickjacking the Allow button).
// No form-action directive: Chromium applies it to the redirect back to the app after Allow.
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

function field(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

function authorizeParams(source: unknown): AuthorizeParams {
  const params: AuthorizeParams = {};
  for (const name of AUTHORIZE_PARAMS) {
    const value = (source as Record<string, unknown> | undefined)?.[name];
    if (value !== undefined) params[name] = value;
  }
  return params;
}

/** The authorize page's query string for `params` (the ones that are plain strings). */
function authorizeQuery(params: AuthorizeParams): string {
  const query = new URLSearchParams();
  for (const name of AUTHORIZE_PARAMS) {
    const value = params[name];
    if (typeof value === 'string') query.set(name, value);
  }
  return query.toString();
}

/** The authorize parameters a sign-in or sign-out form carried along in its `next` field. */
function paramsFromNext(body: unknown): AuthorizeParams {
  return authorizeParams(Object.fromEntries(new URLSearchParams(field(body, 'next') ?? '')));
}

/** The app's redirect URI with `answer` added to its query, as RFC 6749 §4.1.2 sends it. */
function redirectTo(redirectUri: string, answer: Record<string, string | null>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(answer)) if (value !== null) url.searchParams.set(name, value);
  return url.toString();
}

/** The error page: what went wrong, and that the browser was not sent back to the app. */
function errorPageHtml(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>\n<p class="error" role="alert">${escapeHtml(message)}</p>\n<p class="muted">You were not sent back to the app.</p>`);
}

/** The OAuth pages' shape for refusals from below the routes (router, body parsing, Node's parser). */
const PAGES_SURFACE: Surface = {
  prefix: '/oauth',
  headers: PAGE_HEADERS,
  render: (error) => ({
    type: 'text/html; charset=utf-8',
    body: errorPageHtml(error.status >= 500 ? 'Something went wrong' : error.status === 404 ? 'This page does not exist' : 'This request is not valid', error.message),
  }),
};

/**
 * The OAuth pages outside `/v5`, where Pinterest has www.pinterest.com/oauth/:
 * sign in, consent (Allow or Deny), sign out; plus a token inspector
 * (`POST /oauth/introspect`), pinbox's version of Pinterest's token debugger.
 */
export function oauthPages(deps: {
  oauth: OAuthService;
  sessions: SessionStore;
  /** Checks the app credentials the token inspector asks for. */
  clients: ClientAuthenticator;
  /** Failed client authentications, counted per client id (with the token endpoints'). */
  attempts: AuthAttempts;
  csrfKey: Buffer;
}) {
  const { oauth, sessions } = deps;

  const csrfToken = (purpose: 'sign-in' | 'session', binding: string) =>
    createHmac('sha256', deps.csrfKey).update(purpose).update('\0').update(binding).digest('base64url');
  const csrfMatches = (given: string | undefined, purpose: 'sign-in' | 'session', binding: string | undefined) =>
    given !== undefined && binding !== undefined && safeEqual(given, csrfToken(purpose, binding));

  const secure = (request: FastifyRequest) => request.protocol === 'https';

  function send(reply: FastifyReply, status: number, html: string): FastifyReply {
    return reply.code(status).headers(PAGE_HEADERS).type('text/html; charset=utf-8').send(html);
  }

  /** Sends the browser on (to the app, or back to the authorize page) with the pages' headers. */
  function redirect(reply: FastifyReply, url: string, status: 302 | 303): FastifyReply {
    return reply.headers(PAGE_HEADERS).redirect(url, status);
  }

  const backToAuthorize = (reply: FastifyReply, params: AuthorizeParams) => redirect(reply, `/oauth/?${authorizeQuery(params)}`, 303);

  const expiredForm = (reply: FastifyReply) =>
    errorPage(reply, 403, 'This form has expired', 'The form was not sent from this page, or it has expired. Go back and try again.');

  function errorPage(reply: FastifyReply, status: number, title: string, message: string): FastifyReply {
    return send(reply, status, errorPageHtml(title, message));
  }

  /** Checks the request; on a problem answers (an error page or a redirect to the app) and returns null. */
  async function checkOrAnswer(params: AuthorizeParams, reply: FastifyReply): Promise<AuthorizeRequest | null> {
    try {
      return await oauth.checkAuthorizeRequest(params);
    } catch (error) {
      if (!(error instanceof AuthorizeProblem)) throw error;
      if (error.kind === 'page' || error.redirectUri === null) {
        errorPage(reply, 400, 'This authorization link is not valid', error.message);
      } else {
        redirect(reply, redirectTo(error.redirectUri, { error: error.oauthError, error_description: error.message, state: error.state }), 302);
      }
      return null;
    }
  }

  async function signedIn(request: FastifyRequest): Promise<{ user: UserRow; session: string } | null> {
    const session = request.cookies[SESSION_COOKIE];
    const userId = session ? await sessions.userOf(session) : null;
    const user = userId ? await oauth.user(userId) : null;
    return user && session ? { user, session } : null;
  }

  function signInPage(request: FastifyRequest, reply: FastifyReply, authorize: AuthorizeRequest, params: AuthorizeParams, failed: string | null) {
    let nonce = request.cookies[SIGN_IN_COOKIE];
    if (!nonce || !/^[0-9a-f]{32}$/.test(nonce)) {
      nonce = newOpaqueSecret(16);
    }
    void reply.setCookie(SIGN_IN_COOKIE, nonce, {
      path: '/oauth',
      httpOnly: true,
      sameSite: 'lax',
      secure: secure(request),
      maxAge: SIGN_IN_NONCE_LIFETIME_S,
    });
    const body = `<h1>Sign in to continue to ${escapeHtml(authorize.app.name)}</h1>
${failed ? `<p class="error" role="alert">${escapeHtml(failed)}</p>` : ''}
<form method="post" action="/oauth/login">
${hiddenFields({ csrf: csrfToken('sign-in', nonce), next: authorizeQuery(params) })}
<label for="username">Username</label>
<input type="text" id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required>
<div class="actions"><button type="submit" class="primary" id="sign-in">Sign in</button></div>
</form>
<p class="muted">pinbox prints the username and password of its dev user when it starts.</p>`;
    return send(reply, failed ? 401 : 200, page('Sign in', body));
  }

  function consentPage(reply: FastifyReply, authorize: AuthorizeRequest, params: AuthorizeParams, user: UserRow, session: string) {
    const secretAsked = authorize.scopes.some(isSecretScope);
    const scopes = authorize.scopes
      .map(
        (scope) =>
          `<li data-scope="${escapeHtml(scope)}"${isSecretScope(scope) ? ' class="secret"' : ''}>${escapeHtml(SCOPE_DESCRIPTIONS[scope])}` +
          `${isSecretScope(scope) ? '<span class="secret-tag">Secret</span>' : ''}<code>${escapeHtml(scope)}</code></li>`,
      )
      .join('\n');
    const destination = new URL(authorize.redirectUri).origin;
    const body = `<h1>${escapeHtml(authorize.app.name)} wants access to your Pinterest account</h1>
<p>Signed in as <strong id="signed-in-user">${escapeHtml(user.username)}</strong>.
<form class="inline" method="post" action="/oauth/logout">${hiddenFields({ csrf: csrfToken('session', session), next: authorizeQuery(params) })}<button type="submit" class="link">Not you? Sign out</button></form></p>
<p>If you allow it, ${escapeHtml(authorize.app.name)} will be able to:</p>
<ul class="scopes" id="scopes">
${scopes}
</ul>
${secretAsked ? '<p class="notice" id="secret-notice">This includes your <strong>secret</strong> boards or Pins, which only you and people you invite can see.</p>' : ''}
<form method="post" action="/oauth/authorize">
${hiddenFields({ ...Object.fromEntries(AUTHORIZE_PARAMS.map((name) => [name, typeof params[name] === 'string' ? (params[name] as string) : null])), csrf: csrfToken('session', session) })}
<div class="actions">
<button type="submit" name="decision" value="deny" class="secondary" id="deny">Deny</button>
<button type="submit" name="decision" value="allow" class="primary" id="allow">Allow</button>
</div>
</form>
<p class="muted">You will be sent back to ${escapeHtml(destination)}. App id ${escapeHtml(authorize.app.id)}.</p>`;
    return send(reply, 200, page(`Authorize ${authorize.app.name}`, body));
  }

  return async function register(app: FastifyInstance): Promise<void> {
    app.surfaces.add(PAGES_SURFACE);
    // The token inspector is JSON, under the pages' prefix.
    app.surfaces.add({ ...JSON_SURFACE, prefix: '/oauth/introspect' });
    await app.register(async (pages) => {
      // Loaded as the app is readied (start-up overlaps that with hashing the dev password).
      await pages.register((await import('@fastify/cookie')).default);
      await pages.register(formbody, FORM_BODY_OPTIONS);

      pages.setErrorHandler((error: FastifyError, request, reply) => {
        const status = error instanceof ApiError ? error.status : error.statusCode && error.statusCode < 500 ? error.statusCode : 500;
        // The database or Redis away (a 503 that says so and that nothing was changed): the page says it too.
        if (status === 503 && error instanceof ApiError) return errorPage(reply, status, 'Try again shortly', error.message);
        if (status >= 500) request.log.error({ err: error }, 'unhandled error on an OAuth page');
        const message = status >= 500 ? 'Something went wrong on our end. Sorry about that.' : error.message;
        return errorPage(reply, status, status >= 500 ? 'Something went wrong' : 'This request is not valid', message);
      });

      const showAuthorize = async (request: FastifyRequest, reply: FastifyReply) => {
        const params = authorizeParams(request.query);
        const authorize = await checkOrAnswer(params, reply);
        if (!authorize) return reply;
        const current = await signedIn(request);
        if (!current) return signInPage(request, reply, authorize, params, null);
        return consentPage(reply, authorize, params, current.user, current.session);
      };
      pages.get('/oauth', showAuthorize);
      pages.get('/oauth/', showAuthorize);

      pages.post('/oauth/login', async (request, reply) => {
        const params = paramsFromNext(request.body);
        const authorize = await checkOrAnswer(params, reply);
        if (!authorize) return reply;
        if (!csrfMatches(field(request.body, 'csrf'), 'sign-in', request.cookies[SIGN_IN_COOKIE])) {
          return signInPage(request, reply, authorize, params, 'The sign-in form expired. Please sign in again.');
        }
        const signIn = await oauth.signIn(field(request.body, 'username') ?? '', field(request.body, 'password') ?? '');
        if (signIn.outcome === 'locked') {
          void reply.header('retry-after', String(signIn.retryAfterSeconds));
          return errorPage(reply, 429, 'Too many sign-in attempts', `Sign-in is paused for this username: ${signIn.explanation}`);
        }
        if (signIn.outcome === 'wrong') return signInPage(request, reply, authorize, params, 'The username or password is not right.');
        const session = await sessions.create(signIn.user.id);
        void reply
          .clearCookie(SIGN_IN_COOKIE, { path: '/oauth' })
          .setCookie(SESSION_COOKIE, session, {
            path: '/oauth',
            httpOnly: true,
            sameSite: 'lax',
            secure: secure(request),
            maxAge: SESSION_LIFETIME_MS / 1000,
          });
        return backToAuthorize(reply, params);
      });

      pages.post('/oauth/authorize', async (request, reply) => {
        const params = authorizeParams(request.body);
        const current = await signedIn(request);
        // Signed out meanwhile (or the session ended): back to the page, which asks to sign in.
        if (!current) return backToAuthorize(reply, params);
        if (!csrfMatches(field(request.body, 'csrf'), 'session', current.session)) {
          return expiredForm(reply);
        }
        const authorize = await checkOrAnswer(params, reply);
        if (!authorize) return reply;
        const decision = field(request.body, 'decision');
        if (decision === 'allow') {
          const code = await oauth.approve(current.user.id, authorize);
          return redirect(reply, redirectTo(authorize.redirectUri, { code, state: authorize.state }), 303);
        }
        if (decision === 'deny') {
          const answer = { error: 'access_denied', error_description: 'The user denied the request.', state: authorize.state };
          return redirect(reply, redirectTo(authorize.redirectUri, answer), 303);
        }
        throw invalidField('decision', "must be 'allow' or 'deny'");
      });

      pages.post('/oauth/logout', async (request, reply) => {
        const params = paramsFromNext(request.body);
        const current = await signedIn(request);
        if (current) {
          if (!csrfMatches(field(request.body, 'csrf'), 'session', current.session)) {
            return expiredForm(reply);
          }
          await sessions.end(current.session);
        }
        void reply.clearCookie(SESSION_COOKIE, { path: '/oauth' });
        return backToAuthorize(reply, params);
      });
    });

    // JSON, so it keeps the API's error handler.
    await app.register(async (inspector) => {
      await inspector.register(formbody, FORM_BODY_OPTIONS);
      // RFC 7662 §2.1: the caller authenticates, as at the token endpoint (HTTP Basic
      // with the app's client id and secret), and learns only of its own tokens.
      inspector.post('/oauth/introspect', async (request, reply) => {
        const client = await authenticateClient(request.headers.authorization, reply, deps.clients, deps.attempts);
        const token = field(request.body, 'token');
        if (!token) throw invalidField('token', 'is required');
        void reply.header('cache-control', 'no-store');
        return describeInspection(await oauth.inspectFor(client, token));
      });
    });
  };
}
