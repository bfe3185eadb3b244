/**
 * The OAuth 2.0 flows over real HTTP, without a browser: the authorize pages
 * (sign-in, consent, CSRF), the token endpoint's three grants, PKCE, code reuse
 * and expiry, refresh rotation and scope narrowing, revocation, the token
 * inspector, and what the tokens may then do on /v5.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, createBoard, unique, useServer, type TestServer } from '../../../test/harness.js';
import {
  authorize,
  authorizePath,
  basic,
  formFields,
  PageSession,
  pkcePair,
  postForm,
  signIn,
  type AuthorizeParams,
} from '../../../test/oauth-flow.js';
import { checkComponent } from '../../../test/spec.js';

const server = useServer();
/** Nothing listens there: the headless tests read the redirect from Location. */
const REDIRECT = 'http://127.0.0.1:9/callback';
const DAY_S = 24 * 3600;

interface Fixture extends TestServer {
  user: { username: string; password: string; id: string };
  app: { id: string; secret: string };
  params(over?: Partial<AuthorizeParams>): AuthorizeParams;
}

/** A user who can sign in and an app of their own with one registered redirect URI. */
async function fixture(): Promise<Fixture> {
  const s = server();
  const username = unique('oauth');
  const password = `pw-${username}`;
  const created = await s.pinbox.admin.createUser({ username, password });
  const app = await s.pinbox.admin.createApp({ name: unique('app'), redirectUris: [REDIRECT] });
  return {
    ...s,
    user: { username, password, id: created.id },
    app,
    params: (over = {}) => ({ client_id: app.id, redirect_uri: REDIRECT, scope: 'user_accounts:read,boards:read', state: unique('state'), ...over }),
  };
}

async function codeFor(f: Fixture, over: Partial<AuthorizeParams> = {}): Promise<string> {
  const params = f.params(over);
  const back = await authorize(f.pinbox.url, params, f.user);
  assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
  assert.equal(back.searchParams.get('state'), params.state);
  const code = back.searchParams.get('code');
  assert.ok(code, back.toString());
  return code;
}

function exchange(f: Fixture, code: string, extra: Record<string, string> = {}, credentials: { id: string; secret: string } | null = f.app) {
  return postForm(f.api, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...extra }, credentials);
}

function refresh(f: Fixture, refreshToken: string, extra: Record<string, string> = {}) {
  return postForm(f.api, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, ...extra }, f.app);
}

async function tokensFor(f: Fixture, over: Partial<AuthorizeParams> = {}) {
  const response = await exchange(f, await codeFor(f, over));
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body as { access_token: string; refresh_token: string; scope: string };
}

function callAs(f: Fixture, token: string) {
  return f.api.withToken(token);
}

test('authorization code: sign in, Allow, exchange, call /v5/user_account; the response is the spec’s Code variant', async () => {
  const f = await fixture();
  const code = await codeFor(f);
  const response = await exchange(f, code);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(checkComponent('OauthAccessTokenResponseCode', response.body), null);
  const body = response.body;
  assert.match(body.access_token, /^pina_[A-Z2-7]{64}$/);
  assert.match(body.refresh_token, /^pinr_[A-Z2-7]{64}$/);
  assert.equal(body.token_type, 'bearer');
  assert.equal(body.response_type, 'authorization_code');
  assert.equal(body.scope, 'user_accounts:read,boards:read');
  assert.equal(body.expires_in, 30 * DAY_S);
  assert.equal(body.refresh_token_expires_in, 60 * DAY_S);
  const expectedAt = Math.floor(f.pinbox.clock.now() / 1000) + 60 * DAY_S;
  assert.ok(Math.abs(body.refresh_token_expires_at - expectedAt) <= 2, `${body.refresh_token_expires_at} vs ${expectedAt}`);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  const me = await callAs(f, body.access_token).get('/user_account');
  assert.equal(me.status, 200);
  assert.equal(me.body.username, f.user.username);
  // Scopes are fixed at authorization: pins:read was not asked for.
  assertError(await callAs(f, body.access_token).get('/pins'), 401, 3);
});

test('the consent page lists the asked scopes in words and calls out secret ones', async () => {
  const f = await fixture();
  const consent = await signIn(new PageSession(f.pinbox.url), f.params({ scope: 'boards:read,pins:read_secret' }), f.user.username, f.user.password);
  assert.match(consent.html, /data-scope="boards:read"[^>]*>See your public boards/);
  assert.match(consent.html, /data-scope="pins:read_secret" class="secret">See your secret Pins<span class="secret-tag">Secret<\/span>/);
  assert.match(consent.html, /id="secret-notice"/);
  assert.doesNotMatch(consent.html, /data-scope="pins:write"/);
  assert.equal(consent.headers.get('x-frame-options'), 'DENY');
  assert.equal(consent.headers.get('cache-control'), 'no-store');
});

test('Deny sends the user back with error=access_denied and the state', async () => {
  const f = await fixture();
  const params = f.params();
  const back = await authorize(f.pinbox.url, params, f.user, 'deny');
  assert.equal(back.searchParams.get('error'), 'access_denied');
  assert.equal(back.searchParams.get('state'), params.state);
  assert.equal(back.searchParams.get('code'), null);
});

test('an unknown client or an unregistered redirect URI shows an error page and never redirects', async () => {
  const f = await fixture();
  const session = new PageSession(f.pinbox.url);
  for (const params of [
    f.params({ client_id: '9999999' }),
    f.params({ redirect_uri: 'https://evil.example/callback' }),
    f.params({ redirect_uri: `${REDIRECT}/` }), // not character for character
    f.params({ redirect_uri: `${REDIRECT}?next=x` }),
  ]) {
    const page = await session.request('GET', authorizePath(params));
    assert.equal(page.status, 400, params.redirect_uri);
    assert.equal(page.location, null);
    assert.match(page.html, /not valid/);
  }
  const missing = await session.request('GET', '/oauth/');
  assert.equal(missing.status, 400);
  assert.match(missing.html, /client_id/);
});

test('a bad scope, response_type or PKCE method goes back to the app as an OAuth error', async () => {
  const f = await fixture();
  const session = new PageSession(f.pinbox.url);
  const cases: [Partial<AuthorizeParams>, string][] = [
    [{ scope: 'boards:read,pins:fly' }, 'invalid_scope'],
    [{ scope: '' }, 'invalid_scope'],
    [{ response_type: 'token' }, 'unsupported_response_type'],
    [{ code_challenge: pkcePair().challenge, code_challenge_method: 'plain' }, 'invalid_request'],
    [{ code_challenge: 'short' , code_challenge_method: 'S256' }, 'invalid_request'],
  ];
  for (const [over, error] of cases) {
    const params = f.params(over);
    const page = await session.request('GET', authorizePath(params));
    assert.equal(page.status, 302, JSON.stringify(over));
    const back = new URL(page.location!);
    assert.equal(`${back.origin}${back.pathname}`, REDIRECT);
    assert.equal(back.searchParams.get('error'), error, JSON.stringify(over));
    assert.equal(back.searchParams.get('state'), params.state);
  }
});

test('a wrong password is refused on the page and starts no session', async () => {
  const f = await fixture();
  const session = new PageSession(f.pinbox.url);
  const signInPage = await session.request('GET', authorizePath(f.params()));
  const posted = await session.request('POST', '/oauth/login', {
    ...formFields(signInPage.html, '/oauth/login'),
    username: f.user.username,
    password: 'not the password',
  });
  assert.equal(posted.status, 401);
  assert.match(posted.html, /username or password is not right/);
  assert.equal(session.cookie('pinbox_session'), undefined);
});

test('the sign-in and consent forms are refused without their CSRF token', async () => {
  const f = await fixture();
  const session = new PageSession(f.pinbox.url);
  const signInPage = await session.request('GET', authorizePath(f.params()));
  const forged = await session.request('POST', '/oauth/login', {
    ...formFields(signInPage.html, '/oauth/login'),
    csrf: 'forged',
    username: f.user.username,
    password: f.user.password,
  });
  assert.equal(forged.status, 401);
  assert.equal(session.cookie('pinbox_session'), undefined);

  const consent = await signIn(session, f.params(), f.user.username, f.user.password);
  assert.ok(session.cookie('pinbox_session'));
  const fields = formFields(consent.html, '/oauth/authorize');
  const noCsrf = await session.request('POST', '/oauth/authorize', { ...fields, csrf: '', decision: 'allow' });
  assert.equal(noCsrf.status, 403);
  assert.equal(noCsrf.location, null);
  // Another session's token does not fit this session either.
  const other = await signIn(new PageSession(f.pinbox.url), f.params(), f.user.username, f.user.password);
  const crossed = await session.request('POST', '/oauth/authorize', { ...fields, csrf: formFields(other.html, '/oauth/authorize').csrf, decision: 'allow' });
  assert.equal(crossed.status, 403);
});

test('PKCE: the right verifier works; a wrong or missing one is 283 and leaves the code usable', async () => {
  const f = await fixture();
  const { verifier, challenge } = pkcePair();
  const code = await codeFor(f, { code_challenge: challenge, code_challenge_method: 'S256' });
  assertError(await exchange(f, code, { code_verifier: pkcePair().verifier }), 400, 283);
  assertError(await exchange(f, code), 400, 283);
  const good = await exchange(f, code, { code_verifier: verifier });
  assert.equal(good.status, 200, JSON.stringify(good.body));
  // A verifier for an authorization that asked for no PKCE is refused too.
  const plain = await codeFor(f);
  assertError(await exchange(f, plain, { code_verifier: verifier }), 400, 283);
});

test('the redirect_uri at the token endpoint must equal the authorized one', async () => {
  const f = await fixture();
  await f.pinbox.admin.addRedirectUri(f.app.id, 'http://127.0.0.1:9/other');
  const code = await codeFor(f);
  const response = await exchange(f, code, { redirect_uri: 'http://127.0.0.1:9/other' });
  assertError(response, 400, 283);
  assert.match(response.body.message, /redirect_uri/);
  assert.equal((await exchange(f, code)).status, 200);
});

test('a reused code is refused with 283 and revokes the tokens it issued, refreshed ones included', async () => {
  const f = await fixture();
  const code = await codeFor(f);
  const first = await exchange(f, code);
  assert.equal(first.status, 200);
  const refreshed = await refresh(f, first.body.refresh_token);
  assert.equal(refreshed.status, 200);
  assert.equal((await callAs(f, refreshed.body.access_token).get('/user_account')).status, 200);

  const again = await exchange(f, code);
  assertError(again, 400, 283);
  assert.match(again.body.message, /used already/);
  for (const token of [first.body.access_token, refreshed.body.access_token]) {
    assertError(await callAs(f, token).get('/user_account'), 401, 2);
  }
  assertError(await refresh(f, refreshed.body.refresh_token), 400, 283);
});

test('a code expires 10 minutes after it was issued, on the pinbox clock', async () => {
  const f = await fixture();
  const fresh = await codeFor(f);
  const stale = await codeFor(f);
  f.pinbox.clock.advance(9 * 60 * 1000 + 50 * 1000);
  assert.equal((await exchange(f, fresh)).status, 200);
  f.pinbox.clock.advance(11 * 1000);
  const expired = await exchange(f, stale);
  assertError(expired, 400, 283);
  assert.match(expired.body.message, /expired/);
});

test('client authentication: a wrong secret, no credentials or another app’s code', async () => {
  const f = await fixture();
  const code = await codeFor(f);
  assertError(await exchange(f, code, {}, { id: f.app.id, secret: 'f'.repeat(40) }), 401, 2);
  assertError(await exchange(f, code, {}, { id: '9999999', secret: f.app.secret }), 401, 2);
  assertError(await exchange(f, code, {}, null), 401, 2);
  // Credentials in the body instead of Basic: Pinterest takes Basic only.
  assertError(await exchange(f, code, { client_id: f.app.id, client_secret: f.app.secret }, null), 401, 2);
  const other = await f.pinbox.admin.createApp({ name: unique('other'), redirectUris: [REDIRECT] });
  assertError(await exchange(f, code, {}, other), 400, 283);
  // None of that spent the code.
  assert.equal((await exchange(f, code)).status, 200);
});

test('malformed token requests are 400s naming the field; JSON is 415', async () => {
  const f = await fixture();
  assertError(await postForm(f.api, '/oauth/token', {}, f.app), 400, 1, 'grant_type');
  assertError(await postForm(f.api, '/oauth/token', { grant_type: 'password' }, f.app), 400, 1, 'grant_type');
  assertError(await postForm(f.api, '/oauth/token', { grant_type: 'authorization_code', redirect_uri: REDIRECT }, f.app), 400, 1, 'code');
  assertError(await postForm(f.api, '/oauth/token', { grant_type: 'refresh_token' }, f.app), 400, 1, 'refresh_token');
  assertError(await postForm(f.api, '/oauth/token', { grant_type: 'client_credentials' }, f.app), 400, 1, 'scope');
  const json = await f.api.request('POST', '/oauth/token', {
    body: { grant_type: 'client_credentials', scope: 'boards:read' },
    headers: { authorization: `Basic ${Buffer.from(`${f.app.id}:${f.app.secret}`).toString('base64')}` },
    token: null,
  });
  assertError(json, 415, 415);
  assert.match(json.body.message, /x-www-form-urlencoded/);
});

test('refresh rotates: new access and refresh tokens each time, the spent refresh token is refused', async () => {
  const f = await fixture();
  const first = await tokensFor(f);
  const second = await refresh(f, first.refresh_token, { continuous_refresh: 'true' });
  assert.equal(second.status, 200, JSON.stringify(second.body));
  assert.equal(checkComponent('OauthAccessTokenResponseRefresh', second.body), null);
  assert.equal(second.body.response_type, 'refresh_token');
  assert.notEqual(second.body.access_token, first.access_token);
  assert.notEqual(second.body.refresh_token, first.refresh_token);
  assert.equal(second.body.expires_in, 30 * DAY_S);
  assert.equal(second.body.refresh_token_expires_in, 60 * DAY_S);
  assert.equal(second.body.scope, first.scope);
  assert.equal((await callAs(f, second.body.access_token).get('/user_account')).status, 200);

  const third = await refresh(f, second.body.refresh_token, { refresh_on: 'true' });
  assert.equal(third.status, 200);
  assertError(await refresh(f, 'pinr_NOTATOKEN'), 400, 283);
  // An access token is not a refresh token.
  assertError(await refresh(f, third.body.access_token), 400, 283);
  // A spent one is refused (and ends the authorization: hardening.test.ts).
  const reused = await refresh(f, first.refresh_token);
  assertError(reused, 400, 283);
  assert.match(reused.body.message, /used already/);
});

test('concurrent refreshes with one refresh token: exactly one succeeds', async () => {
  const f = await fixture();
  const { refresh_token } = await tokensFor(f);
  const results = await Promise.all(Array.from({ length: 8 }, () => refresh(f, refresh_token)));
  assert.deepEqual(results.map((r) => r.status).sort(), [200, 400, 400, 400, 400, 400, 400, 400]);
});

test('a refresh may narrow the scopes, never widen them; a refused widening does not spend the token', async () => {
  const f = await fixture();
  const first = await tokensFor(f, { scope: 'user_accounts:read,boards:read,pins:read' });
  const narrowed = await refresh(f, first.refresh_token, { scope: 'user_accounts:read' });
  assert.equal(narrowed.status, 200, JSON.stringify(narrowed.body));
  assert.equal(narrowed.body.scope, 'user_accounts:read');
  assert.equal((await callAs(f, narrowed.body.access_token).get('/user_account')).status, 200);
  assertError(await callAs(f, narrowed.body.access_token).get('/boards'), 401, 3);

  const widened = await refresh(f, narrowed.body.refresh_token, { scope: 'user_accounts:read,boards:write' });
  assertError(widened, 400, 1, 'scope');
  assert.match(widened.body.message, /boards:write/);
  assertError(await refresh(f, narrowed.body.refresh_token, { scope: 'boards:fly' }), 400, 1, 'scope');
  // The grant itself was never narrowed: the next refresh may come back up to it.
  const restored = await refresh(f, narrowed.body.refresh_token, { scope: 'boards:read,pins:read' });
  assert.equal(restored.status, 200, JSON.stringify(restored.body));
  assert.equal(restored.body.scope, 'boards:read,pins:read');
});

test('client credentials: an app-context token for the app owner with the scopes asked for, no refresh token', async () => {
  const f = await fixture();
  const response = await postForm(f.api, '/oauth/token', { grant_type: 'client_credentials', scope: 'user_accounts:read' }, f.app);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.equal(checkComponent('OauthAccessTokenResponseClientCredentials', response.body), null);
  assert.equal(response.body.response_type, 'client_credentials');
  assert.equal(response.body.scope, 'user_accounts:read');
  assert.equal(response.body.refresh_token, undefined);
  const me = await callAs(f, response.body.access_token).get('/user_account');
  assert.equal(me.status, 200);
  assert.equal(me.body.username, f.pinbox.identity.user.username, 'the app belongs to the dev user');
  assertError(await callAs(f, response.body.access_token).get('/boards'), 401, 3);
  assertError(await postForm(f.api, '/oauth/token', { grant_type: 'client_credentials', scope: 'boards:fly' }, f.app), 400, 1, 'scope');
});

test('revocation: an access token stops at once; a refresh token ends its authorization; another app gets 403', async () => {
  const f = await fixture();
  const a = await tokensFor(f);
  const revoke = (token: string, credentials: { id: string; secret: string } | null = f.app, hint?: string) =>
    postForm(f.api, '/oauth/token/revoke', { token, ...(hint ? { token_type_hint: hint } : {}) }, credentials);

  const done = await revoke(a.access_token, f.app, 'access_token');
  assert.equal(done.status, 200);
  assert.equal(done.body, undefined, 'no content');
  assertError(await callAs(f, a.access_token).get('/user_account'), 401, 2);
  // The refresh token of that authorization still works.
  const b = await refresh(f, a.refresh_token);
  assert.equal(b.status, 200);

  const other = await f.pinbox.admin.createApp({ name: unique('other') });
  assertError(await revoke(b.body.access_token, other), 403, 29);
  assertError(await revoke(b.body.access_token, { id: f.app.id, secret: 'wrong' }), 401, 2);
  assert.equal((await callAs(f, b.body.access_token).get('/user_account')).status, 200);

  assert.equal((await revoke(b.body.refresh_token, f.app, 'refresh_token')).status, 200);
  assertError(await refresh(f, b.body.refresh_token), 400, 283);
  assertError(await callAs(f, b.body.access_token).get('/user_account'), 401, 2);
  // Unknown tokens are not an error (RFC 7009 §2.2); a missing one is.
  assert.equal((await revoke('pina_UNKNOWN')).status, 200);
  assertError(await postForm(f.api, '/oauth/token/revoke', {}, f.app), 400, 1, 'token');
});

test('without boards:read_secret a token does not see the user’s secret board; with it, it does', async () => {
  const f = await fixture();
  const { token: everything } = await f.pinbox.admin.issueToken({ username: f.user.username });
  const secret = await createBoard(callAs(f, everything), { privacy: 'SECRET' });
  const publicToken = (await tokensFor(f, { scope: 'boards:read' })).access_token;
  assertError(await callAs(f, publicToken).get(`/boards/${secret.id}`), 404, 40);
  const list = await callAs(f, publicToken).get('/boards');
  assert.equal(list.status, 200);
  assert.ok(!list.body.items.some((b: { id: string }) => b.id === secret.id));

  const secretToken = (await tokensFor(f, { scope: 'boards:read,boards:read_secret' })).access_token;
  assert.equal((await callAs(f, secretToken).get(`/boards/${secret.id}`)).status, 200);
});

test('the token inspector shows user, app, scopes and expiry; unknown tokens are inactive', async () => {
  const f = await fixture();
  const tokens = await tokensFor(f);
  const inspect = async (token: string) => {
    const response = await fetch(`${f.pinbox.url}/oauth/introspect`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(f.app.id, f.app.secret) },
      body: new URLSearchParams({ token }).toString(),
    });
    assert.equal(response.status, 200);
    return (await response.json()) as any;
  };
  const access = await inspect(tokens.access_token);
  assert.equal(access.active, true);
  assert.equal(access.token_type, 'access_token');
  assert.deepEqual(access.user, { id: f.user.id, username: f.user.username });
  assert.equal(access.app.id, f.app.id);
  assert.equal(access.scope, 'user_accounts:read,boards:read');
  assert.equal(access.issued_by, 'authorization_code');
  assert.equal(access.exp, Math.floor(new Date(`${access.expires_at}Z`).getTime() / 1000));
  assert.deepEqual(await f.pinbox.admin.inspectToken(tokens.access_token), access);
  const spent = await refresh(f, tokens.refresh_token);
  assert.equal(spent.status, 200);
  const old = await inspect(tokens.refresh_token);
  assert.equal(old.active, false);
  assert.ok(old.used_at);
  assert.deepEqual(await inspect('pina_NOPE'), { active: false });
});

test('an access token expires after 30 days on the pinbox clock; a refresh brings a new one', async () => {
  // Last in this file: it moves the shared clock a month ahead.
  const f = await fixture();
  const tokens = await tokensFor(f);
  f.pinbox.clock.advance(30 * DAY_S * 1000 + 1000);
  assertError(await callAs(f, tokens.access_token).get('/user_account'), 401, 2);
  const renewed = await refresh(f, tokens.refresh_token);
  assert.equal(renewed.status, 200);
  assert.equal((await callAs(f, renewed.body.access_token).get('/user_account')).status, 200);
});
