/**
 * The control plane from the command line, against a real `pinbox start` process:
 * `--seed` and `--admin-key` on start, then `pinbox ctl` (clock, reset, seed,
 * snapshot, faults, journal) and `pinbox logs -f`, and the refusals of a wrong
 * admin key and of an API token.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client, walk } from './harness.js';
import { CLI_PATH, labelled, runCli, startCli } from './cli.js';
import { rawApi } from './control.js';
import { makeVideo, uploadFile } from './videos.js';

const ADMIN_KEY = 'test-admin-key-0123456789';
const SALAD = fileURLToPath(new URL('../docs/greek-salad.png', import.meta.url));

test('pinbox start --seed, then pinbox ctl: clock, reset, seed, snapshot, faults, journal; logs -f; refusals', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-ctl-'));
  copyFileSync(SALAD, join(dir, 'salad.png'));
  const fixture = join(dir, 'fixture.json');
  writeFileSync(
    fixture,
    JSON.stringify({
      users: [{ username: 'dana' }],
      tokens: [{ user: 'dana', token: 'pina_dana_token_000000001' }],
      boards: [{ owner: 'dana', name: 'Kitchen', sections: ['Salads'] }],
      pins: [{ board: 'dana/Kitchen', section: 'Salads', title: 'Salad', image_file: 'salad.png' }],
    }),
  );
  const bad = join(dir, 'bad.json');
  writeFileSync(bad, JSON.stringify({ users: [{ username: 'erin' }], boards: [{ owner: 'erin', name: 'A' }, { owner: 'erin', name: 'A' }] }));

  const server = await startCli(['--port', '0', '--seed', fixture, '--admin-key', ADMIN_KEY]);
  const ctl = (...args: string[]) => runCli(['ctl', ...args, '--url', server.url, '--admin-key', ADMIN_KEY]);
  try {
    assert.equal(labelled(server.banner, 'admin key'), ADMIN_KEY);
    assert.match(server.banner, /seeded:\s+\S+fixture\.json \(1 users, 1 boards, 1 Pins\)/);
    assert.equal(labelled(server.banner, 'token of dana'), 'pina_dana_token_000000001');
    const dana = new Client(server.url, 'pina_dana_token_000000001');
    const dev = new Client(server.url, labelled(server.banner, 'access token'));
    const [kitchen] = await walk(dana, '/boards');
    assert.equal(kitchen.pin_count, 1);

    // Refusals: a wrong key, an API token as the key.
    const wrong = await runCli(['ctl', 'clock', '--url', server.url, '--admin-key', 'nope']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /401: Wrong admin key/);
    const apiToken = await runCli(['ctl', 'clock', '--url', server.url, '--admin-key', dev.token!]);
    assert.equal(apiToken.code, 1);
    assert.match(apiToken.stderr, /403: .*does not take API access tokens/);

    // The journal: dana's call, her token redacted.
    const journal = await ctl('journal', '--path', '/v5/boards', '--json');
    assert.equal(journal.code, 0, journal.stderr);
    const entries = journal.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.ok(entries.some((e) => e.path === '/v5/boards' && e.status === 200 && e.rate_limit_category === 'org_read'));
    assert.ok(!journal.stdout.includes('pina_dana_token_000000001'));

    // logs -f follows new calls.
    const follower = spawn(process.execPath, [CLI_PATH, 'logs', '-f', '--path', '/v5/user_account', '--url', server.url, '--admin-key', ADMIN_KEY], { stdio: ['ignore', 'pipe', 'pipe'] });
    let followed = '';
    follower.stdout.on('data', (chunk) => (followed += chunk));
    // It says so on stderr once the stream is open; calls from then on are printed as they end.
    await new Promise<void>((resolve, reject) => {
      follower.stderr.on('data', (chunk) => String(chunk).includes('following the journal') && resolve());
      follower.on('exit', (code) => reject(new Error(`pinbox logs -f exited (${code})`)));
    });
    assert.equal(followed, '', 'no earlier call matched the filter');
    await dana.get('/user_account');
    await new Promise<void>((resolve) => {
      const check = () => (/GET \/v5\/user_account 200 \S+ms app=\d+ user=dana org_read left=\d+/.test(followed) ? resolve() : follower.stdout.once('data', check));
      check();
    });
    follower.kill();

    // Faults: exactly one 503, then normal answers.
    const added = await ctl('faults', 'add', '--path', '/boards', '--method', 'GET', '--status', '503', '--times', '1', '--json');
    assert.equal(added.code, 0, added.stderr);
    const rule = JSON.parse(added.stdout);
    assert.equal((await rawApi(server.url, dana.token!, 'GET', '/boards')).status, 503);
    assert.equal((await rawApi(server.url, dana.token!, 'GET', '/boards')).status, 200);
    assert.equal(JSON.parse((await ctl('faults', '--json')).stdout).items[0].fired, 1);
    // Without --json, a line a person reads.
    assert.match((await ctl('faults')).stdout, new RegExp(`^${rule.id}  GET /boards: answer 503, 0 left; fired 1\n$`));
    assert.equal((await ctl('faults', 'remove', rule.id)).code, 0);
    assert.deepEqual(JSON.parse((await ctl('faults', '--json')).stdout).items, []);
    assert.equal((await ctl('faults')).stdout, 'no fault rules\n');

    // Snapshot save, reset (empty lists), snapshot load (back).
    const file = join(dir, 'snapshot.json');
    assert.equal((await ctl('snapshot', 'save', file)).code, 0);
    assert.equal(JSON.parse(readFileSync(file, 'utf8')).format, 'pinbox-snapshot');
    const reset = await ctl('reset');
    assert.equal(reset.code, 0, reset.stderr);
    assert.deepEqual(await walk(dev, '/boards'), []);
    assert.equal((await dana.get('/boards')).status, 401, 'dana and her token went with the reset');
    const load = await ctl('snapshot', 'load', file);
    assert.equal(load.code, 0, load.stderr);
    assert.deepEqual((await walk(dana, '/boards')).map((b) => b.id), [kitchen.id]);

    // Seed: a bad file names the path and loads nothing; a good one loads.
    const refused = await ctl('seed', bad);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /'boards\[1\]\.name'/);
    const erin = await ctl('reset', '--user', 'erin');
    assert.match(erin.stderr, /User 'erin' not found/, 'the bad fixture made no user');
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ users: [{ username: 'fay' }], tokens: [{ user: 'fay', scopes: ['boards:read'] }], boards: [{ owner: 'fay', name: 'Garden' }] }));
    const seeded = await ctl('seed', good, '--json');
    assert.equal(seeded.code, 0, seeded.stderr);
    const fay = new Client(server.url, JSON.parse(seeded.stdout).tokens[0].token);
    assert.deepEqual((await walk(fay, '/boards')).map((b) => b.name), ['Garden']);
    assert.equal((await ctl('reset', '--user', 'dana')).code, 0);
    assert.deepEqual(await walk(dana, '/boards'), []);

    // The clock: a video upload still processing finishes, and dana's token (30
    // days) expires, when the clock moves 31 days.
    const frozen = await ctl('clock', 'freeze');
    assert.equal(frozen.code, 0, frozen.stderr);
    const upload = (await dana.post('/media', { media_type: 'video' })).body;
    const sent = await uploadFile(upload.upload_url, upload.upload_parameters, await makeVideo({ segments: [{ color: 'olive', seconds: 4 }] }));
    assert.equal(sent.status, 204, sent.text);
    assert.equal((await dana.get(`/media/${upload.media_id}`)).body.status, 'processing');
    assert.equal((await ctl('clock', 'advance', '5s')).code, 0);
    assert.equal((await dana.get(`/media/${upload.media_id}`)).body.status, 'succeeded');
    const advanced = await ctl('clock', 'advance', '31d');
    assert.equal(advanced.code, 0, advanced.stderr);
    assert.match(advanced.stdout, /^clock: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(\d+ ms\), frozen\n$/);
    assert.equal(typeof JSON.parse((await ctl('clock', '--json')).stdout).now, 'number');
    assert.equal((await dana.get('/user_account')).status, 401);
    const usage = await ctl('clock', 'advance');
    assert.equal(usage.code, 2);
    // One line naming the mistake, then the command's own synopsis.
    assert.deepEqual(usage.stderr.trim().split('\n').slice(0, 2), [
      'pinbox ctl clock: clock advance needs a DURATION',
      'usage: pinbox ctl clock [show | freeze [AT] | unfreeze | advance DURATION | set AT] [--url URL] [--admin-key KEY]',
    ]);
    assert.ok(existsSync(file));
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
});
