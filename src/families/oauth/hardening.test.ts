/**
 * OAuth under attack, over real HTTP: failed client authentications and sign-ins
 * are counted on pinbox's clock and refused with 429 after five; a spent refresh
 * token presented again revokes its whole authorization; the token inspector
 * answers only an authenticated app, about its own tokens.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AUTH_ATTEMPT_LIMITS } from '../../kernel/auth-attempts.js';
import { startPinbox } from '../../server.js';
import { databaseUrlFor, dropSchema, freshSchema, TEST_BACKEND, TEST_REDIS_URL } from '../../../test/backend.js';
import { assertError, Client, unique, useServer, type TestServer } from '../../../test/harness.js';
import { authorize, authorizePath, basic, formFields, PageSession, postForm } from '../../../test/oauth-flow.js';

const server = useServer();
const REDIRECT = 'http://127.0.0.1:9/callback';
const WINDOW_MS = AUTH_ATTEMPT_LIMITS.windowSeconds * 1000;

interface Fixture extends TestServer {
  user: { username: string; password: string };
  app: { id: string; secret: string };
  /** The API without the harness's x-ratelimit check: a refused authentication is counted nowhere. */
  uncounted: Client;
}

async function fixture(): Promise<Fixture> {
  const s = server();
  const username = unique('hardened');
  const password = `pw-${username}`;
  await s.pinbox.admin.createUser({ username, password });
  const app = await s.pinbox.admin.createApp({ name: unique('app'), redirectUris: [REDIRECT] });
  return { ...s, user: { username, password }, app, uncounted: new Client(s.pinbox.url, null, false) };
}

async function tokensFor(f: Fixture): Promise<{ access_token: string; refresh_token: string }> {
  const back = await authorize(f.pinbox.url, { client_id: f.app.id, redirect_uri: REDIRECT, scope: 'user_accounts:read', state: 's' }, f.user);
  const response = await postForm(f.api, '/oauth/token', { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT }, f.app);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

function introspect(f: Fixture, token: string, authorization?: string): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (authorization) headers.authorization = authorization;
  return fetch(`${f.pinbox.url}/oauth/introspect`, { method: 'POST', headers, body: new URLSearchParams({ token }) });
}

/** Moves pinbox's clock into the next window of failed attempts (windows are aligned to the epoch). */
async function nextWindow(f: Fixture): Promise<void> {
  const now = f.pinbox.clock.now();
  await f.pinbox.clock.advance(WINDOW_MS - (now % WINDOW_MS) + 1000);
}

test('five wrong client secrets, then every attempt for that client id is a 429 with Retry-After until the window ends', async () => {
  const f = await fixture();
  const other = await f.pinbox.admin.createApp({ name: unique('bystander') });
  const credentials = (grant: { id: string; secret: string }) =>
    postForm(f.uncounted, '/oauth/token', { grant_type: 'client_credentials', scope: 'boards:read' }, grant);
  const wrong = { id: f.app.id, secret: 'f'.repeat(40) };
  for (let i = 0; i < AUTH_ATTEMPT_LIMITS.failures; i++) assertError(await credentials(wrong), 401, 2);

  const refused = await credentials(wrong);
  assertError(refused, 429, 8);
  assert.match(refused.body.message, new RegExp(`5 failed client authentications for client id ${f.app.id} in 15 minutes`));
  const retryAfter = Number(refused.headers.get('retry-after'));
  assert.ok(retryAfter >= 1 && retryAfter <= AUTH_ATTEMPT_LIMITS.windowSeconds, `Retry-After: ${refused.headers.get('retry-after')}`);
  // The right secret is refused too while the client id is locked, at the revocation endpoint and the inspector as well.
  assertError(await credentials(f.app), 429, 8);
  assertError(await postForm(f.uncounted, '/oauth/token/revoke', { token: 'pina_UNKNOWN' }, f.app), 429, 8);
  assert.equal((await introspect(f, 'pina_UNKNOWN', basic(f.app.id, f.app.secret))).status, 429);
  // Another app is not affected.
  assert.equal((await credentials(other)).status, 200);

  await nextWindow(f);
  const after = await credentials(f.app);
  assert.equal(after.status, 200, JSON.stringify(after.body));
  // A success starts the count again: five more failures are 401s, not 429s.
  for (let i = 0; i < AUTH_ATTEMPT_LIMITS.failures; i++) assertError(await credentials(wrong), 401, 2);
});

test('an app authenticating many times at once with the right secret is never refused: only failures are counted', async () => {
  const f = await fixture();
  const answers = await Promise.all(
    Array.from({ length: 4 * AUTH_ATTEMPT_LIMITS.failures }, () => postForm(f.uncounted, '/oauth/token', { grant_type: 'client_credentials', scope: 'boards:read' }, f.app)),
  );
  assert.deepEqual(answers.map((answer) => answer.status), answers.map(() => 200), JSON.stringify(answers.find((answer) => answer.status !== 200)?.body));
});

test('five wrong passwords on the sign-in page, then the username is refused with the 429 error page until the window ends', async () => {
  const f = await fixture();
  const params = { client_id: f.app.id, redirect_uri: REDIRECT, scope: 'user_accounts:read', state: 's' };
  const session = new PageSession(f.pinbox.url);
  const fields = formFields((await session.request('GET', authorizePath(params))).html, '/oauth/login');
  const signIn = (password: string, username = f.user.username) => session.request('POST', '/oauth/login', { ...fields, username, password });
  for (let i = 0; i < AUTH_ATTEMPT_LIMITS.failures; i++) {
    const posted = await signIn('not the password');
    assert.equal(posted.status, 401);
    assert.match(posted.html, /username or password is not right/);
  }
  const locked = await signIn(f.user.password);
  assert.equal(locked.status, 429);
  assert.match(locked.headers.get('content-type') ?? '', /^text\/html/);
  assert.match(locked.html, /<h1>Too many sign-in attempts<\/h1>/);
  assert.match(locked.html, /5 failed sign-ins for this username in 15 minutes/);
  assert.ok(Number(locked.headers.get('retry-after')) >= 1, `Retry-After: ${locked.headers.get('retry-after')}`);
  assert.equal(session.cookie('pinbox_session'), undefined, 'no session was started');
  // A username nobody has is counted the same way, so a 429 tells nothing of who exists.
  const nobody = unique('nobody');
  for (let i = 0; i < AUTH_ATTEMPT_LIMITS.failures; i++) assert.equal((await signIn('guess', nobody)).status, 401);
  assert.equal((await signIn('guess', nobody)).status, 429);

  await nextWindow(f);
  const signedIn = await signIn(f.user.password);
  assert.equal(signedIn.status, 303, signedIn.html.slice(0, 500));
  assert.ok(session.cookie('pinbox_session'));
});

test('a rotated refresh token presented again is refused and revokes the whole authorization', async () => {
  const f = await fixture();
  const first = await tokensFor(f);
  const refresh = (token: string) => postForm(f.api, '/oauth/token', { grant_type: 'refresh_token', refresh_token: token }, f.app);
  const second = await refresh(first.refresh_token);
  assert.equal(second.status, 200);
  const third = await refresh(second.body.refresh_token);
  assert.equal(third.status, 200);
  const newest = third.body as { access_token: string; refresh_token: string };
  assert.equal((await f.api.withToken(newest.access_token).get('/user_account')).status, 200);

  const replayed = await refresh(first.refresh_token);
  assertError(replayed, 400, 283);
  // Every token of that authorization, the newest included, is revoked.
  assertError(await f.api.withToken(newest.access_token).get('/user_account'), 401, 2);
  assert.match(replayed.body.message, /used already.*revoked/);
  assertError(await f.api.withToken(second.body.access_token).get('/user_account'), 401, 2);
  assertError(await refresh(newest.refresh_token), 400, 283);
  // Another authorization of the same user and app is untouched.
  const unrelated = await tokensFor(f);
  assert.equal((await f.api.withToken(unrelated.access_token).get('/user_account')).status, 200);
});

test('the token inspector needs the app’s client authentication and describes only that app’s tokens', async () => {
  const f = await fixture();
  const tokens = await tokensFor(f);
  const other = await f.pinbox.admin.createApp({ name: unique('other') });

  const anonymous = await introspect(f, tokens.access_token);
  assert.equal(anonymous.status, 401);
  assert.deepEqual(await anonymous.json(), { code: 2, message: 'Authentication failed.' });
  assert.equal((await introspect(f, tokens.access_token, basic(f.app.id, 'wrong'))).status, 401);

  const foreign = await introspect(f, tokens.access_token, basic(other.id, other.secret));
  assert.equal(foreign.status, 200);
  assert.deepEqual(await foreign.json(), { active: false });

  const own = await introspect(f, tokens.access_token, basic(f.app.id, f.app.secret));
  assert.equal(own.status, 200);
  assert.equal(own.headers.get('cache-control'), 'no-store');
  const description = (await own.json()) as { active: boolean; app: { id: string }; user: { username: string } };
  assert.equal(description.active, true);
  assert.equal(description.app.id, f.app.id);
  assert.equal(description.user.username, f.user.username);
});

test(
  'the processes of one instance share the count: failures through one lock the client id in the other',
  { skip: TEST_BACKEND === 'postgres' ? false : 'several processes on one store need PostgreSQL and Redis' },
  async () => {
    const schema = freshSchema();
    const secret = 'shared-count-secret-0123456789abcdef0123';
    const options = { databaseUrl: databaseUrlFor(schema), redisUrl: TEST_REDIS_URL, blobsDir: join(tmpdir(), `blobs-${schema}`), clientSecret: secret };
    const one = await startPinbox(options);
    const two = await startPinbox(options);
    try {
      const app = { id: one.identity.app.id, secret };
      const credentials = (pinbox: typeof one, grant: { id: string; secret: string }) =>
        postForm(new Client(pinbox.url, null, false), '/oauth/token', { grant_type: 'client_credentials', scope: 'boards:read' }, grant);
      for (let i = 0; i < AUTH_ATTEMPT_LIMITS.failures; i++) assertError(await credentials(i % 2 ? one : two, { ...app, secret: 'wrong' }), 401, 2);
      assertError(await credentials(two, app), 429, 8);
      assertError(await credentials(one, app), 429, 8);
    } finally {
      await two.close();
      await one.close();
      await dropSchema(schema);
    }
  },
);
