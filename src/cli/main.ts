#!/usr/bin/env node
import { readStartConfig } from '../config.js';
import { startPinbox } from '../server.js';
import { PINBOX_VERSION } from '../version.js';

const USAGE = `pinbox ${PINBOX_VERSION}: a stateful Pinterest API v5 for development and tests

Usage:
  pinbox start [--port N] [--host H] [--data FILE] [--token T] [--client-secret S] [--log-level L]

  --port N            port to listen on (env PORT; default 3000; 0 picks a free one)
  --host H            interface to listen on (env HOST; default 127.0.0.1)
  --data FILE         persist to this SQLite file (env PINBOX_DATA; default: in memory)
  --token T           fix the dev access token string (env PINBOX_TOKEN)
  --client-secret S   fix the dev app's client secret (env PINBOX_CLIENT_SECRET)
  --log-level L       trace|debug|info|warn|error|silent (env PINBOX_LOG_LEVEL; default info)
`;

async function start(argv: string[]): Promise<void> {
  const options = readStartConfig(argv, process.env);
  const pinbox = await startPinbox(options);
  const { identity } = pinbox;
  const out = process.stdout;
  out.write(`pinbox ${PINBOX_VERSION}: Pinterest API v5 at ${pinbox.url}/v5\n`);
  out.write(`  store:         ${options.data ? `SQLite file ${options.data}` : 'in memory (--data FILE to keep it)'}\n`);
  out.write(`  user:          ${identity.user.username} (id ${identity.user.id}, business account)\n`);
  out.write(`  app client id: ${identity.app.id}\n`);
  out.write(
    `  client secret: ${identity.app.secret ?? '(unchanged since it was made; only its hash is stored; --client-secret sets a new one)'}\n`,
  );
  out.write(`  access token:  ${identity.token} (every scope, expires ${new Date(identity.tokenExpiresAt).toISOString()})\n\n`);
  out.write(`Try it:\n  curl -H 'Authorization: Bearer ${identity.token}' ${pinbox.url}/v5/user_account\n\n`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    out.write(`\n${signal}: finishing in-flight requests and closing the store...\n`);
    pinbox.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === 'start') return start(rest);
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    process.stdout.write(USAGE);
    return;
  }
  if (command === '--version' || command === 'version') {
    process.stdout.write(`${PINBOX_VERSION}\n`);
    return;
  }
  process.stderr.write(`pinbox: unknown command '${command}'\n\n${USAGE}`);
  process.exitCode = 2;
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`pinbox: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
