/** Runs the built `pinbox` CLI as a real process and reads what it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cliArgsOnTestBackend } from './backend.js';

export const CLI_PATH = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));

export interface RunningCli {
  child: ChildProcess;
  /** Base URL printed on start. */
  url: string;
  /** Everything printed on stdout up to the curl line. */
  banner: string;
  /** Everything the process has printed so far (stdout and stderr). */
  output(): string;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Runs a one-shot `pinbox` command (apps create, token inspect, ...) to its end. */
export function runCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI_PATH, ...cliArgsOnTestBackend(args, 'other')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Starts `pinbox start ARGS` and resolves once it has printed its curl line. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Promise<RunningCli> {
  if (!existsSync(CLI_PATH)) throw new Error(`${CLI_PATH} is missing: run 'npm run build' first (npm test does)`);
  const child = spawn(process.execPath, [CLI_PATH, 'start', '--log-level', 'warn', ...cliArgsOnTestBackend(args, 'start')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pinbox did not start in time:\n${out}\n${err}`));
    }, 15_000);
    child.stderr!.on('data', (chunk) => (err += chunk));
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /curl .*? (http:\/\/\S+)\/v5\/user_account/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1], banner: out, exited, output: () => out + err });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`pinbox exited with ${code} before starting:\n${out}\n${err}`));
    });
  });
}

/**
 * The first word after `label:` on a line of the CLI's output.
 * @example labelled(banner, 'client secret') // '0123…'
 */
export function labelled(text: string, label: string): string {
  const match = new RegExp(`^\\s*${label}:\\s+(\\S+)`, 'm').exec(text);
  assert.ok(match, `no '${label}:' line in:\n${text}`);
  return match[1];
}
