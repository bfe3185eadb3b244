/**
 * `npm run bench -- --only conversions`: batches of 1,000 conversion events (each
 * batch's event_ids new, so every event is recorded) sent to one pinbox on a --data
 * SQLite store. Two phases: flat out (as many batches as 4 connections get
 * answered: the capacity), then sustained at 25 batches a second (25,000 events a
 * second, above the 20,000 target) while GET a Pin is measured; GET a Pin alone on
 * the same server is the baseline of the same run (target meanwhile: p99 under 50
 * ms). The events recorded are counted in the store afterwards, against the
 * batches answered 200.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import BetterSqlite3 from 'better-sqlite3';

export interface ConversionsBenchDeps {
  startPinbox(extraArgs: string[], pinToCore0?: boolean): Promise<{ child: ChildProcess; port: number }>;
  stop(child: ChildProcess): Promise<void>;
  api(base: string, method: string, path: string, body?: unknown): Promise<any>;
  token: string;
  seconds: number;
  /** Flags that keep every window of the rate limiter counting but never refusing. */
  roomyLimits: readonly string[];
}

const BATCH = 1000;
const EVENT_CONNECTIONS = 4;
const GET_CONNECTIONS = 2;
/** Batches a second in the sustained phase: 25,000 events a second. */
const SUSTAINED_BATCHES = 25;

/** One batch's JSON with `__N__` where the batch number goes, so each request's event_ids are new. */
function batchTemplate(nowSeconds: number): string[] {
  const events = Array.from({ length: BATCH }, (_, i) => ({
    event_name: i % 10 === 0 ? 'checkout' : 'page_visit',
    action_source: 'web',
    event_time: nowSeconds - 60 - (i % 600),
    event_id: `b__N__-${i}`,
    user_data: { em: [createHash('sha256').update(`member-${i}@population.pinbox.test`).digest('hex')], client_ip_address: '203.0.113.7', client_user_agent: 'Mozilla/5.0' },
    custom_data: { currency: 'USD', value: String((i % 50) + 0.99) },
  }));
  return JSON.stringify({ data: events }).split('__N__');
}

async function run(url: string, options: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ url, ...options });
}

export async function conversionsBench(deps: ConversionsBenchDeps): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-bench-conversions-'));
  const data = join(dir, 'conversions.db');
  const pinbox = await deps.startPinbox(['--data', data, ...deps.roomyLimits, '--rate-limit', 'standard.ads_conversions=999999999/second']);
  const base = `http://127.0.0.1:${pinbox.port}`;
  const headers = { authorization: `Bearer ${deps.token}`, 'content-type': 'application/json' };
  let accountId = '';
  let ok = 0;
  try {
    const account = await deps.api(base, 'POST', '/ad_accounts', { name: 'bench conversions' });
    accountId = account.id;
    const board = await deps.api(base, 'POST', '/boards', { name: 'conversions bench' });
    const pin = await deps.api(base, 'POST', '/pins', {
      board_id: board.id,
      title: 'bench pin',
      media_source: { source_type: 'image_base64', content_type: 'image/png', data: 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC' },
    });
    const pinUrl = `${base}/v5/pins/${pin.id}`;
    const eventsUrl = `${base}/v5/ad_accounts/${accountId}/events`;
    const parts = batchTemplate(Math.floor(Date.now() / 1000));
    let batch = 0;
    // Warm-up: one batch, checked.
    const warm = await fetch(eventsUrl, { method: 'POST', headers, body: parts.join(`w${batch++}`) });
    if (warm.status !== 200) throw new Error(`events answered ${warm.status}: ${(await warm.text()).slice(0, 300)}`);

    const sendBatches = (options: autocannon.Options = {}) =>
      run(eventsUrl, {
        method: 'POST',
        headers,
        connections: EVENT_CONNECTIONS,
        duration: deps.seconds,
        requests: [{ setupRequest: (request) => ({ ...request, body: parts.join(String(batch++)) }) }],
        ...options,
      });
    const flatOut = await sendBatches();
    const alone = await run(pinUrl, { headers, connections: GET_CONNECTIONS, duration: deps.seconds });
    const [sustained, during] = await Promise.all([sendBatches({ overallRate: SUSTAINED_BATCHES }), run(pinUrl, { headers, connections: GET_CONNECTIONS, duration: deps.seconds })]);
    ok = flatOut['2xx'] + sustained['2xx'];
    const perSecond = (result: autocannon.Result) => (result['2xx'] * BATCH) / deps.seconds;
    const failed = (result: autocannon.Result) => result.non2xx + result.errors + result.timeouts;
    console.log(`bench --only conversions: ${deps.seconds}s a phase, batches of ${BATCH} events on ${EVENT_CONNECTIONS} connections, GET a Pin on ${GET_CONNECTIONS}, SQLite --data store, machine load average ${loadavg()[0].toFixed(2)} at the end`);
    console.log(
      `flat out: ${perSecond(flatOut).toFixed(0)} events recorded/s (${flatOut['2xx']} batches answered 200, ${failed(flatOut)} not; target >= 20000/s)${perSecond(flatOut) >= 20_000 ? '' : '  BELOW TARGET'}; a batch p50 ${flatOut.latency.p50} ms, p99 ${flatOut.latency.p99} ms`,
    );
    console.log(
      `sustained at ${SUSTAINED_BATCHES} batches/s: ${perSecond(sustained).toFixed(0)} events recorded/s (${sustained['2xx']} batches answered 200, ${failed(sustained)} not); a batch p50 ${sustained.latency.p50} ms, p99 ${sustained.latency.p99} ms`,
    );
    console.log(`GET a Pin alone: ${alone.requests.average.toFixed(0)} req/s, p99 ${alone.latency.p99} ms`);
    console.log(
      `GET a Pin meanwhile (sustained phase): ${during.requests.average.toFixed(0)} req/s, p99 ${during.latency.p99} ms (target < 50 ms)${during.latency.p99 < 50 ? '' : '  ABOVE TARGET'}; ` +
        `p99 ratio meanwhile/alone ${(during.latency.p99 / Math.max(alone.latency.p99, 1)).toFixed(2)}, errors ${failed(alone) + failed(during)}`,
    );
  } finally {
    await deps.stop(pinbox.child);
  }
  try {
    const db = new BetterSqlite3(data, { readonly: true });
    const { n } = db.prepare('SELECT COUNT(*) AS n FROM conversion_events WHERE ad_account_id = ?').get(accountId) as { n: number };
    db.close();
    // The warm-up batch and every batch answered 200, each event once; a batch still
    // under way when a phase's time ran out is recorded but not counted as answered.
    const answered = (ok + 1) * BATCH;
    const inFlight = 2 * EVENT_CONNECTIONS * BATCH;
    const fits = n >= answered && n <= answered + inFlight;
    console.log(`in the store afterwards: ${n} events (${answered} answered 200${fits ? ', the rest in flight at the end of a phase' : '  MISMATCH'})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
