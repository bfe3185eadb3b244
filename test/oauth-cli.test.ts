/**
 * OAuth from the command line, against real processes on one `--data` store:
 * `pinbox start --redirect-uri --password` prints what a local app needs,
 * `pinbox users create` and `pinbox apps create` change the store a running
 * pinbox serves, `pinbox token inspect` reads a token by URL or by file.
 * Then the store itself: no token, code, secret or password is kept in clear,
 * and none is written to the log.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from './harness.js';
import { dumpStore } from './backend.js';
import { labelled, runCli, startCli } from './cli.js';
import { authorize, postForm } from './oauth-flow.js';

const REDIRECT = 'http://127.0.0.1:9/dev-callback';
const OTHER_REDIRECT = 'http://localhost:9/other-app/callback';

test('start, users create, apps create, the OAuth flow and token inspect on one store; nothing in clear at rest or in the log', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-oauth-cli-'));
  const data = join(dir, 'pinbox.db');
  const secrets: string[] = [];
  const server = await startCli(['--port', '0', '--data', data, '--redirect-uri', REDIRECT, '--password', 'dev-password-1', '--log-level', 'info']);
  try {
    assert.match(server.banner, /user:\s+pinbox_dev/);
    assert.equal(labelled(server.banner, 'password'), 'dev-password-1');
    assert.equal(labelled(server.banner, 'redirect URIs'), REDIRECT);
    assert.match(server.banner, /\/oauth\/\?client_id=\d+&redirect_uri=http%3A%2F%2F127\.0\.0\.1%3A9%2Fdev-callback&response_type=code/);
    const devApp = { id: labelled(server.banner, 'app client id'), secret: labelled(server.banner, 'client secret') };
    secrets.push('dev-password-1', devApp.secret, labelled(server.banner, 'access token'));

    const user = await runCli(['users', 'create', '--data', data, '--username', 'carol', '--password', 'carol-password-9', '--account-type', 'business']);
    assert.equal(user.code, 0, user.stderr);
    assert.match(user.stdout, /user:\s+carol/);
    secrets.push('carol-password-9');
    const duplicate = await runCli(['users', 'create', '--data', data, '--username', 'carol']);
    assert.equal(duplicate.code, 1);
    assert.match(duplicate.stderr, /taken/);

    const made = await runCli(['apps', 'create', '--data', data, '--name', 'Carol’s scheduler', '--redirect-uri', OTHER_REDIRECT, '--tier', 'standard']);
    assert.equal(made.code, 0, made.stderr);
    const otherApp = { id: labelled(made.stdout, 'client id'), secret: labelled(made.stdout, 'client secret') };
    assert.match(otherApp.secret, /^[0-9a-f]{40}$/);
    assert.notEqual(otherApp.id, devApp.id);
    secrets.push(otherApp.secret);
    const bad = await runCli(['apps', 'create', '--data', data, '--redirect-uri', 'not a url']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /redirect_uri/);
    const noData = await runCli(['apps', 'create', '--redirect-uri', OTHER_REDIRECT]);
    assert.equal(noData.code, 2);
    assert.match(noData.stderr, /--data FILE/);

    // The running server sees the new user and app at once.
    const api = new Client(server.url, null);
    const back = await authorize(server.url, { client_id: otherApp.id, redirect_uri: OTHER_REDIRECT, scope: 'user_accounts:read', state: 's1' }, {
      username: 'carol',
      password: 'carol-password-9',
    });
    const code = back.searchParams.get('code')!;
    secrets.push(code);
    const exchanged = await postForm(api, '/oauth/token', { grant_type: 'authorization_code', code, redirect_uri: OTHER_REDIRECT }, otherApp);
    assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
    secrets.push(exchanged.body.access_token, exchanged.body.refresh_token);
    const me = await api.withToken(exchanged.body.access_token).get('/user_account');
    assert.equal(me.body.username, 'carol');
    assert.equal(me.body.account_type, 'BUSINESS');
    // The dev app's code does not work for the other app's redirect URI.
    const devBack = await authorize(server.url, { client_id: devApp.id, redirect_uri: REDIRECT, scope: 'pins:read', state: 's2' }, {
      username: 'pinbox_dev',
      password: 'dev-password-1',
    });
    secrets.push(devBack.searchParams.get('code')!);

    // Asked over HTTP, the inspector answers the token's own app only.
    const appCredentials = ['--client-id', otherApp.id, '--client-secret', otherApp.secret];
    const anonymous = await runCli(['token', 'inspect', exchanged.body.access_token, '--url', server.url]);
    assert.equal(anonymous.code, 1);
    assert.match(anonymous.stderr, /answered 401: .*pass --client-id and --client-secret of the app the token was issued to/);
    const byUrl = await runCli(['token', 'inspect', exchanged.body.access_token, '--url', server.url, ...appCredentials]);
    assert.equal(byUrl.code, 0, byUrl.stderr);
    assert.match(byUrl.stdout, /active:\s+true/);
    assert.match(byUrl.stdout, /user:\s+carol \(id \d+\)/);
    assert.match(byUrl.stdout, new RegExp(`app:\\s+Carol’s scheduler \\(client id ${otherApp.id}\\)`));
    assert.match(byUrl.stdout, /scopes:\s+user_accounts:read/);
    assert.match(byUrl.stdout, /expires at:\s+\d{4}-\d\d-\d\dT/);
    const byFile = await runCli(['token', 'inspect', exchanged.body.refresh_token, '--data', data]);
    assert.equal(byFile.code, 0, byFile.stderr);
    assert.match(byFile.stdout, /type:\s+refresh_token/);
    const foreign = await runCli(['token', 'inspect', exchanged.body.access_token, '--url', server.url, '--client-id', devApp.id, '--client-secret', devApp.secret]);
    assert.equal(foreign.code, 1);
    assert.match(foreign.stdout, /active:\s+false/);
    const unknown = await runCli(['token', 'inspect', 'pina_UNKNOWN', '--url', server.url, ...appCredentials]);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stdout, /active:\s+false/);

    // Tokens, codes, secrets and passwords: hashed at rest.
    const dump = await dumpStore(data);
    assert.match(dump, /scrypt\$/, 'passwords are stored as scrypt hashes');
    for (const secret of secrets) assert.ok(!dump.includes(secret), `the store holds '${secret.slice(0, 12)}…' in clear`);
    // The request log names requests, never their credentials.
    const log = server.output().slice(server.banner.length);
    assert.match(log, /"url":"\/v5\/oauth\/token"/);
    for (const secret of secrets) assert.ok(!log.includes(secret), `the log holds '${secret.slice(0, 12)}…'`);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});
