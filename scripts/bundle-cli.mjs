/**
 * After tsc: bundles the CLI (dist/cli/main.js and everything it imports, pinbox's own
 * modules and the pure-JS packages) into that one file, so `pinbox start` reads one
 * module instead of hundreds at start-up (about 100 ms of a start of ~350). Packages
 * with native code, and those pinbox loads only when a feature is used, stay outside
 * and load from node_modules as before. The library (dist/index.js and the rest of
 * dist/) is left as tsc wrote it.
 */
import { readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const NATIVE_OR_LOADED_WHEN_USED = ['better-sqlite3', 'sharp', 'mediabunny', 'pg', 'ioredis', 'pino-pretty', '@fastify/multipart', '@fastify/cookie'];
const entry = 'dist/cli/main.js';

await build({
  // The entry as tsc wrote it, without its #! line (the banner puts it first again).
  stdin: { contents: readFileSync(entry, 'utf8').replace(/^#!.*\n/, ''), resolveDir: 'dist/cli', sourcefile: 'main.js', loader: 'js' },
  outfile: entry,
  allowOverwrite: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: NATIVE_OR_LOADED_WHEN_USED,
  // Bundled CommonJS packages call require(); in an ES module it comes from createRequire.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __pinboxCreateRequire } from 'node:module';\nconst require = __pinboxCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
});
// tsc's map described the file before bundling.
rmSync(`${entry}.map`, { force: true });
