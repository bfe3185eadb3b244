/**
 * After tsc: bundles the CLI (dist/cli/main.js and everything it imports, pinbox's own
 * modules and the pure-JS packages) into one file, so `pinbox start` reads one
 * module instead of hundreds at start-up (about 100 ms of a start of ~350). Packages
 * with native code, and those pinbox loads only when a feature is used, stay outside
 * and load from node_modules as before. What pinbox's own code imports dynamically
 * (the PostgreSQL adapter, with pg) becomes a chunk of its own in dist/cli/chunks/,
 * read only when used: bundled into the one file, its static `import pg` would be
 * hoisted to the top and pg (and Node's undici with it) loaded on every start, about
 * 60 ms. The library (dist/index.js and the rest of dist/) is left as tsc wrote it.
 */
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

const NATIVE_OR_LOADED_WHEN_USED = ['better-sqlite3', 'sharp', 'mediabunny', 'pg', 'ioredis', 'pino-pretty', '@fastify/multipart', '@fastify/cookie'];
const entry = 'dist/cli/main.js';
// tsc's output is the bundle's input; moved aside so the bundle can take its name.
const input = 'dist/cli/main.tsc.js';
renameSync(entry, input);
rmSync('dist/cli/chunks', { recursive: true, force: true });

await build({
  entryPoints: { main: input },
  outdir: 'dist/cli',
  chunkNames: 'chunks/[name]-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: NATIVE_OR_LOADED_WHEN_USED,
  // Bundled CommonJS packages call require(); in an ES module it comes from createRequire
  // (in every chunk: the banner goes at the top of each output file).
  banner: { js: "import { createRequire as __pinboxCreateRequire } from 'node:module';\nconst require = __pinboxCreateRequire(import.meta.url);" },
  logLevel: 'warning',
  legalComments: 'none',
  // A checkout whose node_modules is a link (the README test's copy) must build the
  // same chunks, names and all: esbuild follows links to the real path, whose path
  // comments would change the chunks' content and hashes, and a pinbox still running
  // from before a rebuild (`npx pinbox` runs `prepare`) would then import a chunk that is gone.
  preserveSymlinks: true,
});
rmSync(input, { force: true });
// tsc's map described the file before bundling.
rmSync(`${entry}.map`, { force: true });
rmSync(`${input}.map`, { force: true });
const head = readFileSync(entry, 'utf8').slice(0, 200);
if (!head.startsWith('#!')) throw new Error(`${entry} lost its #! line`);
