/**
 * The log: one JSON object a line, every key once at every level (strict JSON log
 * pipelines reject a repeated key, which JSON.parse silently resolves), and no token,
 * secret, password or code in any line — through successful calls, refusals from
 * every layer, the OAuth flow and the control plane.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startPinbox, type Pinbox } from '../src/index.js';
import { dropSchema, onTestBackend } from './backend.js';
import { authorize, basic, pkcePair } from './oauth-flow.js';
import { rawHttp, rawRequest } from './raw-http.js';

const CLIENT_SECRET = 'logs-client-secret-0123456789abcdef012345';
const PASSWORD = 'logs-password-correct-horse';
const ADMIN_KEY = 'pinbox_admin_logs_0123456789abcdef';
const REDIRECT_URI = 'http://127.0.0.1:9/callback';

let pinbox: Pinbox;
let schema: string | undefined;
const lines: string[] = [];
/** Every secret the calls below send or receive; none may reach the log. */
const secrets: string[] = [CLIENT_SECRET, PASSWORD, ADMIN_KEY];

before(async () => {
  let pending = '';
  const options = {
    logLevel: 'info',
    logStream: {
      write(chunk: string) {
        pending += chunk;
        let end: number;
        while ((end = pending.indexOf('\n')) >= 0) {
          lines.push(pending.slice(0, end));
          pending = pending.slice(end + 1);
        }
      },
    },
    clientSecret: CLIENT_SECRET,
    password: PASSWORD,
    adminKey: ADMIN_KEY,
    redirectUris: [REDIRECT_URI],
    requestTimeoutMs: 300,
  };
  const { schema: onSchema, ...onBackend } = onTestBackend(options);
  schema = onSchema;
  pinbox = await startPinbox(onBackend);
  secrets.push(pinbox.token);
});

after(async () => {
  await pinbox?.close();
  if (schema) await dropSchema(schema);
});

/**
 * The keys of every object in a JSON text that appear more than once in that object,
 * found by a small tokenizer (JSON.parse keeps the last and says nothing).
 * @example duplicateKeys('{"a":1,"a":2}') // ['a']
 */
function duplicateKeys(text: string): string[] {
  let at = 0;
  const duplicates: string[] = [];
  const space = () => {
    while (/\s/.test(text[at] ?? '')) at++;
  };
  const string = (): string => {
    const start = at;
    at++; // "
    while (text[at] !== '"') at += text[at] === '\\' ? 2 : 1;
    at++;
    return JSON.parse(text.slice(start, at)) as string;
  };
  const value = (): void => {
    space();
    const c = text[at];
    if (c === '{') {
      at++;
      const keys = new Set<string>();
      space();
      if (text[at] === '}') return void at++;
      for (;;) {
        space();
        const key = string();
        if (keys.has(key)) duplicates.push(key);
        keys.add(key);
        space();
        at++; // :
        value();
        space();
        if (text[at++] === '}') return;
      }
    }
    if (c === '[') {
      at++;
      space();
      if (text[at] === ']') return void at++;
      for (;;) {
        value();
        space();
        if (text[at++] === ']') return;
      }
    }
    if (c === '"') return void string();
    while (at < text.length && !/[,\]}\s]/.test(text[at])) at++;
  };
  value();
  return duplicates;
}

test('the duplicate-key scanner finds what JSON.parse hides', () => {
  assert.deepEqual(duplicateKeys('{"rid":"1","msg":"x","rid":"1"}'), ['rid']);
  assert.deepEqual(duplicateKeys('{"a":{"b":1,"b":[{"c":1},{"c":2}]},"d":"\\"}"}'), ['b']);
  assert.deepEqual(duplicateKeys('{"a":1,"b":{"a":2}}'), []);
});

test('every log line is one JSON object with each key once, and holds no secret', async () => {
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${pinbox.url}${path}`, { ...init, headers: { authorization: `Bearer ${pinbox.token}`, ...(init.headers as Record<string, string>) } });
  const raw = (data: string) => rawHttp(pinbox.url, data);

  // Calls that succeed, and refusals from every layer.
  assert.equal((await api('/v5/user_account')).status, 200);
  assert.equal((await api('/v5/boards', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":' })).status, 400);
  assert.equal((await api('/v5/no/such/thing')).status, 404);
  assert.equal((await api('/v5/boards', { method: 'PUT' })).status, 405);
  assert.equal((await raw(rawRequest('GET', '/v5/pins/%ZZ', { Authorization: `Bearer ${pinbox.token}` }))).status, 400);
  assert.equal((await raw(rawRequest('GET', `/v5/pins/${'1'.repeat(2_000)}`))).status, 414);
  assert.equal((await raw(rawRequest('GET', '/v5/boards', { 'Bad Header': 'x' }))).status, 400);
  assert.equal((await raw(rawRequest('GET', '/v5/boards', { 'X-Padding': 'a'.repeat(20_000) }))).status, 431);
  const truncated = rawRequest('POST', '/v5/boards', { Authorization: `Bearer ${pinbox.token}`, 'Content-Type': 'application/json', 'Content-Length': '100' }, '{"name":');
  assert.equal((await raw(truncated)).status, 408);
  assert.equal((await raw(rawRequest('GET', '/v5/user_account', { Authorization: [`Bearer ${pinbox.token}`, `Bearer ${pinbox.token}`] }))).status, 401);
  assert.equal((await raw(rawRequest('GET', '/oauth/%ZZ'))).status, 400);

  // The OAuth flow: a password, a client secret, a code and its verifier, tokens.
  const { verifier, challenge } = pkcePair();
  const params = { client_id: pinbox.identity.app.id, redirect_uri: REDIRECT_URI, scope: 'boards:read,user_accounts:read', state: 'st', code_challenge: challenge, code_challenge_method: 'S256' };
  const back = await authorize(pinbox.url, params, { username: pinbox.identity.user.username, password: PASSWORD });
  const code = back.searchParams.get('code')!;
  assert.ok(code);
  secrets.push(code, verifier, basic(pinbox.identity.app.id, CLIENT_SECRET).replace(/^Basic /, ''));
  const form = (path: string, fields: Record<string, string>, authorization = basic(pinbox.identity.app.id, CLIENT_SECRET)) =>
    fetch(`${pinbox.url}${path}`, { method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  const exchanged = await form('/v5/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier });
  assert.equal(exchanged.status, 200);
  const tokens = (await exchanged.json()) as { access_token: string; refresh_token: string };
  secrets.push(tokens.access_token, tokens.refresh_token);
  const refreshed = await form('/v5/oauth/token', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token });
  assert.equal(refreshed.status, 200);
  const renewed = (await refreshed.json()) as { access_token: string; refresh_token: string };
  secrets.push(renewed.access_token, renewed.refresh_token);
  assert.equal((await form('/v5/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier })).status, 400);
  assert.equal((await form('/v5/oauth/token', { grant_type: 'client_credentials', scope: 'boards:read' }, basic(pinbox.identity.app.id, 'wrong-secret'))).status, 401);
  assert.equal((await form('/oauth/introspect', { token: renewed.access_token })).status, 200);
  assert.equal((await form('/v5/oauth/token/revoke', { token: renewed.refresh_token })).status, 200);

  // The control plane, with the key and with a wrong one.
  assert.equal((await fetch(`${pinbox.url}/_pinbox/clock`, { headers: { 'x-pinbox-admin-key': ADMIN_KEY } })).status, 200);
  assert.equal((await fetch(`${pinbox.url}/_pinbox/clock`, { headers: { 'x-pinbox-admin-key': 'wrong' } })).status, 401);

  // Log lines are written as calls end; the last one has been by the time the next starts.
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.ok(lines.length > 20, `only ${lines.length} log lines`);
  const statuses = new Set<unknown>();
  let requestLines = 0;
  for (const line of lines) {
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.equal(typeof entry, 'object', line);
    assert.deepEqual(duplicateKeys(line), [], `a key repeats in: ${line}`);
    for (const secret of secrets) assert.ok(!line.includes(secret), `a secret (${secret.slice(0, 6)}...) is in: ${line}`);
    if (entry.msg === 'request') {
      requestLines++;
      statuses.add(entry.status);
      assert.match(String(entry.rid), /^\d+$/, line);
      assert.equal(typeof entry.status, 'number', line);
    }
    assert.ok(typeof entry.level === 'number' && entry.level < 50, `an error was logged: ${line}`);
  }
  assert.ok(requestLines >= 20, `only ${requestLines} request lines`);
  // Refusals from below the routes (the router, Node's parser, the idle time-out) are logged too.
  for (const status of [200, 303, 400, 401, 404, 405, 408, 414, 431]) assert.ok(statuses.has(status), `no request line with status ${status}`);
});

test('pinbox start --log-format pretty prints pino-pretty\'s readable lines, secrets still redacted; JSON is the default off a terminal', async () => {
  const { startCli } = await import('./cli.js');
  const token = 'pina_PRETTYLOGTOKEN0000000000000000';
  for (const format of ['pretty', undefined]) {
    const server = await startCli(['--port', '0', '--token', token, '--log-level', 'info', ...(format ? ['--log-format', format] : [])]);
    try {
      const response = await fetch(`${server.url}/v5/user_account?x=1`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200);
      // The log line is written when the response has gone; give the pipe a moment.
      for (let i = 0; i < 50 && !/request/.test(server.output().slice(server.banner.length)); i++) await new Promise((r) => setTimeout(r, 50));
      const log = server.output().slice(server.banner.length);
      const lines = log.split('\n').filter((line) => line.includes('request'));
      assert.ok(lines.length > 0, `a request line was logged: ${log}`);
      if (format === 'pretty') {
        assert.match(lines[0], /INFO.*request/);
        assert.throws(() => JSON.parse(lines[0]), 'pretty lines are not JSON');
      } else {
        assert.equal(JSON.parse(lines[0]).msg, 'request');
      }
      assert.ok(!log.includes(token), 'the token is never logged');
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  }
});
