/**
 * The README's shell blocks run as written, in order, in one bash session, against
 * real pinbox processes (and, for team mode, PostgreSQL and Redis), with no network
 * but the loopback. What a person would do by hand is done the same way: the browser
 * step of the OAuth walk-through by Chromium, and its `read` answered with the code.
 * Only these are adapted, so runs on one machine stay apart: the ports the README
 * names become free ones, team mode's database URL names this run's schema, and the
 * commands run in a temporary copy of the checkout (its files and build, the installed
 * packages linked), so nothing is written into the checkout. The two set-up commands at the top are what runs this suite.
 * curl fails on an HTTP error (a `.curlrc` with `fail-with-body`), as do the commands
 * themselves: a failing line stops the session and fails the test, naming the block.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { databaseUrlFor, TEST_BACKEND, TEST_SCHEMA_PREFIX } from './backend.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** The set-up commands: the ones that install and run this very suite. */
const SETUP = new Set(['npm ci && npm start', 'npm ci && npm test']);
/** The ports the README names, each given a free one. */
const README_PORTS = [3000, 3001, 3002, 3003, 3100, 3200, 3300];
const BLOCK_TIMEOUT_MS = 120_000;

interface Block {
  line: number;
  code: string;
}

function shellBlocks(markdown: string): Block[] {
  const blocks: Block[] = [];
  for (const match of markdown.matchAll(/^```sh\n([\s\S]*?)^```/gm)) {
    blocks.push({ line: markdown.slice(0, match.index).split('\n').length, code: match[1] });
  }
  return blocks;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Signs in on the authorize page a block printed and allows; returns the code the browser was sent back with. */
async function authorizeInBrowser(url: string, username: string, password: string): Promise<string> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'] });
  try {
    const page = await browser.newPage();
    await page.goto(url);
    await page.fill('#username', username);
    await page.fill('#password', password);
    await page.click('#sign-in');
    // Nothing listens on the redirect URI, as the README says: the code is read from the address the browser was sent to.
    const [sent] = await Promise.all([page.waitForEvent('request', (r) => r.url().startsWith('http://127.0.0.1:8080/')), page.click('#allow')]);
    const landed = new URL(sent.url());
    const code = landed.searchParams.get('code');
    assert.ok(code, `the redirect carries a code: ${landed}`);
    return code;
  } finally {
    await browser.close();
  }
}

test('every shell block of the README runs as written', { skip: TEST_BACKEND === 'postgres' ? false : 'runs in the PostgreSQL + Redis pass (team mode needs both)', timeout: 600_000 }, async () => {
  assert.ok(existsSync(join(ROOT, 'dist/cli/main.js')), 'the CLI is built (npm test builds it)');
  const blocks = shellBlocks(README).filter((block) => !SETUP.has(block.code.trim()));
  assert.ok(blocks.length >= 10, `the README has its shell blocks (${blocks.length})`);

  // A copy of the checkout (its files, the build), with the installed packages linked: what a clone looks like after the set-up command.
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-readme-'));
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const file of files) if (existsSync(join(ROOT, file))) cpSync(join(ROOT, file), join(dir, file));
  cpSync(join(ROOT, 'dist'), join(dir, 'dist'), { recursive: true });
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(join(dir, '.curlrc'), 'fail-with-body\nmax-time = 60\n');
  const ports = new Map<number, number>();
  for (const port of README_PORTS) ports.set(port, await freePort());
  const teamUrl = 'postgres://127.0.0.1:5432/pinbox?schema=team_sandbox';
  const adapt = (code: string) =>
    code
      .replaceAll(teamUrl, databaseUrlFor(`${TEST_SCHEMA_PREFIX}readme_team`))
      .replace(/\b(3000|3001|3002|3003|3100|3200|3300)\b/g, (port) => String(ports.get(Number(port))));
  mkdirSync(join(dir, '.blocks'));

  const shell = spawn('bash', ['--noprofile', '--norc', '-s'], {
    cwd: dir,
    detached: true, // its own process group: every pinbox it started is stopped with it
    env: { ...process.env, HOME: dir, CURL_HOME: dir, PORT: String(ports.get(3000)), PINBOX_LOG_LEVEL: 'warn', npm_config_update_notifier: 'false' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  shell.stdout!.on('data', (chunk) => (output += chunk));
  shell.stderr!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => shell.on('exit', (code) => resolve(code)));
  const send = (text: string) => shell.stdin!.write(text);
  const waitFor = async (marker: string, block: Block) => {
    const deadline = Date.now() + BLOCK_TIMEOUT_MS;
    while (!output.includes(marker)) {
      const done = await Promise.race([exited.then((code) => ({ code })), new Promise((resolve) => setTimeout(resolve, 100))]);
      if (done && typeof done === 'object') assert.fail(`README line ${block.line}: the shell stopped (exit ${(done as { code: number }).code}) in this block:\n${block.code}\n--- output:\n${output.slice(-4000)}`);
      if (Date.now() > deadline) assert.fail(`README line ${block.line}: no end after ${BLOCK_TIMEOUT_MS} ms:\n${block.code}\n--- output:\n${output.slice(-4000)}`);
    }
  };

  try {
    // A failing command ends the session, as `set -e` does in a script.
    send('set -e\n');
    let previous = '';
    for (const [i, block] of blocks.entries()) {
      const file = join(dir, '.blocks', `${i}.sh`);
      writeFileSync(file, adapt(block.code));
      const start = output.length;
      send(`source .blocks/${i}.sh\n`);
      // The OAuth walk-through asks for the code the browser came back with.
      if (/read -rp 'code from the address bar: ' CODE/.test(block.code)) {
        // The URL the block echoed: the last one it printed (pinbox's banner prints one of its own first).
        const authorize = [...previous.matchAll(/(http:\/\/127\.0\.0\.1:\d+\/oauth\/\?client_id=\S+)/g)].at(-1);
        assert.ok(authorize, 'the block before printed the authorize URL');
        send(`${await authorizeInBrowser(authorize[1], 'pinbox_dev', 'demo-password')}\n`);
      }
      send(`echo "@@block-done ${i}"\n`);
      await waitFor(`@@block-done ${i}\n`, block);
      previous = output.slice(start);
      assert.ok(!/pinbox: unknown|usage: pinbox/.test(output.slice(start)), `README line ${block.line}: a CLI call was refused:\n${output.slice(start)}`);
    }
    // What the walk-through promises, seen in what it printed.
    assert.match(output, /"media_type":"image"/, 'a Pin with its pictures');
    assert.match(output, /"access_token":"pina_/, 'the OAuth code became a token');
    assert.match(output, /HTTP\/1\.1 429/, 'the third board within a minute is refused');
    assert.match(output, /^204$/m, 'the video upload was taken');
    assert.match(output, /"status":"succeeded"/, 'the video was processed on the clock');
    assert.match(output, /"media_type":"video"/, 'a video Pin');
    assert.match(output, /"name":"Shared"/, 'team mode: a board made through one process, read through another');
    send('exit 0\n');
    assert.equal(await exited, 0, output.slice(-3000));
  } finally {
    // Every pinbox the README started in the background goes with the session.
    try {
      process.kill(-shell.pid!, 'SIGTERM');
    } catch {
      // already gone
    }
    await exited;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the README\'s fixture is test/fixtures/shop.json, and that file loads offline', async () => {
  const block = /This one is `test\/fixtures\/shop\.json`[^\n]*\n\n```json\n([\s\S]*?)```/.exec(README);
  assert.ok(block, 'the README shows the fixture');
  assert.equal(block[1], readFileSync(join(ROOT, 'test/fixtures/shop.json'), 'utf8'));
  const { startPinbox } = await import('../src/index.js');
  const pinbox = await startPinbox({ seed: join(ROOT, 'test/fixtures/shop.json') });
  try {
    assert.deepEqual(pinbox.seeded!.pins.map((p) => p.title), ['Greek salad', 'Radishes']);
  } finally {
    await pinbox.close();
  }
});
