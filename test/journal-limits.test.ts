/**
 * The journal with bodies on, against what a caller can send: bodies nested
 * thousands of levels deep, bodies sent in chunks with no size given, and
 * credentials under every name and in every place a call carries them. Reading the
 * journal answers 200 whatever was journaled, within its bounds, and no secret
 * value appears anywhere in its answer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { unique, useServer } from './harness.js';
import { ControlClient } from './control.js';
import { PageSession, authorizePath, formFields, hiddenValue, pkcePair, postForm, signIn } from './oauth-flow.js';
import { uploadFile } from './videos.js';

const PASSWORD = 'journal-limits-password';
const REDIRECT_URI = 'http://127.0.0.1:9/journal-callback';
const server = useServer({ journal: { bodies: true, size: 1000 }, password: PASSWORD, redirectUris: [REDIRECT_URI] });
const control = () => new ControlClient(server().pinbox.url, server().pinbox.adminKey);

/** The journal's whole answer as text, as a client of `/_pinbox/journal` gets it. */
async function journalText(query = 'limit=1000'): Promise<{ status: number; text: string }> {
  const { pinbox } = server();
  const response = await fetch(`${pinbox.url}/_pinbox/journal?${query}`, { headers: { 'x-pinbox-admin-key': pinbox.adminKey } });
  return { status: response.status, text: await response.text() };
}

const nested = (levels: number, open: string, inner: string, close: string) => open.repeat(levels) + inner + close.repeat(levels);

test('a body nested 5,000 levels deep is journaled to 32 levels, and the journal still answers', async () => {
  const { pinbox } = server();
  await control().ok('DELETE', '/journal');
  // Unauthenticated, to the one JSON endpoint that parses a body for anyone.
  const anonymous = await fetch(`${pinbox.url}/oauth/introspect`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: nested(5000, '[', '', ']') });
  assert.ok(anonymous.status < 500, `introspect answered ${anonymous.status}`);
  const objects = await fetch(`${pinbox.url}/v5/boards`, {
    method: 'POST',
    headers: { authorization: `Bearer ${pinbox.token}`, 'content-type': 'application/json' },
    body: nested(5000, '{"a":', '1', '}'),
  });
  assert.equal(objects.status, 400);

  const read = await journalText();
  assert.equal(read.status, 200, read.text.slice(0, 300));
  const entry = JSON.parse(read.text).items.find((e: { path: string; status: number }) => e.path === '/v5/boards' && e.status === 400);
  assert.ok(entry, 'the deep call is journaled');
  let level = entry.request_body;
  for (let i = 0; i < 32; i++) {
    assert.equal(typeof level, 'object', `level ${i} is kept`);
    level = level.a;
  }
  assert.equal(level, '[depth limit]', 'the 33rd level is a marker');
  assert.equal((await journalText('path=/oauth/introspect')).status, 200);
});

test('a body sent in chunks, with no size given, is journaled within 64 KiB', async () => {
  const { pinbox } = server();
  await control().ok('DELETE', '/journal');
  const chunked = (value: unknown) => {
    const text = JSON.stringify(value);
    return fetch(`${pinbox.url}/v5/boards`, {
      method: 'POST',
      headers: { authorization: `Bearer ${pinbox.token}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let at = 0; at < text.length; at += 65_536) controller.enqueue(new TextEncoder().encode(text.slice(at, at + 65_536)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
  };
  const longText = unique('long');
  assert.equal((await chunked({ name: longText, description: 'x'.repeat(1_000_000) })).status, 400);
  const manyName = unique('many');
  assert.equal((await chunked({ name: manyName, items: Array.from({ length: 200_000 }, (_, i) => i) })).status, 201);

  const items = JSON.parse((await journalText('path=/v5/boards&method=POST')).text).items as { request_body: any; request_headers: Record<string, string> }[];
  const long = items.find((e) => e.request_body?.name === longText)!;
  assert.ok(long, 'the long body is journaled');
  assert.equal(long.request_headers['transfer-encoding'], 'chunked');
  assert.ok(JSON.stringify(long.request_body).length < 70_000, `kept ${JSON.stringify(long.request_body).length} characters`);
  assert.match(long.request_body.description, /…\[\d+ more characters\]$/);
  const many = items.find((e) => e.request_body?.name === manyName)!;
  assert.ok(JSON.stringify(many.request_body).length < 70_000, `kept ${JSON.stringify(many.request_body).length} characters`);
  assert.match(many.request_body.items.at(-1), /^\[\d+ more items\]$/);
});

test('credentials are hidden whatever their type and depth, in headers, queries, JSON, forms, upload forms and the OAuth pages', async () => {
  const { pinbox, api } = server();
  await control().ok('DELETE', '/journal');
  const secrets: string[] = [];
  const secret = (label: string) => {
    const value = `pbdsecret${label}${randomBytes(6).toString('hex')}`;
    secrets.push(value);
    return value;
  };
  const secretNumber = 900_000_000_000 + Math.floor(Math.random() * 99_999_999);
  secrets.push(String(secretNumber));

  // JSON: a secret name over an object, an array, a number, past 20 levels, and the new names.
  let deepest: Record<string, unknown> = { token: secret('deep') };
  for (let i = 0; i < 25; i++) deepest = { level: deepest };
  const created = await api.post('/boards', {
    name: unique('secrets'),
    client_secret: { v: secret('object') },
    access_token: [secret('array')],
    password: secretNumber,
    nested: deepest,
    conversion_token: secret('conversion'),
    csrf: secret('csrfjson'),
    'x-amz-signature': secret('signature'),
    refresh_token_expires_in: 5_184_000,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));

  // A query string and headers.
  const listed = await fetch(`${pinbox.url}/v5/boards?access_token=${secret('query')}&client_secret=${secret('queryclient')}&conversion_token=${secret('queryconversion')}`, {
    headers: { authorization: `Bearer ${pinbox.token}`, 'x-csrf-token': secret('header'), 'x-api-key': secret('apikey'), cookie: `a=${secret('cookie')}` },
  });
  assert.equal(listed.status, 200);

  // An upload form: its policy, signature and session token come back from POST /v5/media.
  const registered = await api.post('/media', { media_type: 'video' });
  assert.equal(registered.status, 201, JSON.stringify(registered.body));
  const parameters = registered.body.upload_parameters as Record<string, string>;
  for (const name of ['policy', 'x-amz-signature', 'x-amz-security-token']) secrets.push(parameters[name]);
  await uploadFile(registered.body.upload_url, parameters, Buffer.from('not a video'));

  // The OAuth pages: the CSRF token in the HTML and in the posted form, the password,
  // then the code exchanged with its verifier for tokens.
  const { app } = pinbox.identity;
  const pkce = pkcePair();
  secrets.push(pkce.verifier, PASSWORD, app.secret!);
  const params = { client_id: app.id, redirect_uri: REDIRECT_URI, scope: 'boards:read', state: 'journal', code_challenge: pkce.challenge, code_challenge_method: 'S256' };
  const session = new PageSession(pinbox.url);
  const signInPage = await session.request('GET', authorizePath(params));
  secrets.push(hiddenValue(signInPage.html, 'csrf'));
  const consent = await signIn(session, params, pinbox.identity.user.username, PASSWORD);
  const consentFields = formFields(consent.html, '/oauth/authorize');
  secrets.push(consentFields.csrf);
  const allowed = await session.request('POST', '/oauth/authorize', { ...consentFields, decision: 'allow' });
  const code = new URL(allowed.location!).searchParams.get('code')!;
  secrets.push(code);
  const tokens = await postForm(api, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: pkce.verifier }, { id: app.id, secret: app.secret! });
  assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
  secrets.push(tokens.body.access_token, tokens.body.refresh_token);
  // A form with the secret in the body (client_secret_post) beside a refresh token.
  const refreshed = await postForm(api, '/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token, client_secret: app.secret!, code_verifier: pkce.verifier }, { id: app.id, secret: app.secret! });
  assert.ok(refreshed.status === 200 || refreshed.status === 400, JSON.stringify(refreshed.body));
  if (refreshed.body.access_token) secrets.push(refreshed.body.access_token, refreshed.body.refresh_token);

  assert.equal((await api.get('/boards/1')).status, 404);

  const read = await journalText();
  assert.equal(read.status, 200);
  for (const value of secrets) assert.ok(!read.text.includes(value), `the journal shows ${value.slice(0, 40)}`);
  // What is shown around them: the markers, the non-secret neighbours.
  const items = JSON.parse(read.text).items as any[];
  const board = items.find((e) => e.path === '/v5/boards' && e.method === 'POST');
  assert.deepEqual(
    { client_secret: board.request_body.client_secret, access_token: board.request_body.access_token, password: board.request_body.password, csrf: board.request_body.csrf },
    { client_secret: '[redacted]', access_token: '[redacted]', password: '[redacted]', csrf: '[redacted]' },
  );
  assert.equal(board.request_body.refresh_token_expires_in, 5_184_000, 'a name that only starts like a secret is shown');
  const media = items.find((e) => e.path === '/v5/media' && e.method === 'POST');
  assert.equal(media.response_body.upload_parameters['x-amz-signature'], '[redacted]');
  assert.equal(media.response_body.upload_parameters['x-amz-credential'], parameters['x-amz-credential'], 'the credential names the signer and is shown');
  const page = items.find((e) => e.path === '/oauth/' && e.method === 'GET');
  assert.match(page.response_body, /name="csrf" value="\[redacted\]"/);
  const login = items.find((e) => e.path === '/oauth/login');
  assert.equal(login.request_body.csrf, '[redacted]');
  assert.equal(login.request_body.username, pinbox.identity.user.username);
  // Pinterest's numeric error code stays visible.
  const missing = items.find((e) => e.path === '/v5/boards/1');
  assert.deepEqual(missing.response_body, { code: 40, message: 'Board not found.' });
});
