/**
 * Writes src/kernel/operations-table.ts, pinbox's own table of Pinterest's operations
 * (method, path, operationId, by tag), from the official spec in ../shared (or
 * PINTEREST_OPENAPI). Run it when the spec pinbox follows moves to a new version;
 * test/contract.test.ts checks the table against the spec entry by entry.
 *   node --import tsx scripts/write-operations-table.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const specPath = process.env.PINTEREST_OPENAPI ?? fileURLToPath(new URL('../../shared/pinterest-openapi/openapi.json', import.meta.url));
const spec = JSON.parse(readFileSync(specPath, 'utf8')) as {
  info: { version: string };
  paths: Record<string, Record<string, { operationId: string; tags?: string[] }>>;
};
const byTag = new Map<string, string[]>();
for (const [path, item] of Object.entries(spec.paths)) {
  for (const [method, op] of Object.entries(item)) {
    if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
    const tag = op.tags?.[0] ?? 'untagged';
    byTag.set(tag, [...(byTag.get(tag) ?? []), `${method.toUpperCase()} ${path} ${op.operationId}`]);
  }
}
const tags = [...byTag.keys()].sort();
const body = tags.map((tag) => `  ${/^[a-z_]+$/.test(tag) ? tag : JSON.stringify(tag)}: [\n${byTag.get(tag)!.sort().map((entry) => `    '${entry}',`).join('\n')}\n  ],`).join('\n');
const out = `/**
 * Every operation of Pinterest's API v5 (v${spec.info.version}), by the spec's tag:
 * \`METHOD /path/{param} operationId\`, written down as pinbox's own data (made by
 * scripts/write-operations-table.ts, checked entry by entry against the official
 * spec by test/contract.test.ts). The kernel answers an operation without a route
 * with 501 naming it, and the landing page lists what is served.
 */
export const OPERATIONS_BY_TAG: Readonly<Record<string, readonly string[]>> = {
${body}
};
`;
writeFileSync(fileURLToPath(new URL('../src/kernel/operations-table.ts', import.meta.url)), out);
console.log(`${tags.length} tags, ${[...byTag.values()].flat().length} operations`);
