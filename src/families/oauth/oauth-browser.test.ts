/**
 * The whole OAuth flow in a real browser: Debian's Chromium driven by
 * playwright-core opens the authorize URL, signs in, reads the consent page,
 * clicks Allow and lands on a local app's redirect URI; the app's back end then
 * exchanges the code (with its PKCE verifier) and calls /v5/user_account.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import type { Pinbox } from '../../index.js';
import { Client, startTestPinbox } from '../../../test/harness.js';
import { pkcePair, postForm } from '../../../test/oauth-flow.js';
import { checkComponent } from '../../../test/spec.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'browser-test-password';

/** The local app: its redirect URI answers a page, and records what it was sent. */
let appServer: Server;
let callbackUrl: string;
const callbacks: URL[] = [];
let pinbox: Pinbox;
let browser: Browser;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `Chromium is not at ${CHROMIUM}: install it with 'apt-get install -y chromium' (npm test tries to)`);
  appServer = createServer((request, response) => {
    callbacks.push(new URL(request.url ?? '/', callbackUrl));
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><title>My app</title><h1 id="landed">Back in my app</h1>');
  });
  await new Promise<void>((resolve) => appServer.listen(0, '127.0.0.1', resolve));
  callbackUrl = `http://127.0.0.1:${(appServer.address() as AddressInfo).port}/auth/pinterest/callback`;
  pinbox = await startTestPinbox({ port: 0, password: PASSWORD, redirectUris: [callbackUrl] });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // As root in a container Chromium needs --no-sandbox; the rest keeps it off a network it cannot reach.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
});

after(async () => {
  await browser?.close();
  await pinbox?.close();
  await new Promise<void>((resolve) => (appServer ? appServer.close(() => resolve()) : resolve()));
});

/** A fresh browser context opens the dev app's authorize URL and signs in as the dev user. */
async function openAndSignIn(params: Record<string, string>) {
  const authorizeUrl = new URL('/oauth/', pinbox.url);
  authorizeUrl.search = new URLSearchParams({ client_id: pinbox.identity.app.id, redirect_uri: callbackUrl, response_type: 'code', ...params }).toString();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(authorizeUrl.toString());
  await page.fill('#username', pinbox.identity.user.username);
  await page.fill('#password', PASSWORD);
  await page.click('#sign-in');
  return { context, page };
}

test('a browser signs in, sees the scopes, allows, lands on the redirect URI; the code becomes a working token', async () => {
  const { verifier, challenge } = pkcePair();
  const state = 'browser-state-42';
  const { context, page } = await openAndSignIn({
    scope: 'user_accounts:read,boards:read,boards:read_secret',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  await page.waitForSelector('#allow');
  assert.equal(await page.textContent('#signed-in-user'), pinbox.identity.user.username);
  const scopes = await page.$$eval('#scopes li', (items) => items.map((li) => ({ scope: li.getAttribute('data-scope'), text: li.textContent ?? '' })));
  assert.deepEqual(
    scopes.map((s) => s.scope),
    ['user_accounts:read', 'boards:read', 'boards:read_secret'],
  );
  assert.match(scopes[2].text, /See your secret boards.*Secret/);
  assert.ok(await page.isVisible('#secret-notice'));
  const cookies = await context.cookies();
  const session = cookies.find((c) => c.name === 'pinbox_session');
  assert.ok(session?.httpOnly, 'the session cookie is HttpOnly');
  assert.equal(session?.sameSite, 'Lax');

  await page.click('#allow');
  await page.waitForURL((url) => url.toString().startsWith(callbackUrl));
  assert.equal(await page.textContent('#landed'), 'Back in my app');
  const landed = new URL(page.url());
  assert.equal(landed.searchParams.get('state'), state);
  const code = landed.searchParams.get('code');
  assert.ok(code);
  const received = callbacks.filter((url) => url.pathname === '/auth/pinterest/callback').at(-1);
  assert.equal(received?.searchParams.get('code'), code, 'the app received the code');
  await context.close();

  // The app's back end: exchange the code with Basic client auth and the verifier.
  const api = new Client(pinbox.url, null);
  const credentials = { id: pinbox.identity.app.id, secret: pinbox.identity.app.secret! };
  const exchanged = await postForm(api, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: callbackUrl, code_verifier: verifier }, credentials);
  assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
  assert.equal(checkComponent('OauthAccessTokenResponseCode', exchanged.body), null);
  assert.equal(exchanged.body.scope, 'user_accounts:read,boards:read,boards:read_secret');
  const me = await api.withToken(exchanged.body.access_token).get('/user_account');
  assert.equal(me.status, 200);
  assert.equal(me.body.username, pinbox.identity.user.username);
});

test('in the browser, Deny lands on the redirect URI with error=access_denied', async () => {
  const { context, page } = await openAndSignIn({ scope: 'pins:read', state: 'deny-state' });
  await page.click('#deny');
  await page.waitForURL((url) => url.toString().startsWith(callbackUrl));
  const landed = new URL(page.url());
  assert.equal(landed.searchParams.get('error'), 'access_denied');
  assert.equal(landed.searchParams.get('state'), 'deny-state');
  assert.equal(landed.searchParams.get('code'), null);
  await context.close();
});
