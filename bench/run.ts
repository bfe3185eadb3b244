/**
 * `npm run bench`: pinbox against a bare Fastify baseline in the same run, each
 * server pinned to core 0 and the load generator to core 1 (where taskset exists),
 * reported as ratios because these machines are noisy.
 *
 * Kernel scenarios: GET a Pin; list 25 Pins of a board holding 10,000; create a
 * Pin (base64, a picture pinbox stores already). Two baselines answer them in the
 * same run: the bare Fastify server from memory (bench/bare-server.ts) and the
 * storage ceiling, bare Fastify + better-sqlite3 on pinbox's own schema with the
 * same row count (bench/sqlite-server.ts); the three servers are measured in turns.
 * Beside req/s it reports each server's CPU time per call (from /proc), which a
 * shared machine's load disturbs far less, and the same ratios computed from it.
 * pinbox runs with its rate limiter on (the default) but with windows too wide to
 * refuse anything, so every call is counted and gets its headers and none is a 429.
 * The limiter's own cost: GET a Pin with limits on against the same with
 * `--rate-limits off`, two processes measured in turns (on, off, on, off).
 * Image Pins: while 20 Pins are created in parallel from distinct 2 MB images
 * (base64), a loop of GET /v5/user_account measures its latency (p99 must stay
 * under 50 ms); pinbox may use both cores here, as sharp works on a thread pool.
 * Search and analytics: one user with 100,000 Pins (written straight into a --data
 * store, the index kept by its triggers), a word in the titles of 10,000 of them;
 * GET /v5/search/pins for that word (its ranked first page) and GET
 * /v5/user_account/analytics for 90 days, each at 1 and at 16 connections, p99
 * against targets of 50 ms and 200 ms, beside the bare server answering the same
 * paths from memory.
 * Upload memory: one 500 MB video (a real H.264 .mp4 and a `free` box making up the
 * size, which parsers skip) streamed to the upload URL of a pinbox on a --data store;
 * its peak RSS (VmHWM, reset after a small warm-up upload) against its RSS idle
 * before, while taking the file and then while serving it back (target: within 100 MB).
 * The request journal's cost: GET a Pin with the journal on (the default) against
 * the same with `--journal off`, in turns like the limiter's (target: under 10%).
 * The agent gateway's cost (--only gateway): GET a Pin with an agent key (its policy
 * checked, its call written to the audit log) against the same Pin with the plain
 * token, on one pinbox, in eight short turns (order swapped each turn), judged by
 * the median of the turns' ratios and by CPU time per call (target: under 15% extra).
 * Also: time from process start to the first 200 with an empty store (median of 5; target 300 ms).
 * PINBOX_BENCH_CLI=path/to/dist/cli/main.js measures another build of pinbox (before/after).
 * Flags: --duration S (default 8), --connections N (default 10), --pins N (default 10000),
 * --only kernel|limiter|journal|images|search|analytics|uploads|ads|keywords|ads-analytics|catalogs|gateway|conversions|console (just that part; kernel is
 * the three kernel scenarios and the start-up time; ads lists 25 of an ad account's
 * 10,000 campaigns and bulk-creates 30, against the bare server, and runs only when asked;
 * keywords lists 25 of an ad group's 10,000 keywords, asks metrics of 500 and the top
 * 50 growing trends, against the bare server; ads-analytics moves a frozen clock 30 days
 * over 1,000 serving ads, reads 90 days of DAY analytics at 1 and 16 connections and
 * makes a 1,000-ad × 90-day report; catalogs ingests a 100,000-row feed and counts a
 * product group over it (bench/catalogs.ts); conversions sends batches of 1,000 events
 * while GET a Pin is measured (bench/conversions.ts); console keeps the live journal
 * page open in Chromium at 1,000 calls a second (bench/console.ts); each only when asked).
 * --backend postgres: scale-out instead: GET a Pin and create a Pin by 16 users at
 * once (one connection each, a board and a picture each) on PostgreSQL's ceiling
 * (bench/postgres-server.ts: bare Fastify + pg on pinbox's schema), on one pinbox
 * process on PostgreSQL + Redis and on two sharing them, in turns, with the time
 * pinbox's connections waited on locks (sampled from pg_stat_activity and
 * pg_locks), and one process on SQLite as the reference of the same run.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import BetterSqlite3 from 'better-sqlite3';
import sharp from 'sharp';
import { freeBoxHeader, makeVideo, uploadFile, uploadFormAround } from '../test/videos.js';
import { catalogsBench } from './catalogs.js';
import { conversionsBench } from './conversions.js';
import { consoleBench } from './console.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '10' },
    pins: { type: 'string', default: '10000' },
    only: { type: 'string' },
    backend: { type: 'string' },
  },
});
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const BOARD_PINS = Number(values.pins);
const TOKEN = 'pina_BENCHTOKEN000000000000000000000000';
const PNG_1X1 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';
// PINBOX_BENCH_CLI measures another build (e.g. the main branch's dist/cli/main.js) in this bench.
const CLI = process.env.PINBOX_BENCH_CLI ?? fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-server.ts', import.meta.url));
const SQLITE = fileURLToPath(new URL('./sqlite-server.ts', import.meta.url));
const POSTGRES = fileURLToPath(new URL('./postgres-server.ts', import.meta.url));
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
/** Limits on, each window wider than this bench can fill: the limiter counts every call and refuses none. */
const COUNTED_NOT_REFUSED = ['all', 'org_read', 'org_write', 'org_analytics', 'ads_read', 'ads_write'].flatMap((name) => ['--rate-limit', `standard.${name}=999999999/second`]);

// Pin the load generator (this process) to core 1, the servers to core 0.
if (hasTaskset) spawnSync('taskset', ['-p', '-c', '1', String(process.pid)]);

function startProcess(args: string[], readyPattern: RegExp, pinToCore0 = true, env: Record<string, string> = {}): Promise<{ child: ChildProcess; port: number }> {
  const pinned = hasTaskset && pinToCore0;
  const command = pinned ? 'taskset' : process.execPath;
  const argv = pinned ? ['-c', '0', process.execPath, ...args] : args;
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = readyPattern.exec(out);
      if (match) resolve({ child, port: Number(match[1]) });
    });
    child.on('exit', (code) => reject(new Error(`server exited (${code}): ${out}`)));
  });
}

async function stop(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  await new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Result {
  rps: number;
  p99: number;
  errors: number;
  /** CPU time (user + system) the server spent per answered call, in µs, when its pid was given. */
  cpuUs?: number;
}

/** CPU time a process has used so far (ms), from /proc; null where there is none. */
function cpuMsOf(pid: number | undefined): number | null {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return null;
  // Fields 14 and 15 (utime, stime) in clock ticks, after the command name in parentheses.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS;
}
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

async function load(
  url: string,
  options: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string>; connections?: number; duration?: number; pid?: number } = {},
): Promise<Result> {
  const cpuBefore = cpuMsOf(options.pid);
  const result = await autocannon({
    url,
    method: options.method ?? 'GET',
    body: options.body,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...(options.headers ?? {}) },
    connections: options.connections ?? CONNECTIONS,
    duration: options.duration ?? DURATION,
  });
  const non2xx = result.non2xx + result.errors + result.timeouts;
  const cpuAfter = cpuMsOf(options.pid);
  const cpuUs = cpuBefore !== null && cpuAfter !== null && result.requests.total > 0 ? ((cpuAfter - cpuBefore) * 1000) / result.requests.total : undefined;
  return { rps: result.requests.average, p99: result.latency.p99, errors: non2xx, cpuUs };
}

async function api(base: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(`${base}/v5${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json();
}

function startPinbox(extraArgs: string[], pinToCore0 = true): Promise<{ child: ChildProcess; port: number }> {
  return startProcess([CLI, 'start', '--port', '0', '--log-level', 'warn', '--token', TOKEN, ...extraArgs], /at http:\/\/127\.0\.0\.1:(\d+)\/v5/, pinToCore0);
}

/** Serves one small PNG from this process, for Pins made by image URL (there is no internet here). */
async function imageHost(): Promise<string> {
  const png = await sharp({ create: { width: 80, height: 60, channels: 3, background: '#6E7874' } }).png().toBuffer();
  const server = createServer((_request, response) => response.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length }).end(png));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.unref();
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/bench.png`;
}

/** GET /v5/user_account latencies (ms) while 20 Pins are made from distinct 2 MB images. */
async function imageBurst(): Promise<{ idle: number[]; burst: number[]; createMs: number; imageBytes: number }> {
  const images = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      sharp({ create: { width: 820, height: 820, channels: 3, noise: { type: 'gaussian', mean: 100 + i, sigma: 50 } } })
        .png({ compressionLevel: 1 })
        .toBuffer(),
    ),
  );
  const { child, port } = await startPinbox(COUNTED_NOT_REFUSED, false);
  const base = `http://127.0.0.1:${port}`;
  try {
    const board = await api(base, 'POST', '/boards', { name: 'image burst' });
    const sample = async (until: () => boolean, into: number[]) => {
      while (!until()) {
        const started = performance.now();
        const response = await fetch(`${base}/v5/user_account`, { headers: { authorization: `Bearer ${TOKEN}` } });
        await response.arrayBuffer();
        into.push(performance.now() - started);
      }
    };
    const idle: number[] = [];
    const idleUntil = performance.now() + 2000;
    await sample(() => performance.now() > idleUntil, idle);
    const burst: number[] = [];
    let done = false;
    const sampling = sample(() => done, burst);
    const started = performance.now();
    await Promise.all(
      images.map((bytes) =>
        api(base, 'POST', '/pins', { board_id: board.id, media_source: { source_type: 'image_base64', content_type: 'image/png', data: bytes.toString('base64') } }),
      ),
    );
    const createMs = performance.now() - started;
    done = true;
    await sampling;
    return { idle, burst, createMs, imageBytes: Math.min(...images.map((b) => b.length)) };
  } finally {
    await stop(child);
  }
}

/** A memory figure of a process from /proc/<pid>/status (VmRSS now, VmHWM its peak), in MB. */
function memoryMbOf(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
  return Number(match[1]) / 1024;
}

/** Forgets a process's peak RSS, so VmHWM tells the peak from now on; false where the kernel does not let us. */
function resetPeakMemory(pid: number): boolean {
  try {
    // "5" resets the peak resident set size (proc(5), clear_refs, since Linux 4.0).
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

const UPLOAD_BENCH_BYTES = 500 * 1024 * 1024;

interface UploadMemory {
  idleMb: number;
  uploadPeakMb: number;
  servePeakMb: number;
  uploadSeconds: number;
  peakReset: boolean;
}

/** Peak RSS of a pinbox taking a 500 MB video upload and serving it back, against its RSS idle. */
async function uploadMemory(): Promise<UploadMemory> {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-bench-upload-'));
  const { child, port } = await startPinbox(['--data', join(dir, 'pinbox.db'), '--video-processing-seconds', '0'], false);
  const base = `http://127.0.0.1:${port}`;
  try {
    const video = await makeVideo({ segments: [{ color: 'teal', seconds: 5 }] });
    const board = await api(base, 'POST', '/boards', { name: 'upload bench' });
    // A small upload and Pin first, so what loads on the first (multipart, mediabunny) counts as idle.
    const warm = await api(base, 'POST', '/media', { media_type: 'video' });
    const sent = await uploadFile(warm.upload_url, warm.upload_parameters, video);
    if (sent.status !== 204) throw new Error(`warm-up upload: ${sent.status} ${sent.text}`);
    await api(base, 'POST', '/pins', { board_id: board.id, media_source: { source_type: 'video_id', media_id: warm.media_id, cover_image_data: PNG_1X1, cover_image_content_type: 'image/png' } });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const pid = child.pid!;
    const idleMb = memoryMbOf(pid, 'VmRSS');
    const peakReset = resetPeakMemory(pid);

    const registered = await api(base, 'POST', '/media', { media_type: 'video' });
    const form = uploadFormAround(registered.upload_parameters);
    const padding = UPLOAD_BENCH_BYTES - video.length;
    const started = performance.now();
    const status = await new Promise<number>((resolve, reject) => {
      const upload = request(registered.upload_url, {
        method: 'POST',
        headers: { 'content-type': form.contentType, 'content-length': form.head.length + UPLOAD_BENCH_BYTES + form.tail.length },
      });
      upload.on('response', (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode!));
      });
      upload.on('error', reject);
      // The file is made as it is sent (the same zeroed megabyte again and again): this process holds none of it.
      const zeros = Buffer.alloc(1024 * 1024);
      let left = padding - 8;
      const more = () => {
        while (left > 0) {
          const chunk = left >= zeros.length ? zeros : zeros.subarray(0, left);
          left -= chunk.length;
          if (!upload.write(chunk)) return void upload.once('drain', more);
        }
        upload.end(form.tail);
      };
      upload.write(form.head);
      upload.write(video);
      upload.write(freeBoxHeader(padding));
      more();
    });
    const uploadSeconds = (performance.now() - started) / 1000;
    if (status !== 204) throw new Error(`500 MB upload answered ${status}`);
    const uploadPeakMb = memoryMbOf(pid, 'VmHWM');

    resetPeakMemory(pid);
    const pin = await api(base, 'POST', '/pins', { board_id: board.id, media_source: { source_type: 'video_id', media_id: registered.media_id, cover_image_key_frame_time: 1 } });
    const served = await fetch(pin.media.video_url);
    let servedBytes = 0;
    for await (const chunk of served.body!) servedBytes += (chunk as Uint8Array).length;
    if (servedBytes !== UPLOAD_BENCH_BYTES) throw new Error(`served ${servedBytes} bytes of ${UPLOAD_BENCH_BYTES}`);
    const servePeakMb = memoryMbOf(pid, 'VmHWM');
    return { idleMb, uploadPeakMb, servePeakMb, uploadSeconds, peakReset };
  } finally {
    await stop(child);
    rmSync(dir, { recursive: true, force: true });
  }
}

function reportUploadMemory(result: UploadMemory): void {
  const over = (peak: number) => peak - result.idleMb;
  const verdict = (peak: number) => (over(peak) <= 100 ? '' : '  ABOVE TARGET');
  console.log(
    `upload memory (one 500 MB video, --data store${result.peakReset ? '' : '; peak since start, clear_refs refused'}): idle RSS ${result.idleMb.toFixed(0)} MB; ` +
      `peak while uploading ${result.uploadPeakMb.toFixed(0)} MB (+${over(result.uploadPeakMb).toFixed(0)} MB, target <= +100 MB)${verdict(result.uploadPeakMb)}, ` +
      `${(UPLOAD_BENCH_BYTES / 1024 / 1024 / result.uploadSeconds).toFixed(0)} MB/s; ` +
      `peak while serving it back ${result.servePeakMb.toFixed(0)} MB (+${over(result.servePeakMb).toFixed(0)} MB)${verdict(result.servePeakMb)}`,
  );
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function reportBurst(result: Awaited<ReturnType<typeof imageBurst>>): void {
  const p99 = percentile(result.burst, 99);
  console.log(
    `image Pins: 20 parallel creations from distinct ${(result.imageBytes / 1e6).toFixed(1)}+ MB PNGs took ${result.createMs.toFixed(0)} ms; ` +
      `GET /v5/user_account meanwhile: ${result.burst.length} calls, p50 ${percentile(result.burst, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, ` +
      `max ${Math.max(...result.burst).toFixed(1)} ms (idle p99 ${percentile(result.idle, 99).toFixed(1)} ms; target p99 < 50 ms)${p99 < 50 ? '' : '  ABOVE TARGET'}`,
  );
}

/** A fresh pinbox holding one Pin; returns the Pin's URL. */
async function pinboxWithOnePin(extraArgs: string[]): Promise<{ child: ChildProcess; pinUrl: string }> {
  const { child, port } = await startPinbox(extraArgs);
  const base = `http://127.0.0.1:${port}`;
  const board = await api(base, 'POST', '/boards', { name: 'limiter bench' });
  const pin = await api(base, 'POST', '/pins', { board_id: board.id, title: 'p', media_source: { source_type: 'image_base64', content_type: 'image/png', data: PNG_1X1 } });
  return { child, pinUrl: `${base}/v5/pins/${pin.id}` };
}

/** GET a Pin with the limiter counting every call against the same with limits off, in turns. */
function limiterCost(): Promise<{ on: Result; off: Result; medianRatio: number }> {
  return costInTurns(COUNTED_NOT_REFUSED, ['--rate-limits', 'off']);
}

/**
 * GET a Pin with the request journal recording every call against the same with it
 * off. The difference is small beside a shared machine's noise, so it is measured
 * in eight short turns, the order swapped every turn, and judged by the median of
 * the turns' ratios.
 */
function journalCost(): Promise<{ on: Result; off: Result; medianRatio: number }> {
  const turnSeconds = Math.max(2, Math.round(DURATION / 3));
  return costInTurns([...COUNTED_NOT_REFUSED, '--journal', 'on'], [...COUNTED_NOT_REFUSED, '--journal', 'off'], 8, turnSeconds);
}

/** GET a Pin on two pinboxes started with `onArgs` and `offArgs`, measured in turns (on, off, off, on, ...). */
async function costInTurns(onArgs: string[], offArgs: string[], turns = 2, seconds = DURATION): Promise<{ on: Result; off: Result; medianRatio: number }> {
  const on = await pinboxWithOnePin(onArgs);
  const off = await pinboxWithOnePin(offArgs);
  try {
    const runs = { on: [] as Result[], off: [] as Result[] };
    for (let turn = 0; turn < turns; turn++) {
      if (turn % 2 === 0) {
        runs.on.push(await load(on.pinUrl, { duration: seconds }));
        runs.off.push(await load(off.pinUrl, { duration: seconds }));
      } else {
        runs.off.push(await load(off.pinUrl, { duration: seconds }));
        runs.on.push(await load(on.pinUrl, { duration: seconds }));
      }
    }
    const ratios = runs.on.map((r, i) => r.rps / runs.off[i].rps).sort((a, b) => a - b);
    const medianRatio = (ratios[Math.floor((ratios.length - 1) / 2)] + ratios[Math.ceil((ratios.length - 1) / 2)]) / 2;
    const mean = (results: Result[]): Result => ({
      rps: results.reduce((sum, r) => sum + r.rps, 0) / results.length,
      p99: Math.max(...results.map((r) => r.p99)),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
    });
    return { on: mean(runs.on), off: mean(runs.off), medianRatio };
  } finally {
    await stop(on.child);
    await stop(off.child);
  }
}

/** GET a Pin as an agent (pins: read) against the same as the plain token, on one pinbox, in turns. */
async function gatewayCost(): Promise<{ agent: Result; token: Result; medianRatio: number; cpuRatio: number }> {
  const adminKey = 'pinbox_admin_bench';
  const { child, pinUrl } = await pinboxWithOnePin([...COUNTED_NOT_REFUSED, '--admin-key', adminKey]);
  try {
    const base = new URL(pinUrl).origin;
    const made = await fetch(`${base}/_pinbox/agents`, {
      method: 'POST',
      headers: { 'x-pinbox-admin-key': adminKey, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'bench-agent', user: 'pinbox_dev', policy: { areas: { pins: 'read', boards: 'read' } } }),
    });
    if (made.status !== 201) throw new Error(`making the bench agent: ${made.status} ${await made.text()}`);
    const { key } = (await made.json()) as { key: string };
    const agentHeaders = { authorization: `Bearer ${key}` };
    const seconds = Math.max(2, Math.round(DURATION / 3));
    const runs = { agent: [] as Result[], token: [] as Result[] };
    for (let turn = 0; turn < 8; turn++) {
      const agentTurn = () => load(pinUrl, { duration: seconds, headers: agentHeaders, pid: child.pid }).then((r) => runs.agent.push(r));
      const tokenTurn = () => load(pinUrl, { duration: seconds, pid: child.pid }).then((r) => runs.token.push(r));
      if (turn % 2 === 0) await agentTurn().then(tokenTurn);
      else await tokenTurn().then(agentTurn);
    }
    const median = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return (sorted[Math.floor((sorted.length - 1) / 2)] + sorted[Math.ceil((sorted.length - 1) / 2)]) / 2;
    };
    const mean = (results: Result[]): Result => ({
      rps: results.reduce((sum, r) => sum + r.rps, 0) / results.length,
      p99: Math.max(...results.map((r) => r.p99)),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
      cpuUs: results.every((r) => r.cpuUs !== undefined) ? results.reduce((sum, r) => sum + r.cpuUs!, 0) / results.length : undefined,
    });
    return {
      agent: mean(runs.agent),
      token: mean(runs.token),
      medianRatio: median(runs.agent.map((r, i) => r.rps / runs.token[i].rps)),
      cpuRatio: median(runs.agent.map((r, i) => (r.cpuUs ?? NaN) / (runs.token[i].cpuUs ?? NaN))),
    };
  } finally {
    await stop(child);
  }
}

function reportGateway(gateway: Awaited<ReturnType<typeof gatewayCost>>): void {
  const extra = (1 / gateway.medianRatio - 1) * 100;
  console.log(
    `agent gateway, GET a Pin (8 turns each): plain token ${gateway.token.rps.toFixed(0)} req/s (p99 ${gateway.token.p99} ms, ${gateway.token.cpuUs?.toFixed(0) ?? '-'} µs CPU a call), ` +
      `agent key ${gateway.agent.rps.toFixed(0)} req/s (p99 ${gateway.agent.p99} ms, ${gateway.agent.cpuUs?.toFixed(0) ?? '-'} µs CPU a call): ` +
      `median ratio agent/token ${gateway.medianRatio.toFixed(3)} (${extra.toFixed(1)}% extra time a call; CPU a call ×${gateway.cpuRatio.toFixed(3)}; target under 15%)${extra < 15 ? '' : '  ABOVE TARGET'}, ` +
      `errors ${gateway.agent.errors + gateway.token.errors}`,
  );
}

async function startupMs(): Promise<number> {
  const port = 40000 + Math.floor(Math.random() * 20000);
  const started = performance.now();
  // On its own core like the servers above, so the polling below does not slow its start.
  const argv = [CLI, 'start', '--port', String(port), '--log-level', 'warn', '--token', TOKEN];
  const child = hasTaskset ? spawn('taskset', ['-c', '0', process.execPath, ...argv], { stdio: 'ignore' }) : spawn(process.execPath, argv, { stdio: 'ignore' });
  try {
    for (;;) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/v5/user_account`, { headers: { authorization: `Bearer ${TOKEN}` } });
        if (response.status === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 2));
      if (performance.now() - started > 10_000) throw new Error('pinbox did not answer within 10 s');
    }
  } finally {
    await stop(child);
  }
}

function reportLimiter(limiter: { on: Result; off: Result }): void {
  console.log(
    `rate limiter, GET a Pin (2 turns each): limits off ${limiter.off.rps.toFixed(0)} req/s (p99 ${limiter.off.p99} ms), ` +
      `limits on ${limiter.on.rps.toFixed(0)} req/s (p99 ${limiter.on.p99} ms): ratio on/off ${(limiter.on.rps / limiter.off.rps).toFixed(2)}, ` +
      `errors ${limiter.on.errors + limiter.off.errors}`,
  );
}

/** Runs `load` against several URLs at once, the connections split between them; req/s add up. */
async function loadSpread(urls: string[], options: Parameters<typeof load>[1] = {}): Promise<Result> {
  const results = await Promise.all(
    urls.map((url) =>
      autocannon({
        url,
        method: options.method ?? 'GET',
        body: options.body,
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
        connections: Math.max(1, Math.round(CONNECTIONS / urls.length)),
        duration: DURATION,
      }),
    ),
  );
  return {
    rps: results.reduce((sum, r) => sum + r.requests.average, 0),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    errors: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
  };
}

/** GET a Pin and create a Pin (a picture pinbox stores already) against the processes at `bases`, as the dev user. */
async function getAndCreate(bases: string[]): Promise<{ get: Result; create: Result }> {
  const board = await api(bases[0], 'POST', '/boards', { name: `scale ${bases.length} ${Date.now()}` });
  const pin = await api(bases[0], 'POST', '/pins', { board_id: board.id, title: 'p', media_source: { source_type: 'image_base64', content_type: 'image/png', data: PNG_1X1 } });
  const body = JSON.stringify({ board_id: board.id, title: 'bench', media_source: { source_type: 'image_base64', content_type: 'image/png', data: PNG_1X1 } });
  const get = await loadSpread(bases.map((base) => `${base}/v5/pins/${pin.id}`));
  const create = await loadSpread(bases.map((base) => `${base}/v5/pins`), { method: 'POST', body });
  return { get, create };
}

/** One user of the scale-out bench: a token, a board, a picture of their own that pinbox stores, a Pin to read. */
interface BenchUser {
  token: string;
  ownerId: string;
  username: string;
  board: string;
  pin: string;
  picture: string;
  pictureKey: string;
  media: string;
}

const SCALE_USERS = 16;
const SCALE_ADMIN_KEY = 'pinbox_admin_BENCHSCALEOUT';

/** SCALE_USERS users (a fixture through the control plane), each with a board and a Pin of a picture no other user sends. */
async function scaleUsers(base: string): Promise<BenchUser[]> {
  const fixture = {
    users: Array.from({ length: SCALE_USERS }, (_, i) => ({ username: `bench_${i}` })),
    apps: [{ name: 'bench', owner: 'bench_0', secret: 'bench-secret-0123456789', tier: 'standard' }],
    tokens: Array.from({ length: SCALE_USERS }, (_, i) => ({ user: `bench_${i}`, app: 'bench', scopes: ['boards:read', 'boards:write', 'pins:read', 'pins:write', 'user_accounts:read'], token: `pina_BENCHUSER${String(i).padStart(2, '0')}0000000000000000` })),
    boards: Array.from({ length: SCALE_USERS }, (_, i) => ({ owner: `bench_${i}`, name: 'bench board' })),
  };
  const seeded = await fetch(`${base}/_pinbox/fixtures`, { method: 'POST', headers: { 'x-pinbox-admin-key': SCALE_ADMIN_KEY, 'content-type': 'application/json' }, body: JSON.stringify(fixture) });
  if (seeded.status >= 300) throw new Error(`fixture: ${seeded.status} ${await seeded.text()}`);
  return Promise.all(
    fixture.tokens.map(async ({ token }, i) => {
      const as = (method: string, path: string, body?: unknown) =>
        fetch(`${base}/v5${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) }).then((r) => r.json() as Promise<any>);
      const board = (await as('GET', '/boards')).items[0];
      const png = await sharp({ create: { width: 1, height: 1, channels: 3, background: { r: i * 15, g: 255 - i * 15, b: 128 } } }).png().toBuffer();
      const picture = png.toString('base64');
      const pin = await as('POST', '/pins', { board_id: board.id, title: 'p', media_source: { source_type: 'image_base64', content_type: 'image/png', data: picture } });
      const me = await as('GET', '/user_account');
      const pictureKey = /\/originals\/([0-9a-f]{64})\./.exec(pin.media.images.originals.url)![1];
      // The media JSON as pinbox stores it: its URLs relative to pinbox.
      const media = JSON.stringify(pin.media).replaceAll(base, '');
      return { token, ownerId: me.id ?? '', username: me.username, board: board.id, pin: pin.id, picture, pictureKey, media };
    }),
  );
}

/**
 * One connection per user, users `first` to `first + connections - 1`: an autocannon
 * of one connection each (autocannon's request context is not kept per connection),
 * so each connection writes its own user's board, and no two at once the same.
 */
async function loadUsers(base: string, users: BenchUser[], first: number, connections: number, kind: 'get' | 'create', seconds: number): Promise<Result> {
  const results = await Promise.all(
    Array.from({ length: connections }, (_, k) => {
      const user = users[(first + k) % users.length];
      return autocannon({
        url: kind === 'get' ? `${base}/v5/pins/${user.pin}` : `${base}/v5/pins`,
        method: kind === 'get' ? 'GET' : 'POST',
        headers: { authorization: `Bearer ${user.token}`, 'content-type': 'application/json' },
        body: kind === 'get' ? undefined : JSON.stringify({ board_id: user.board, title: 'bench', media_source: { source_type: 'image_base64', content_type: 'image/png', data: user.picture } }),
        connections: 1,
        duration: seconds,
      });
    }),
  );
  return {
    rps: results.reduce((sum, r) => sum + r.requests.average, 0),
    p99: Math.max(...results.map((r) => r.latency.p99)),
    errors: results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0),
  };
}

/** The same load spread over several servers, the connections (and users) split between them; req/s add up. */
async function loadUsersSpread(bases: string[], users: BenchUser[], connections: number, kind: 'get' | 'create', seconds: number): Promise<Result> {
  const share = Math.max(1, Math.round(connections / bases.length));
  const results = await Promise.all(bases.map((base, i) => loadUsers(base, users, i * share, share, kind, seconds)));
  return { rps: results.reduce((sum, r) => sum + r.rps, 0), p99: Math.max(...results.map((r) => r.p99)), errors: results.reduce((sum, r) => sum + r.errors, 0) };
}

function mergeCounts(maps: Map<string, number>[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const map of maps) for (const [key, n] of map) out.set(key, (out.get(key) ?? 0) + n);
  return out;
}

/** The machine's CPU time so far, busy and all, in clock ticks (/proc/stat's first line); null where there is none. */
function machineTicks(): { busy: number; all: number } | null {
  if (!existsSync('/proc/stat')) return null;
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].split(/\s+/).slice(1).map(Number);
  const all = fields.reduce((sum, n) => sum + n, 0);
  // idle and iowait are the fourth and fifth.
  return { busy: all - fields[3] - fields[4], all };
}

/** Lock waits of pinbox's pooled connections, sampled from pg_stat_activity and pg_locks while `during` runs. */
async function sampleLockWaits<T>(
  databaseUrl: URL,
  schema: string,
  during: () => Promise<T>,
): Promise<{ result: T; waitingMs: number; busyMs: number; samples: number; waitingSamples: number; ungranted: number; kinds: Map<string, number> }> {
  const { default: pg } = await import('pg');
  const { withDefaultUser, applicationName } = await import('../src/storage/postgres/postgres-database.js');
  const url = new URL(databaseUrl);
  url.searchParams.delete('schema');
  const client = new pg.Client({ connectionString: withDefaultUser(url).toString() });
  await client.connect();
  const totals = { waitingMs: 0, busyMs: 0, samples: 0, waitingSamples: 0, ungranted: 0, kinds: new Map<string, number>() };
  let running = true;
  const sampler = (async () => {
    let last = performance.now();
    while (running) {
      const { rows } = await client.query<{ waiting: number; busy: number; ungranted: number; kinds: string[] | null }>(
        `SELECT (SELECT COUNT(*) FROM pg_stat_activity a WHERE a.application_name = $1 AND a.wait_event_type = 'Lock')::int AS waiting,
                (SELECT COUNT(*) FROM pg_stat_activity a WHERE a.application_name = $1 AND a.state <> 'idle')::int AS busy,
                (SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE NOT l.granted AND a.application_name = $1)::int AS ungranted,
                (SELECT array_agg(l.locktype || ' ' || l.mode || COALESCE(' ' || l.relation::regclass::text, '')) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                  WHERE NOT l.granted AND a.application_name = $1) AS kinds`,
        [applicationName(schema, 'pool')],
      );
      for (const kind of rows[0].kinds ?? []) totals.kinds.set(kind, (totals.kinds.get(kind) ?? 0) + 1);
      const now = performance.now();
      const elapsed = now - last;
      last = now;
      totals.samples++;
      totals.waitingMs += rows[0].waiting * elapsed;
      totals.busyMs += rows[0].busy * elapsed;
      totals.ungranted += rows[0].ungranted;
      if (rows[0].waiting > 0) totals.waitingSamples++;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  })();
  try {
    const result = await during();
    return { result, ...totals };
  } finally {
    running = false;
    await sampler;
    await client.end();
  }
}

/**
 * `--backend postgres`: PostgreSQL's ceiling (bench/postgres-server.ts, bare Fastify
 * + pg on the schema pinbox made), one pinbox process and two on one PostgreSQL and
 * Redis, GET a Pin and create a Pin with SCALE_USERS connections, each a user of its
 * own on a board of its own with a picture of its own; the three setups measured in
 * turns (their order rotated), ratios the medians of the turns'. Lock waits of
 * pinbox's connections are sampled during its creates. One process on SQLite, as
 * the dev user, is printed for reference.
 */
async function scaleOut(): Promise<void> {
  const databaseUrl = process.env.PINBOX_BENCH_DATABASE_URL ?? 'postgres://127.0.0.1:5432/test';
  const redisUrl = process.env.PINBOX_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const schema = `pbbench_${process.pid}`;
  const url = new URL(databaseUrl);
  url.searchParams.set('schema', schema);
  const blobs = mkdtempSync(join(tmpdir(), 'pinbox-bench-blobs-'));
  // PINBOX_BENCH_FLAGS adds flags to both pinbox processes (e.g. '--rate-limits off --journal off', to see what they cost).
  const extra = (process.env.PINBOX_BENCH_FLAGS ?? '').split(/\s+/).filter(Boolean);
  const shared = ['--database-url', url.toString(), '--redis-url', redisUrl, '--blobs', blobs, '--admin-key', SCALE_ADMIN_KEY, ...COUNTED_NOT_REFUSED, ...extra];
  const seconds = Math.max(2, Math.round(DURATION / 2));
  const turns = 3;
  console.log(
    `bench --backend postgres: ${SCALE_USERS} connections, one user each; ${turns} turns of ${seconds}s per setup and scenario; processes not pinned (PostgreSQL, Redis, pinbox and the load share the ${cpus().length} cores)\n`,
  );
  const sqlite = await startPinbox(COUNTED_NOT_REFUSED, false);
  const onSqlite = await getAndCreate([`http://127.0.0.1:${sqlite.port}`]);
  await stop(sqlite.child);
  const first = await startPinbox(shared, false);
  let second: { child: ChildProcess; port: number } | null = null;
  let ceiling: { child: ChildProcess; port: number } | null = null;
  try {
    const one = [`http://127.0.0.1:${first.port}`];
    const users = await scaleUsers(one[0]);
    second = await startPinbox(shared, false);
    const two = [...one, `http://127.0.0.1:${second.port}`];
    const seed = Object.fromEntries(users.map((u) => [u.token, { board: u.board, picture: u.pictureKey, owner: u.ownerId, username: u.username, media: u.media }]));
    ceiling = await startProcess(['--import', 'tsx', POSTGRES], /listening (\d+)/, false, { DATABASE_URL: url.toString(), SEED: JSON.stringify(seed) });
    const ceilingBase = [`http://127.0.0.1:${ceiling.port}`];
    const setups = { ceiling: ceilingBase, one, two } as const;
    type Setup = keyof typeof setups;
    const runs: Record<'get' | 'create', Record<Setup, Result[]>> = {
      get: { ceiling: [], one: [], two: [] },
      create: { ceiling: [], one: [], two: [] },
    };
    const waits: Record<'one' | 'two', Awaited<ReturnType<typeof sampleLockWaits>>[]> = { one: [], two: [] };
    /** How busy the whole machine was during each setup's turns (this bench's processes and everyone else's). */
    const busy: Record<Setup, number[]> = { ceiling: [], one: [], two: [] };
    const order: Setup[] = ['ceiling', 'one', 'two'];
    for (const kind of ['get', 'create'] as const) {
      // A first short round warms every server (prepared statements, JIT) before anything is counted.
      for (const setup of order) await loadUsersSpread(setups[setup], users, SCALE_USERS, kind, 1);
      for (let turn = 0; turn < turns; turn++) {
        for (let i = 0; i < order.length; i++) {
          const setup = order[(i + turn) % order.length];
          const measure = async () => {
            const before = machineTicks();
            const result = await loadUsersSpread(setups[setup], users, SCALE_USERS, kind, seconds);
            const after = machineTicks();
            if (before && after) busy[setup].push((after.busy - before.busy) / Math.max(1, after.all - before.all));
            return result;
          };
          if (kind === 'create' && setup !== 'ceiling') {
            const sampled = await sampleLockWaits(url, schema, measure);
            waits[setup].push(sampled);
            runs[kind][setup].push(sampled.result);
          } else runs[kind][setup].push(await measure());
        }
      }
    }
    const mean = (results: Result[]): Result => ({
      rps: results.reduce((sum, r) => sum + r.rps, 0) / results.length,
      p99: Math.max(...results.map((r) => r.p99)),
      errors: results.reduce((sum, r) => sum + r.errors, 0),
    });
    const spread = (results: Result[]) => `${Math.min(...results.map((r) => r.rps)).toFixed(0)}–${Math.max(...results.map((r) => r.rps)).toFixed(0)}`;
    const row = (name: string, results: Result[]) => {
      const r = mean(results);
      return `${name.padEnd(44)}| ${r.rps.toFixed(0).padStart(8)} | ${spread(results).padStart(11)} | ${String(r.p99).padStart(7)} | ${r.errors}`;
    };
    console.log('setup (req/s: mean of the turns, and their range)   | req/s    | turns       | p99 ms  | errors');
    console.log('--------------------------------------------|----------|-------------|---------|-------');
    console.log(row('GET a Pin, PostgreSQL ceiling (Fastify + pg)', runs.get.ceiling));
    console.log(row('GET a Pin, pinbox, 1 process', runs.get.one));
    console.log(row('GET a Pin, pinbox, 2 processes', runs.get.two));
    console.log(row('create a Pin, PostgreSQL ceiling', runs.create.ceiling));
    console.log(row('create a Pin, pinbox, 1 process', runs.create.one));
    console.log(row('create a Pin, pinbox, 2 processes', runs.create.two));
    console.log(row('GET a Pin, SQLite, 1 process (dev user)', [onSqlite.get]));
    console.log(row('create a Pin, SQLite, 1 process (dev user)', [onSqlite.create]));
    const ratio = (kind: 'get' | 'create', top: Setup, bottom: Setup) => median(runs[kind][top].map((r, i) => r.rps / runs[kind][bottom][i].rps));
    const judged = (value: number, target: number) => `${value.toFixed(2)} (>= ${target})${value >= target ? '' : '  BELOW TARGET'}`;
    console.log(`\n1 pinbox process / PostgreSQL ceiling: GET a Pin ${judged(ratio('get', 'one', 'ceiling'), 0.7)}, create a Pin ${judged(ratio('create', 'one', 'ceiling'), 0.7)}`);
    console.log(`2 pinbox processes / 1: GET a Pin ${judged(ratio('get', 'two', 'one'), 1.0)}, create a Pin ${judged(ratio('create', 'two', 'one'), 1.0)}`);
    const busyOf = (setup: Setup) => (busy[setup].length ? `${(100 * median(busy[setup])).toFixed(0)}%` : '-');
    console.log(`the machine's CPU busy during the runs (medians; every process on it, others' included): ceiling ${busyOf('ceiling')}, 1 process ${busyOf('one')}, 2 processes ${busyOf('two')}`);
    for (const setup of ['one', 'two'] as const) {
      const w = waits[setup];
      const creates = runs.create[setup].reduce((sum, r) => sum + r.rps * seconds, 0);
      const waitingMs = w.reduce((sum, s) => sum + s.waitingMs, 0);
      const busyMs = w.reduce((sum, s) => sum + s.busyMs, 0);
      const samples = w.reduce((sum, s) => sum + s.samples, 0);
      const waitingSamples = w.reduce((sum, s) => sum + s.waitingSamples, 0);
      console.log(
        `lock waits, create a Pin on ${setup === 'one' ? '1 process ' : '2 processes'}: ${waitingMs.toFixed(0)} ms of connection time waiting on a lock over ${creates.toFixed(0)} creates ` +
          `(${((waitingMs / Math.max(1, creates)) * 1000).toFixed(0)} µs a create; ${((100 * waitingMs) / Math.max(1, busyMs)).toFixed(1)}% of the time its connections were busy); ` +
          `${waitingSamples} of ${samples} samples of pg_stat_activity saw one waiting` +
          (waitingSamples > 0 ? `, on ${[...mergeCounts(w.map((s) => s.kinds))].sort((a, b) => b[1] - a[1]).slice(0, 3).map(([kind, n]) => `${kind} (${n})`).join(', ')}` : ''),
      );
    }
  } finally {
    if (ceiling) await stop(ceiling.child);
    if (second) await stop(second.child);
    await stop(first.child);
    rmSync(blobs, { recursive: true, force: true });
    const { default: pg } = await import('pg');
    const { withDefaultUser } = await import('../src/storage/postgres/postgres-database.js');
    url.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: withDefaultUser(url).toString() });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
    // The processes' counts, clock and rules in Redis go with the schema.
    const { Redis } = await import('ioredis');
    const redis = new Redis(redisUrl);
    const stream = redis.scanStream({ match: `pinbox:${schema}:*`, count: 500 });
    for await (const keys of stream) if ((keys as string[]).length > 0) await redis.del(...(keys as string[]));
    redis.disconnect();
  }
}

const BIG = { pins: 100_000, matches: 10_000, word: 'salad', analyticsDays: 90 } as const;
const BIG_TARGETS: Record<number, number> = { 1: 50, 16: 200 };

/**
 * A --data store holding one user with BIG.pins Pins made over the last 120 days,
 * BIG.matches of them with BIG.word in the title. The Pins are written with SQL in
 * one transaction (the API would take minutes); the schema's triggers index them.
 */
async function bigStore(): Promise<{ dir: string; data: string; seedMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-bench-'));
  const data = join(dir, 'bench.db');
  const first = await startPinbox(['--data', data], false);
  const base = `http://127.0.0.1:${first.port}`;
  const board = await api(base, 'POST', '/boards', { name: 'one hundred thousand' });
  const template = await api(base, 'POST', '/pins', { board_id: board.id, title: 'template', media_source: { source_type: 'image_base64', content_type: 'image/png', data: PNG_1X1 } });
  await stop(first.child);
  const started = performance.now();
  const db = new BetterSqlite3(data);
  const row = db.prepare('SELECT owner_id, media FROM pins WHERE id = ?').get(template.id) as { owner_id: string; media: string };
  const insert = db.prepare(
    `INSERT INTO pins (id, owner_id, board_id, title, description, alt_text, creative_type, is_standard, has_been_promoted, media, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'REGULAR', 1, 0, ?, ?)`,
  );
  const vocabulary = 'tomato basil lemon garlic pasta bread soup curry ginger honey olive pepper rice noodle mango berry cocoa vanilla cumin thyme'.split(' ');
  const pick = (i: number, k: number) => vocabulary[(i * 7 + k * 13 + Math.floor(i / 20)) % vocabulary.length];
  const span = 120 * 86_400_000;
  const start = Date.now() - span;
  db.transaction(() => {
    for (let i = 0; i < BIG.pins; i++) {
      const created = start + Math.floor((i * span) / BIG.pins);
      const title = i % (BIG.pins / BIG.matches) === 0 ? `${pick(i, 1)} ${BIG.word} with ${pick(i, 2)}` : `${pick(i, 1)} ${pick(i, 2)} ${pick(i, 3)}`;
      insert.run(
        (BigInt(created) * 1_000_000n + BigInt(i % 1000)).toString(),
        row.owner_id,
        board.id,
        title,
        `A recipe with ${pick(i, 4)}, ${pick(i, 5)} and ${pick(i, 6)}; serves ${1 + (i % 6)}.`,
        `A plate of ${pick(i, 7)}`,
        row.media,
        new Date(created).toISOString().slice(0, 19),
      );
    }
    db.prepare('UPDATE boards SET pin_count = pin_count + ? WHERE id = ?').run(BIG.pins, board.id);
  })();
  db.close();
  return { dir, data, seedMs: performance.now() - started };
}

interface BigRow {
  scenario: string;
  connections: number;
  bare: Result;
  pinbox: Result;
}

/** Search and account analytics over the 100,000-Pin store, at 1 and 16 connections, beside the bare server. */
async function searchAndAnalytics(only?: 'search' | 'analytics'): Promise<BigRow[]> {
  const today = new Date().toISOString().slice(0, 10);
  const from = new Date(Date.now() - (BIG.analyticsDays - 1) * 86_400_000).toISOString().slice(0, 10);
  const paths = [
    { scenario: `search ${BIG.pins / 1000}k Pins, ${BIG.matches / 1000}k match`, path: `/v5/search/pins?query=${BIG.word}`, kind: 'search' },
    { scenario: `account analytics ${BIG.analyticsDays} days`, path: `/v5/user_account/analytics?start_date=${from}&end_date=${today}`, kind: 'analytics' },
  ].filter((p) => !only || p.kind === only);
  const bare = await startProcess(['--import', 'tsx', BARE], /listening (\d+)/);
  const bareResults = new Map<string, Result>();
  for (const p of paths) for (const connections of [1, 16]) bareResults.set(`${p.path} ${connections}`, await load(`http://127.0.0.1:${bare.port}${p.path}`, { connections }));
  await stop(bare.child);

  const store = await bigStore();
  console.log(`wrote ${BIG.pins} Pins (${BIG.matches} with '${BIG.word}' in the title) and their search index in ${(store.seedMs / 1000).toFixed(1)} s`);
  const pinbox = await startPinbox(['--data', store.data, ...COUNTED_NOT_REFUSED]);
  const base = `http://127.0.0.1:${pinbox.port}`;
  try {
    for (const p of paths) {
      const started = performance.now();
      const response = await fetch(`${base}${p.path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await response.json()) as { items?: unknown[]; all?: { daily_metrics: unknown[] } };
      if (response.status !== 200) throw new Error(`${p.path}: ${response.status} ${JSON.stringify(body)}`);
      const size = body.items ? `${body.items.length} Pins` : `${body.all?.daily_metrics.length} days`;
      console.log(`first ${p.kind} call (${size}${p.kind === 'analytics' ? ', computes and stores the daily totals' : ''}): ${(performance.now() - started).toFixed(0)} ms`);
    }
    const rows: BigRow[] = [];
    for (const p of paths) {
      for (const connections of [1, 16]) {
        rows.push({ scenario: p.scenario, connections, bare: bareResults.get(`${p.path} ${connections}`)!, pinbox: await load(`${base}${p.path}`, { connections }) });
      }
    }
    return rows;
  } finally {
    await stop(pinbox.child);
    rmSync(store.dir, { recursive: true, force: true });
  }
}

function reportBig(rows: BigRow[]): void {
  console.log('\nscenario (100k Pins, one user)          | conns | bare req/s | bare p99 ms | pinbox req/s | pinbox p99 ms | ratio | p99 target | errors');
  console.log('----------------------------------------|-------|------------|-------------|--------------|---------------|-------|------------|-------');
  for (const row of rows) {
    const target = BIG_TARGETS[row.connections];
    console.log(
      `${row.scenario.padEnd(40)}| ${String(row.connections).padStart(5)} | ${row.bare.rps.toFixed(0).padStart(10)} | ${String(row.bare.p99).padStart(11)} | ${row.pinbox.rps.toFixed(0).padStart(12)} | ${String(row.pinbox.p99).padStart(13)} | ${(row.pinbox.rps / row.bare.rps).toFixed(2).padStart(5)} | ${`<${target} ms`.padStart(10)} | ${row.bare.errors + row.pinbox.errors}${row.pinbox.p99 < target ? '' : '  ABOVE TARGET'}`,
    );
  }
}

function reportJournal(journal: { on: Result; off: Result; medianRatio: number }): void {
  const cost = 1 - journal.medianRatio;
  console.log(
    `request journal, GET a Pin (8 turns each): journal off ${journal.off.rps.toFixed(0)} req/s (p99 ${journal.off.p99} ms), ` +
      `journal on ${journal.on.rps.toFixed(0)} req/s (p99 ${journal.on.p99} ms): ratio on/off of the means ${(journal.on.rps / journal.off.rps).toFixed(2)}, ` +
      `median of the turns' ratios ${journal.medianRatio.toFixed(2)}: cost ${(cost * 100).toFixed(1)}% (target < 10%)${cost < 0.1 ? '' : '  ABOVE TARGET'}, errors ${journal.on.errors + journal.off.errors}`,
  );
}

/** One scenario of the kernel's cost: pinbox beside both baselines. */
interface KernelRow {
  scenario: string;
  /** Means over the turns. */
  memory: Result;
  sqlite: Result | null;
  pinbox: Result;
  /** Medians of the turns' ratios: pinbox / memory baseline and pinbox / SQLite baseline. */
  ofMemory: number;
  ofSqlite: number | null;
  /** Targets for those ratios. */
  targets: { memory?: number; sqlite?: number };
}

const KERNEL_TURNS = 5;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return (sorted[Math.floor((sorted.length - 1) / 2)] + sorted[Math.ceil((sorted.length - 1) / 2)]) / 2;
}

function meanOf(results: Result[]): Result {
  const cpu = results.map((r) => r.cpuUs).filter((us): us is number => us !== undefined);
  return {
    rps: results.reduce((sum, r) => sum + r.rps, 0) / results.length,
    p99: Math.max(...results.map((r) => r.p99)),
    errors: results.reduce((sum, r) => sum + r.errors, 0),
    cpuUs: cpu.length ? median(cpu) : undefined,
  };
}

/**
 * GET a Pin, list 25 Pins of a board of BOARD_PINS and create a Pin (base64, a
 * picture pinbox stores already) on the bare server from memory, on the SQLite
 * ceiling (bench/sqlite-server.ts: pinbox's tables, indexes and triggers, the same
 * row count) and on pinbox. The three servers are up together (on core 0) and each
 * scenario is measured in KERNEL_TURNS turns of DURATION / 4 seconds,
 * the servers' order rotated every turn; a ratio is the median of the turns'.
 * With `imageUrl`, also create a Pin by image URL on pinbox (no baseline fetches).
 */
async function kernel(imageUrl?: string): Promise<KernelRow[]> {
  // The ceiling's store: the file an empty pinbox makes (its whole schema), seeded by the server itself.
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-bench-ceiling-'));
  const store = join(dir, 'ceiling.db');
  await stop((await startPinbox(['--data', store], false)).child);
  const memory = await startProcess(['--import', 'tsx', BARE], /listening (\d+)/);
  const ceiling = await startProcess(['--import', 'tsx', SQLITE], /listening (\d+)/, true, { STORE: store, PINS: String(BOARD_PINS) });
  const pinbox = await startPinbox(COUNTED_NOT_REFUSED);
  const memoryBase = `http://127.0.0.1:${memory.port}`;
  const ceilingBase = `http://127.0.0.1:${ceiling.port}`;
  const base = `http://127.0.0.1:${pinbox.port}`;
  try {
    // pinbox, seeded with a board of BOARD_PINS Pins through its own API.
    const board = await api(base, 'POST', '/boards', { name: 'bench board' });
    const seedStarted = performance.now();
    let made = 0;
    let firstPinId = '';
    const base64Body = (boardId: string) =>
      JSON.stringify({ board_id: boardId, title: 'bench', media_source: { source_type: 'image_base64', content_type: 'image/png', data: PNG_1X1 } });
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (made < BOARD_PINS) {
          made++;
          const pin = await api(base, 'POST', '/pins', {
            board_id: board.id,
            title: `bench pin ${made}`,
            media_source: { source_type: 'image_base64', content_type: 'image/png', data: PNG_1X1 },
          });
          firstPinId ||= pin.id;
        }
      }),
    );
    console.log(`seeded pinbox with ${BOARD_PINS} Pins in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s\n`);
    const seconds = Math.max(1, Math.round(DURATION / 4));
    // The image is one pinbox already stores (as most images a client sends again are), so this measures the create path.
    const scenarios = [
      {
        scenario: 'GET a Pin',
        targets: { memory: 0.6, sqlite: 0.75 },
        memory: () => load(`${memoryBase}/v5/pins/1800000000000000001`, { duration: seconds, pid: memory.child.pid }),
        sqlite: () => load(`${ceilingBase}/v5/pins/1800000000000000001`, { duration: seconds, pid: ceiling.child.pid }),
        pinbox: () => load(`${base}/v5/pins/${firstPinId}`, { duration: seconds, pid: pinbox.child.pid }),
      },
      {
        scenario: `list 25 Pins (board of ${BOARD_PINS / 1000}k)`,
        targets: { sqlite: 0.7 },
        memory: () => load(`${memoryBase}/v5/boards/1800000000000000000/pins?page_size=25`, { duration: seconds, pid: memory.child.pid }),
        sqlite: () => load(`${ceilingBase}/v5/boards/1800000000000000000/pins?page_size=25`, { duration: seconds, pid: ceiling.child.pid }),
        pinbox: () => load(`${base}/v5/boards/${board.id}/pins?page_size=25`, { duration: seconds, pid: pinbox.child.pid }),
      },
      {
        scenario: 'create a Pin (base64)',
        targets: { sqlite: 0.8 },
        memory: () => load(`${memoryBase}/v5/pins`, { method: 'POST', body: base64Body('1800000000000000000'), duration: seconds, pid: memory.child.pid }),
        sqlite: () => load(`${ceilingBase}/v5/pins`, { method: 'POST', body: base64Body('1800000000000000000'), duration: seconds, pid: ceiling.child.pid }),
        pinbox: () => load(`${base}/v5/pins`, { method: 'POST', body: base64Body(board.id), duration: seconds, pid: pinbox.child.pid }),
      },
    ];
    const rows: KernelRow[] = [];
    for (const s of scenarios) {
      const runs = { memory: [] as Result[], sqlite: [] as Result[], pinbox: [] as Result[] };
      const order = ['memory', 'sqlite', 'pinbox'] as const;
      for (let turn = 0; turn < KERNEL_TURNS; turn++) {
        for (let i = 0; i < order.length; i++) {
          const server = order[(i + turn) % order.length];
          runs[server].push(await s[server]());
        }
      }
      rows.push({
        scenario: s.scenario,
        memory: meanOf(runs.memory),
        sqlite: meanOf(runs.sqlite),
        pinbox: meanOf(runs.pinbox),
        ofMemory: median(runs.pinbox.map((r, i) => r.rps / runs.memory[i].rps)),
        ofSqlite: median(runs.pinbox.map((r, i) => r.rps / runs.sqlite[i].rps)),
        targets: s.targets,
      });
    }
    if (imageUrl) {
      const byUrl = JSON.stringify({ board_id: board.id, title: 'bench', media_source: { source_type: 'image_url', url: imageUrl } });
      const memoryCreate = rows[2].memory;
      const pinboxByUrl = await load(`${base}/v5/pins`, { method: 'POST', body: byUrl });
      // No target: each Pin fetches its image from a host in this (loaded) process, as Pinterest fetches it.
      rows.push({ scenario: 'create a Pin (image URL)', memory: memoryCreate, sqlite: null, pinbox: pinboxByUrl, ofMemory: pinboxByUrl.rps / memoryCreate.rps, ofSqlite: null, targets: {} });
    }
    return rows;
  } finally {
    await stop(pinbox.child);
    await stop(ceiling.child);
    await stop(memory.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

function reportKernel(rows: KernelRow[]): void {
  const ratio = (value: number | null, target: number | undefined) => (value === null ? '-' : value.toFixed(2) + (target === undefined ? '' : ` (>=${target})`));
  console.log(`kernel scenarios (${KERNEL_TURNS} turns each; req/s are the turns' means, ratios the medians of the turns' ratios)`);
  console.log('scenario                      | memory req/s | sqlite req/s | pinbox req/s | pinbox p99 ms | pinbox/memory | pinbox/sqlite  | errors');
  console.log('------------------------------|--------------|--------------|--------------|---------------|---------------|----------------|-------');
  for (const row of rows) {
    const below =
      (row.targets.memory !== undefined && row.ofMemory < row.targets.memory) || (row.targets.sqlite !== undefined && row.ofSqlite !== null && row.ofSqlite < row.targets.sqlite);
    console.log(
      `${row.scenario.padEnd(30)}| ${row.memory.rps.toFixed(0).padStart(12)} | ${(row.sqlite ? row.sqlite.rps.toFixed(0) : '-').padStart(12)} | ${row.pinbox.rps.toFixed(0).padStart(12)} | ${String(row.pinbox.p99).padStart(13)} | ` +
        `${ratio(row.ofMemory, row.targets.memory).padStart(13)} | ${ratio(row.ofSqlite, row.targets.sqlite).padStart(14)} | ` +
        `${row.memory.errors + (row.sqlite?.errors ?? 0) + row.pinbox.errors}${below ? '  BELOW TARGET' : ''}`,
    );
  }
  const ceiling = rows.filter((row) => row.sqlite).map((row) => `${row.scenario} ${(row.sqlite!.rps / row.memory.rps).toFixed(2)}`);
  console.log(`SQLite ceiling / memory baseline (means): ${ceiling.join(', ')}`);
  // CPU time per call barely depends on what else the machine runs: the same ratios, steadier.
  const cpuRows = rows.filter((row) => row.pinbox.cpuUs !== undefined && row.memory.cpuUs !== undefined);
  if (cpuRows.length) {
    console.log('server CPU per call, µs (medians of the turns), and the ratios it gives (baseline CPU / pinbox CPU):');
    for (const row of cpuRows) {
      const of = (r: Result | null) => (r?.cpuUs !== undefined ? (r.cpuUs / row.pinbox.cpuUs!).toFixed(2) : '-');
      console.log(
        `  ${row.scenario.padEnd(30)} memory ${row.memory.cpuUs!.toFixed(0).padStart(5)}, sqlite ${(row.sqlite?.cpuUs?.toFixed(0) ?? '-').padStart(5)}, pinbox ${row.pinbox.cpuUs!.toFixed(0).padStart(5)}: ` +
          `pinbox/memory ${of(row.memory)}, pinbox/sqlite ${of(row.sqlite)}`,
      );
    }
  }
}

/** Start to the first 200 with an empty store, five times, sorted. */
async function startups5(): Promise<number[]> {
  // Warm this process's HTTP client first, so its one-time set-up is not counted as pinbox's start.
  await fetch('http://127.0.0.1:1/').catch(() => undefined);
  const startups: number[] = [];
  for (let i = 0; i < 5; i++) startups.push(await startupMs());
  return startups.sort((a, b) => a - b);
}

function reportStartup(startups: number[]): void {
  const middle = median(startups);
  console.log(
    `start to first 200 (empty store, ${startups.length} runs): median ${middle.toFixed(0)} ms, min ${startups[0].toFixed(0)} ms, max ${startups.at(-1)!.toFixed(0)} ms (target <= 300 ms)${middle <= 300 ? '' : '  ABOVE TARGET'}`,
  );
}

/** How many campaigns the ads bench's account holds, and how many items its bulk create sends. */
const ADS = { campaigns: 10_000, batch: 30, turns: 2 } as const;

/**
 * Ads: list 25 campaigns of an ad account holding 10,000 (the first page, ACTIVE
 * and PAUSED by default) and a bulk create of 30 campaigns, on pinbox and on the
 * bare server, in turns; ratios of req/s and of server CPU per call. The account's
 * campaigns are written straight into a --data store from one made through the API.
 */
async function adsBench(): Promise<void> {
  const seconds = Math.min(DURATION, 5);
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-bench-ads-'));
  const data = join(dir, 'ads.db');
  const first = await startPinbox(['--data', data], false);
  const firstBase = `http://127.0.0.1:${first.port}`;
  const account = await api(firstBase, 'POST', '/ad_accounts', { name: 'bench ads' });
  const item = (i: number) => ({ name: `bench campaign ${i}`, objective_type: 'CONSIDERATION', daily_spend_cap: 50_000_000 });
  const [made] = (await api(firstBase, 'POST', `/ad_accounts/${account.id}/campaigns`, [item(0)])).items;
  await stop(first.child);
  const db = new BetterSqlite3(data);
  const template = db.prepare('SELECT * FROM ad_campaigns WHERE id = ?').get(made.data.id) as Record<string, unknown>;
  const columns = Object.keys(template);
  const insert = db.prepare(`INSERT INTO ad_campaigns (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  db.transaction(() => {
    for (let i = 1; i < ADS.campaigns; i++) {
      const row = { ...template, id: (BigInt(made.data.id) - BigInt(i)).toString().padStart(18, '0'), name: `bench campaign ${i}` };
      insert.run(...columns.map((column) => row[column] as string | number | null));
    }
  })();
  db.close();

  const bare = await startProcess(['--import', 'tsx', BARE], /listening (\d+)/);
  const pinbox = await startPinbox(['--data', data, ...COUNTED_NOT_REFUSED]);
  const listPath = `/v5/ad_accounts/${account.id}/campaigns`;
  const batch = JSON.stringify(Array.from({ length: ADS.batch }, (_, i) => item(i)));
  const scenarios = [
    { name: `list 25 of ${ADS.campaigns} campaigns`, options: {} },
    { name: `bulk create ${ADS.batch} campaigns`, options: { method: 'POST' as const, body: batch } },
  ];
  try {
    const page = await api(`http://127.0.0.1:${pinbox.port}`, 'GET', listPath.slice(3));
    if (page.items.length !== 25) throw new Error(`the list answered ${page.items.length} campaigns`);
    console.log(`bench --only ads: ${seconds}s per scenario and server, ${ADS.turns} turns, ${CONNECTIONS} connections, taskset ${hasTaskset ? 'on' : 'unavailable'}`);
    await againstBare(bare, pinbox, scenarios.map((scenario) => ({ ...scenario, path: listPath })), seconds, ADS.turns);
  } finally {
    await stop(pinbox.child);
    await stop(bare.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Each scenario on the bare server and on pinbox, in turns: mean req/s, pinbox's
 * worst p99, and the medians of pinbox/bare req/s and CPU per call, one table row each.
 */
async function againstBare(
  bare: { port: number; child: { pid?: number } },
  pinbox: { port: number; child: { pid?: number } },
  scenarios: readonly { name: string; path: string; options: Parameters<typeof load>[1] }[],
  seconds: number,
  turns: number,
): Promise<void> {
  console.log('scenario                        | bare req/s | pinbox req/s | pinbox p99 ms | pinbox/bare (req/s) | pinbox/bare (CPU per call) | errors');
  for (const scenario of scenarios) {
    const runs: { bare: Result; pinbox: Result }[] = [];
    for (let turn = 0; turn < turns; turn++) {
      const bareRun = await load(`http://127.0.0.1:${bare.port}${scenario.path}`, { ...scenario.options, duration: seconds, pid: bare.child.pid });
      const pinboxRun = await load(`http://127.0.0.1:${pinbox.port}${scenario.path}`, { ...scenario.options, duration: seconds, pid: pinbox.child.pid });
      runs.push({ bare: bareRun, pinbox: pinboxRun });
    }
    const rpsRatio = median(runs.map((r) => r.pinbox.rps / r.bare.rps));
    const cpuRatio = median(runs.map((r) => (r.bare.cpuUs !== undefined && r.pinbox.cpuUs !== undefined ? r.bare.cpuUs / r.pinbox.cpuUs : NaN)));
    const mean = (pick: (r: { bare: Result; pinbox: Result }) => number) => runs.reduce((sum, r) => sum + pick(r), 0) / runs.length;
    console.log(
      `${scenario.name.padEnd(32)}| ${mean((r) => r.bare.rps).toFixed(0).padStart(10)} | ${mean((r) => r.pinbox.rps).toFixed(0).padStart(12)} | ${String(Math.max(...runs.map((r) => r.pinbox.p99))).padStart(13)} | ` +
        `${rpsRatio.toFixed(3).padStart(19)} | ${(Number.isNaN(cpuRatio) ? '-' : cpuRatio.toFixed(3)).padStart(26)} | ${runs.reduce((n, r) => n + r.bare.errors + r.pinbox.errors, 0)}`,
    );
  }
}

/**
 * How many keywords the keywords bench's ad group holds, and how many the metrics call
 * asks about (500 fit Node's 16 KB request line; 2,000 short ones would too).
 */
const KEYWORDS = { keywords: 10_000, metrics: 500, turns: 2 } as const;

/**
 * Keywords and planning: list 25 of an ad group's 10,000 keywords, keyword metrics
 * for 500 keywords, and the top 50 growing trends (a day's answer, kept by the model), on pinbox and on the bare
 * server, in turns; ratios of req/s and of server CPU per call.
 */
async function keywordsBench(): Promise<void> {
  const seconds = Math.min(DURATION, 5);
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-bench-keywords-'));
  const data = join(dir, 'keywords.db');
  const bare = await startProcess(['--import', 'tsx', BARE], /listening (\d+)/);
  const pinbox = await startPinbox(['--data', data, ...COUNTED_NOT_REFUSED, '--rate-limit', 'standard.trends_read=999999999/second']);
  try {
    const base = `http://127.0.0.1:${pinbox.port}`;
    const account = await api(base, 'POST', '/ad_accounts', { name: 'bench keywords' });
    const [campaign] = (await api(base, 'POST', `/ad_accounts/${account.id}/campaigns`, [{ name: 'bench', objective_type: 'CONSIDERATION', daily_spend_cap: 50_000_000 }])).items;
    const [group] = (await api(base, 'POST', `/ad_accounts/${account.id}/ad_groups`, [{ campaign_id: campaign.data.id, name: 'bench', billable_event: 'CLICKTHROUGH', budget_in_micro_currency: 10_000_000, bid_in_micro_currency: 1_000_000 }])).items;
    for (let from = 0; from < KEYWORDS.keywords; from += 2000) {
      const keywords = Array.from({ length: 2000 }, (_, i) => ({ match_type: 'BROAD', value: `bench keyword ${from + i}` }));
      const made = await api(base, 'POST', `/ad_accounts/${account.id}/keywords`, { parent_id: group.data.id, keywords });
      if (made.errors.length > 0) throw new Error(`keywords refused: ${JSON.stringify(made.errors[0])}`);
    }
    const words = Array.from({ length: KEYWORDS.metrics }, (_, i) => (i % 2 ? `garden ${i}` : `summer salad ${i}`)).join(',');
    const scenarios = [
      { name: `list 25 of ${KEYWORDS.keywords} keywords`, path: `/v5/ad_accounts/${account.id}/keywords?ad_group_id=${group.data.id}`, options: {} },
      { name: `metrics of ${KEYWORDS.metrics} keywords`, path: `/v5/ad_accounts/${account.id}/keywords/metrics?country_code=US&keywords=${encodeURIComponent(words)}`, options: {} },
      { name: 'top 50 growing trends', path: '/v5/trends/keywords/US/top/growing', options: {} },
    ];
    console.log(`bench --only keywords: ${seconds}s per scenario and server, ${KEYWORDS.turns} turns, ${CONNECTIONS} connections, taskset ${hasTaskset ? 'on' : 'unavailable'}`);
    await againstBare(bare, pinbox, scenarios, seconds, KEYWORDS.turns);
  } finally {
    await stop(pinbox.child);
    await stop(bare.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ads analytics bench: how many serving ads, over how many days, and its targets. */
const ADS_ANALYTICS = { ads: 1000, days: 90, advanceDays: 30, turns: 2, targets: { p99: { 1: 100, 16: 400 } as Record<number, number>, advanceMs: 2000, reportMs: 2000 } } as const;
const ADS_ANALYTICS_ADMIN_KEY = 'pinbox_admin_BENCHADSANALYTICS';

/**
 * Ads analytics (`--only ads-analytics`): an ad account with 1,000 serving ads (one
 * made through the API, the rest written into the --data store beside it, approved)
 * on a frozen clock. Measures moving the clock by 30 days and the first analytics
 * call after it (which delivers the 30 days of every ad), DAY analytics over 90
 * days at 1 and 16 connections (p99) beside the bare server answering the same
 * path from memory, and a 1,000-ad × 90-day report from create to FINISHED.
 */
async function adsAnalyticsBench(): Promise<void> {
  const seconds = Math.min(DURATION, 5);
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-bench-ads-analytics-'));
  const data = join(dir, 'ads.db');
  const flags = ['--data', data, '--admin-key', ADS_ANALYTICS_ADMIN_KEY, '--analytics-seed', '19', ...COUNTED_NOT_REFUSED, '--rate-limit', 'standard.ads_analytics=999999999/second'];
  const control = async (base: string, path: string, body: unknown) => {
    const response = await fetch(`${base}/_pinbox${path}`, { method: 'POST', headers: { 'x-pinbox-admin-key': ADS_ANALYTICS_ADMIN_KEY, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (response.status !== 200) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  };
  const start = Date.UTC(2026, 0, 1);
  const first = await startPinbox(flags, false);
  const firstBase = `http://127.0.0.1:${first.port}`;
  await control(firstBase, '/clock/freeze', { at: start });
  const account = await api(firstBase, 'POST', '/ad_accounts', { name: 'bench ads analytics' });
  const [campaign] = (await api(firstBase, 'POST', `/ad_accounts/${account.id}/campaigns`, [{ name: 'bench', objective_type: 'AWARENESS' }])).items;
  const [group] = (
    await api(firstBase, 'POST', `/ad_accounts/${account.id}/ad_groups`, [
      { campaign_id: campaign.data.id, name: 'bench', billable_event: 'IMPRESSION', budget_in_micro_currency: 1_000_000_000_000, bid_in_micro_currency: 8_000_000 },
    ])
  ).items;
  const board = await api(firstBase, 'POST', '/boards', { name: 'bench ads' });
  const pin = await api(firstBase, 'POST', '/pins', { board_id: board.id, media_source: { source_type: 'image_base64', content_type: 'image/png', data: PNG_1X1 } });
  const [ad] = (await api(firstBase, 'POST', `/ad_accounts/${account.id}/ads`, [{ ad_group_id: group.data.id, pin_id: pin.id, creative_type: 'REGULAR' }])).items;
  await stop(first.child);
  const db = new BetterSqlite3(data);
  db.prepare("UPDATE ads SET review_status = 'APPROVED', review_due_at = NULL WHERE id = ?").run(ad.data.id);
  const template = db.prepare('SELECT * FROM ads WHERE id = ?').get(ad.data.id) as Record<string, unknown>;
  const columns = Object.keys(template);
  const insert = db.prepare(`INSERT INTO ads (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
  db.transaction(() => {
    for (let i = 1; i < ADS_ANALYTICS.ads; i++) {
      const row = { ...template, id: (BigInt(ad.data.id) - BigInt(i)).toString().padStart(18, '0') };
      insert.run(...columns.map((column) => row[column] as string | number | null));
    }
  })();
  db.close();

  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const columnsParam = 'SPEND_IN_MICRO_DOLLAR,IMPRESSION_1,CLICKTHROUGH_1,CTR,CPC_IN_MICRO_DOLLAR,CPM_IN_MICRO_DOLLAR';
  const pinbox = await startPinbox(flags);
  const base = `http://127.0.0.1:${pinbox.port}`;
  try {
    await control(base, '/clock/freeze', { at: start + 3_600_000 });
    const moves: number[] = [];
    let now = start + 3_600_000;
    for (let k = 0; k < ADS_ANALYTICS.days / ADS_ANALYTICS.advanceDays; k++) {
      const began = performance.now();
      await control(base, '/clock/advance', { by: `${ADS_ANALYTICS.advanceDays}d` });
      now += ADS_ANALYTICS.advanceDays * 86_400_000;
      const rows = await api(base, 'GET', `/ad_accounts/${account.id}/analytics?start_date=${day(now - 2 * 86_400_000)}&end_date=${day(now)}&granularity=DAY&columns=SPEND_IN_MICRO_DOLLAR`);
      moves.push(performance.now() - began);
      if (rows.length === 0) throw new Error('no delivery after moving the clock');
    }
    const path = `/v5/ad_accounts/${account.id}/analytics?start_date=${day(now - (ADS_ANALYTICS.days - 1) * 86_400_000)}&end_date=${day(now)}&granularity=DAY&columns=${columnsParam}`;
    const daily = await api(base, 'GET', path.slice(3));
    const bare = await startProcess(['--import', 'tsx', BARE], /listening (\d+)/);
    const rows: { connections: number; bare: Result; pinbox: Result }[] = [];
    for (const connections of [1, 16]) {
      const runs: { bare: Result; pinbox: Result }[] = [];
      for (let turn = 0; turn < ADS_ANALYTICS.turns; turn++) {
        runs.push({
          bare: await load(`http://127.0.0.1:${bare.port}${path}`, { connections, duration: seconds, pid: bare.child.pid }),
          pinbox: await load(`${base}${path}`, { connections, duration: seconds, pid: pinbox.child.pid }),
        });
      }
      const worst = runs.reduce((a, b) => (b.pinbox.p99 > a.pinbox.p99 ? b : a));
      rows.push({ connections, bare: worst.bare, pinbox: { ...worst.pinbox, errors: runs.reduce((n, r) => n + r.pinbox.errors + r.bare.errors, 0) } });
    }
    await stop(bare.child);

    const reportStarted = performance.now();
    const created = await api(base, 'POST', `/ad_accounts/${account.id}/reports`, {
      start_date: day(now - (ADS_ANALYTICS.days - 1) * 86_400_000),
      end_date: day(now),
      granularity: 'DAY',
      level: 'PIN_PROMOTION',
      columns: columnsParam.split(','),
    });
    await control(base, '/clock/advance', { by: '10s' });
    const finished = await api(base, 'GET', `/ad_accounts/${account.id}/reports?token=${created.token}`);
    const reportMs = performance.now() - reportStarted;
    if (finished.report_status !== 'FINISHED') throw new Error(`report ${finished.report_status}`);
    const fileStarted = performance.now();
    const file = (await (await fetch(finished.url)).json()) as Record<string, unknown[]>;
    const fileMs = performance.now() - fileStarted;
    const fileRows = Object.values(file).reduce((n, list) => n + list.length, 0);

    console.log(`bench --only ads-analytics: ${ADS_ANALYTICS.ads} serving ads, ${seconds}s per load run, ${ADS_ANALYTICS.turns} turns (worst p99 shown), taskset ${hasTaskset ? 'on' : 'unavailable'}`);
    const worstMove = Math.max(...moves);
    console.log(
      `advance a frozen clock ${ADS_ANALYTICS.advanceDays} days + first analytics call (delivers ${ADS_ANALYTICS.ads} ads × ${ADS_ANALYTICS.advanceDays} days): ${moves.map((ms) => ms.toFixed(0)).join(', ')} ms (target < ${ADS_ANALYTICS.targets.advanceMs} ms)${worstMove < ADS_ANALYTICS.targets.advanceMs ? '' : '  ABOVE TARGET'}`,
    );
    console.log(`DAY analytics of the account over ${ADS_ANALYTICS.days} days (${daily.length} rows summed over ${ADS_ANALYTICS.ads} ads):`);
    console.log('conns | bare req/s | bare p99 ms | pinbox req/s | pinbox p99 ms | p99 target | errors');
    for (const row of rows) {
      const target = ADS_ANALYTICS.targets.p99[row.connections];
      console.log(
        `${String(row.connections).padStart(5)} | ${row.bare.rps.toFixed(0).padStart(10)} | ${String(row.bare.p99).padStart(11)} | ${row.pinbox.rps.toFixed(0).padStart(12)} | ${String(row.pinbox.p99).padStart(13)} | ${`<${target} ms`.padStart(10)} | ${row.pinbox.errors}${row.pinbox.p99 < target ? '' : '  ABOVE TARGET'}`,
      );
    }
    console.log(
      `report ${ADS_ANALYTICS.ads} ads × ${ADS_ANALYTICS.days} days (PIN_PROMOTION, DAY): create to FINISHED ${reportMs.toFixed(0)} ms (target < ${ADS_ANALYTICS.targets.reportMs} ms)${reportMs < ADS_ANALYTICS.targets.reportMs ? '' : '  ABOVE TARGET'}; file ${fileRows} rows, ${finished.size} bytes, fetched in ${fileMs.toFixed(0)} ms`,
    );
  } finally {
    await stop(pinbox.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error('dist/ is missing: npm run bench builds it first');
  if (values.backend === 'postgres') return scaleOut();
  if (values.backend !== undefined && values.backend !== 'sqlite') throw new Error(`--backend takes sqlite or postgres, got '${values.backend}'`);
  if (values.only === 'kernel') {
    console.log(`bench --only kernel: ${DURATION}s per scenario, ${CONNECTIONS} connections, board of ${BOARD_PINS} Pins, taskset ${hasTaskset ? 'on (servers core 0, load core 1)' : 'unavailable'}\n`);
    const rows = await kernel();
    const startups = await startups5();
    reportKernel(rows);
    return reportStartup(startups);
  }
  // The parts --only runs; those below the line run only when asked.
  const parts: Record<string, () => Promise<void>> = {
    limiter: async () => reportLimiter(await limiterCost()),
    journal: async () => reportJournal(await journalCost()),
    images: async () => reportBurst(await imageBurst()),
    search: async () => reportBig(await searchAndAnalytics('search')),
    analytics: async () => reportBig(await searchAndAnalytics('analytics')),
    uploads: async () => reportUploadMemory(await uploadMemory()),
    // ----
    gateway: async () => reportGateway(await gatewayCost()),
    ads: adsBench,
    keywords: keywordsBench,
    'ads-analytics': adsAnalyticsBench,
    conversions: () => conversionsBench({ startPinbox, stop, api, token: TOKEN, seconds: DURATION, roomyLimits: COUNTED_NOT_REFUSED }),
    console: () => consoleBench({ startPinbox, stop, token: TOKEN, seconds: DURATION, roomyLimits: COUNTED_NOT_REFUSED }),
    catalogs: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pinbox-bench-catalogs-'));
      try {
        await catalogsBench({ startPinbox, api, stop, token: TOKEN, dir });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  if (values.only !== undefined) {
    const part = parts[values.only];
    if (!part) throw new Error(`--only takes kernel, ${Object.keys(parts).join(', ')}; got '${values.only}'`);
    return part();
  }
  const imageUrl = await imageHost();
  console.log(`bench: ${DURATION}s per scenario, ${CONNECTIONS} connections, board of ${BOARD_PINS} Pins, taskset ${hasTaskset ? 'on (servers core 0, load core 1)' : 'unavailable'}\n`);
  const kernelRows = await kernel(imageUrl);
  const limiter = await limiterCost();
  const journal = await journalCost();
  const burst = await imageBurst();
  const big = await searchAndAnalytics();
  const uploads = await uploadMemory();

  const startups = await startups5();
  reportKernel(kernelRows);
  console.log('');
  reportLimiter(limiter);
  reportJournal(journal);
  reportBurst(burst);
  reportBig(big);
  reportUploadMemory(uploads);
  console.log('');
  reportStartup(startups);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
