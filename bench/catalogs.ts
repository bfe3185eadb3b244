/**
 * `npm run bench -- --only catalogs`: a 100,000-row CSV feed, served from this
 * process, ingested by pinbox on a --data store when its clock is moved past the
 * processing time, while a loop of GET /v5/user_account measures its latency
 * (target: ingestion under 20 s, p99 under 50 ms, pinbox's peak RSS under 300 MB);
 * then `product_counts` of a product group over the 100,000 items, called 200
 * times (target p99 under 100 ms), beside GET /v5/user_account answered by the
 * same process in the same run as its baseline.
 */
import { createReadStream, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';

export const CATALOG_BENCH = { rows: 100_000, countCalls: 200 } as const;

export interface CatalogBenchDeps {
  startPinbox(extraArgs: string[], pinToCore0?: boolean): Promise<{ child: ChildProcess; port: number }>;
  api(base: string, method: string, path: string, body?: unknown): Promise<any>;
  stop(child: ChildProcess): Promise<void>;
  token: string;
  dir: string;
}

const BRANDS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli'];
const AVAILABILITY = ['in stock', 'out of stock', 'preorder'];

function feedFile(path: string, rows: number): number {
  const lines = ['id,title,description,link,image_link,price,availability,condition,brand,product_type,custom_label_0'];
  for (let i = 0; i < rows; i++) {
    lines.push(
      `sku-${i},Product ${i} oak table,A sturdy product number ${i},https://shop.example/p/${i},https://shop.example/i/${i}.jpg,${(5 + (i % 500)).toFixed(2)} USD,${AVAILABILITY[i % 3]},new,${BRANDS[i % 5]},Home > Furniture > ${i % 2 ? 'Tables' : 'Chairs'},${i % 7 ? 'regular' : 'sale'}`,
    );
  }
  const text = lines.join('\n') + '\n';
  writeFileSync(path, text);
  return Buffer.byteLength(text);
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

function peakMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

export async function catalogsBench(deps: CatalogBenchDeps): Promise<void> {
  const csv = join(deps.dir, 'feed.csv');
  const bytes = feedFile(csv, CATALOG_BENCH.rows);
  const host = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/csv' });
    createReadStream(csv).pipe(response);
  });
  await new Promise<void>((resolve) => host.listen(0, '127.0.0.1', resolve));
  const feedUrl = `http://127.0.0.1:${(host.address() as AddressInfo).port}/feed.csv`;
  const adminKey = 'bench-admin-key-catalogs';
  const limits = ['all', 'org_read', 'catalogs_read', 'catalogs_write'].flatMap((name) => ['--rate-limit', `standard.${name}=999999999/second`]);
  const { child, port } = await deps.startPinbox(['--data', join(deps.dir, 'catalogs.db'), '--admin-key', adminKey, ...limits], false);
  const base = `http://127.0.0.1:${port}`;
  const timed = async (path: string): Promise<number> => {
    const started = performance.now();
    const response = await fetch(`${base}/v5${path}`, { headers: { authorization: `Bearer ${deps.token}` } });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
    return performance.now() - started;
  };
  try {
    const catalog = await deps.api(base, 'POST', '/catalogs', { catalog_type: 'RETAIL', name: 'bench catalog' });
    const feed = await deps.api(base, 'POST', '/catalogs/feeds', {
      catalog_type: 'RETAIL',
      catalog_id: catalog.id,
      name: 'bench feed',
      format: 'CSV',
      location: feedUrl,
      default_country: 'US',
      default_locale: 'en-US',
    });
    const idle: number[] = [];
    for (let i = 0; i < 100; i++) idle.push(await timed('/user_account'));
    const during: number[] = [];
    let done = false;
    const sampling = (async () => {
      while (!done) during.push(await timed('/user_account'));
    })();
    const started = performance.now();
    // The advance returns once the ingestion it made due has run.
    const advanced = await fetch(`${base}/_pinbox/clock/advance`, {
      method: 'POST',
      headers: { 'x-pinbox-admin-key': adminKey, 'content-type': 'application/json' },
      body: JSON.stringify({ by: '16m' }),
    });
    const ingestMs = performance.now() - started;
    done = true;
    await sampling;
    if (advanced.status !== 200) throw new Error(`clock advance: ${advanced.status} ${await advanced.text()}`);
    const [result] = (await deps.api(base, 'GET', `/catalogs/feeds/${feed.id}/processing_results`)).items;
    const peak = peakMb(child.pid!);

    const group = await deps.api(base, 'POST', '/catalogs/product_groups', {
      name: 'bench group',
      catalog_type: 'RETAIL',
      catalog_id: catalog.id,
      filters: { all_of: [{ BRAND: { values: ['Acme', 'Globex'] } }, { MIN_PRICE: { values: 100 } }, { PRODUCT_TYPE_2: { values: [['home', 'furniture', 'tables']], negated: true } }] },
    });
    // The first call counts the items; later ones find the answer kept while the items are unchanged.
    const cold = await timed(`/catalogs/product_groups/${group.id}/product_counts`);
    const counts: number[] = [];
    let answer: any = null;
    for (let i = 0; i < CATALOG_BENCH.countCalls; i++) counts.push(await timed(`/catalogs/product_groups/${group.id}/product_counts`));
    answer = await deps.api(base, 'GET', `/catalogs/product_groups/${group.id}/product_counts`);
    const baseline: number[] = [];
    for (let i = 0; i < CATALOG_BENCH.countCalls; i++) baseline.push(await timed('/user_account'));

    const ms = (n: number) => `${n.toFixed(1)} ms`;
    console.log(`\ncatalogs: a ${CATALOG_BENCH.rows.toLocaleString('en-US')}-row CSV feed (${(bytes / 1048576).toFixed(1)} MB) on SQLite`);
    console.log(`  processing result          ${result.status}, product_counts ${JSON.stringify(result.product_counts)}`);
    console.log(`  ingestion                  ${(ingestMs / 1000).toFixed(1)} s (target under 20 s)`);
    console.log(`  GET /v5/user_account p99   idle ${ms(percentile(idle, 99))}, during ingestion ${ms(percentile(during, 99))} over ${during.length} calls (target under 50 ms), max ${ms(Math.max(...during))}`);
    console.log(`  pinbox peak RSS            ${peak.toFixed(0)} MB (target under 300 MB)`);
    console.log(`  product_counts p99         ${ms(percentile(counts, 99))} (p50 ${ms(percentile(counts, 50))}) over ${CATALOG_BENCH.countCalls} calls, total ${answer.total} of the items (target under 100 ms)`);
    console.log(`  product_counts, first call ${ms(cold)} (the scan over the items; later calls reuse it while the items are unchanged)`);
    console.log(`  baseline GET /v5/user_account in the same run: p99 ${ms(percentile(baseline, 99))}; product_counts p50 / baseline p50 = ${(percentile(counts, 50) / percentile(baseline, 50)).toFixed(1)}x`);
  } finally {
    await deps.stop(child);
    host.close();
  }
}
