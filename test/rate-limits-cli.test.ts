/**
 * Rate limits and access tiers from the command line, against real processes:
 * `--rate-limit` and `--rate-limits-file` change limits (flags win over the file),
 * `apps create --tier trial` makes an app that may not create Pins in production,
 * and `apps update --sandbox` on the store of a running pinbox lets it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, assertError } from './harness.js';
import { labelled, runCli, startCli } from './cli.js';
import { imageUrlSource } from './images.js';
import { postForm } from './oauth-flow.js';

test('--rate-limit and --rate-limits-file set limits; a trial app created by the CLI may create Pins once apps update puts it in sandbox mode', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-rate-cli-'));
  const data = join(dir, 'pinbox.db');
  const file = join(dir, 'limits.json');
  writeFileSync(file, JSON.stringify({ org_write: '9/minute', org_read: '4/minute' }));
  const server = await startCli(['--port', '0', '--data', data, '--rate-limits-file', file, '--rate-limit', 'org_write=2/minute']);
  try {
    assert.match(server.banner, /rate limits:\s+each app's access tier .*changed: org_write=2\/minute, org_read=4\/minute/);
    const dev = new Client(server.url, labelled(server.banner, 'access token'), true);

    const board = await dev.post('/boards', { name: 'first' });
    assert.equal(board.status, 201);
    assert.equal(board.headers.get('x-ratelimit-limit'), '2, 100;w=1, 2;w=60');
    assert.equal((await dev.post('/boards', { name: 'second' })).status, 201);
    const refused = await dev.post('/boards', { name: 'third' });
    assertError(refused, 429, 8);
    assert.ok(Number(refused.headers.get('retry-after')) >= 1);
    for (let i = 0; i < 4; i++) assert.equal((await dev.get('/user_account')).status, 200);
    assertError(await dev.get('/user_account'), 429, 8);

    const made = await runCli(['apps', 'create', '--data', data, '--name', 'trial scheduler', '--tier', 'trial']);
    assert.equal(made.code, 0, made.stderr);
    assert.match(made.stdout, /tier:\s+trial\nenvironment:\s+production/);
    const app = { id: labelled(made.stdout, 'client id'), secret: labelled(made.stdout, 'client secret') };
    const granted = await postForm(dev, '/oauth/token', { grant_type: 'client_credentials', scope: 'boards:read,boards:write,pins:read,pins:write' }, app);
    assert.equal(granted.status, 200, JSON.stringify(granted.body));
    const trial = dev.withToken(granted.body.access_token);
    const pin = { board_id: board.body.id, media_source: await imageUrlSource() };
    assertError(await trial.post('/pins', pin), 403, 29);

    const updated = await runCli(['apps', 'update', app.id, '--sandbox', '--data', data]);
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /environment:\s+sandbox/);
    // The running pinbox drops what it cached of the store as soon as another process changed it.
    const created = await trial.post('/pins', pin);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.headers.get('x-ratelimit-limit'), '2, 2;w=60', 'trial limits with the override');
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad rate-limit settings stop the CLI with a message naming them', async () => {
  const bad = await runCli(['start', '--port', '0', '--rate-limit', 'org_write=lots']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /rate limit 'org_write=lots': the limit must look like 5\/minute/);
  const mode = await runCli(['start', '--port', '0', '--rate-limits', 'sometimes']);
  assert.equal(mode.code, 1);
  assert.match(mode.stderr, /--rate-limits must be one of off, app, trial, standard, got 'sometimes'/);
  const noFile = await runCli(['start', '--port', '0', '--rate-limits-file', '/nonexistent/limits.json']);
  assert.equal(noFile.code, 1);
  assert.match(noFile.stderr, /--rate-limits-file \/nonexistent\/limits\.json: ENOENT/);
  const tier = await runCli(['apps', 'update', '1500001', '--tier', 'gold', '--data', '/nonexistent/pinbox.db']);
  assert.equal(tier.code, 2);
  assert.match(tier.stderr, /--tier must be trial or standard/);
});
