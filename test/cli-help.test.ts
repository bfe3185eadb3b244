/**
 * The CLI helps: every command (and group) answers --help and -h with its own
 * usage; a mistake in how a command is called prints one line naming it and the
 * command's synopsis (exit 2), never the whole help; --json prints JSON.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { COMMANDS } from '../src/cli/commands.js';
import { fileURLToPath } from 'node:url';
import { CLI_PATH } from './cli.js';

const pinbox = (...args: string[]) => spawnSync(process.execPath, [CLI_PATH, ...args], { encoding: 'utf8', timeout: 20_000 });

/**
 * Many command lines at once, in one process running the built CLI's own runCli
 * (test/cli-in-one-process.mjs): a spawn per line made this file the suite's slowest.
 * Real processes still check the overview, a group, one command's help and mistakes.
 */
function pinboxLines(lines: string[][]): Map<string, { status: number; stdout: string; stderr: string }> {
  const run = spawnSync(process.execPath, [ONE_PROCESS, JSON.stringify(lines)], { encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  assert.equal(run.status, 0, run.stderr);
  return new Map((JSON.parse(run.stdout) as { argv: string[]; status: number; stdout: string; stderr: string }[]).map((r) => [r.argv.join(' '), r]));
}
const ONE_PROCESS = fileURLToPath(new URL('./cli-in-one-process.mjs', import.meta.url));

test('every command answers --help and -h with its own usage, and the overview lists every command', () => {
  const overview = pinbox('--help');
  assert.equal(overview.status, 0);
  assert.equal(pinbox().stdout, overview.stdout, 'pinbox alone prints the overview');
  const real = pinbox('start', '-h');
  const lines = pinboxLines(COMMANDS.flatMap((command) => ['--help', '-h'].map((flag) => [...command.words, flag])));
  assert.deepEqual([real.status, real.stdout], [lines.get('start -h')!.status, lines.get('start -h')!.stdout], 'one process answers as the real CLI does');
  for (const command of COMMANDS) {
    const name = command.words.join(' ');
    assert.ok(overview.stdout.includes(`  pinbox ${command.synopsis}\n`), `the overview lists ${name}`);
    for (const flag of ['--help', '-h']) {
      const help = lines.get([...command.words, flag].join(' '))!;
      assert.equal(help.status, 0, `${name} ${flag}: ${help.stderr}`);
      assert.ok(help.stdout.startsWith(`usage: pinbox ${command.synopsis}\n\n${command.summary}\n`), `${name} ${flag} prints its usage: ${help.stdout.slice(0, 200)}`);
    }
  }
  for (const group of ['apps', 'users', 'token', 'analytics', 'ctl']) {
    const help = pinbox(group, '--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, new RegExp(`^pinbox ${group}: `));
  }
});

test('a mistake is one line naming it, then the command\'s synopsis: exit 2', () => {
  const lines = pinboxLines(COMMANDS.map((command) => [...command.words, '--no-such-flag']));
  const real = pinbox('apps', 'create', '--no-such-flag');
  assert.deepEqual([real.status, real.stderr], [lines.get('apps create --no-such-flag')!.status, lines.get('apps create --no-such-flag')!.stderr], 'one process answers as the real CLI does');
  for (const command of COMMANDS) {
    const name = command.words.join(' ');
    const wrong = lines.get([...command.words, '--no-such-flag'].join(' '))!;
    assert.equal(wrong.status, 2, `${name}: ${wrong.stderr}`);
    assert.deepEqual(wrong.stderr.split('\n').slice(0, 3), [`pinbox ${name}: unknown option --no-such-flag`, `usage: pinbox ${command.synopsis}`, `(pinbox ${name} --help for more)`], name);
    assert.equal(wrong.stdout, '');
  }
  const missing = pinbox('apps', 'update', '--data', 'x.db');
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /^pinbox apps update: apps update takes one CLIENT_ID\nusage: pinbox apps update CLIENT_ID /);
  const value = pinbox('start', '--port');
  assert.equal(value.status, 2);
  assert.match(value.stderr, /^pinbox start: --port needs a value\n/);
  const unknown = pinbox('frobnicate');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /^pinbox: unknown command 'frobnicate' \(pinbox --help lists the commands\)\n$/);
  const group = pinbox('apps');
  assert.equal(group.status, 2);
  assert.match(group.stderr, /^pinbox apps: needs a command\n/);
});

test('--json: version and token inspect print JSON', () => {
  assert.deepEqual(JSON.parse(pinbox('version', '--json').stdout), { version: JSON.parse(pinbox('--version', '--json').stdout).version });
  // No pinbox listens on port 9: the failure is one line, exit 1.
  const inspect = pinbox('token', 'inspect', 'pina_x', '--url', 'http://127.0.0.1:9', '--json');
  assert.equal(inspect.status, 1);
  assert.match(inspect.stderr, /^pinbox token inspect: no pinbox answered at http:\/\/127\.0\.0\.1:9 /);
});

test('start-up errors name the port or path at fault and what to do', async () => {
  const { createServer } = await import('node:net');
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const port = (holder.address() as { port: number }).port;
  try {
    const busy = pinbox('start', '--port', String(port));
    assert.equal(busy.status, 1);
    assert.match(busy.stderr, new RegExp(`^pinbox start: port ${port} on 127\\.0\\.0\\.1 is in use \\(another pinbox\\?\\): stop it, pass --port N, or --port 0 for a free one\\n$`));
  } finally {
    holder.close();
  }
  const nowhere = pinbox('start', '--data', '/no/such/dir/pinbox.db');
  assert.equal(nowhere.status, 1);
  assert.match(nowhere.stderr, /^pinbox start: --data \/no\/such\/dir\/pinbox\.db: cannot open the SQLite file .*make sure the folder \/no\/such\/dir exists and is writable\n$/);
});
