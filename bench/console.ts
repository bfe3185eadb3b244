/**
 * `npm run bench -- --only console`: the console's live journal (#/requests) in
 * Debian's Chromium while pinbox takes 1,000 calls a second (autocannon at a fixed
 * rate, GET /v5/user_account, from this process) for the phase's seconds. In the
 * page: the frames drawn a second and the longest gap between two frames, first
 * with the page open and no calls (the same run's baseline), then under the calls;
 * and whether every call reached the page. Also the first view's load from a cold
 * page (sign-in link to the overview's data shown).
 */
import { loadavg } from 'node:os';
import type { ChildProcess } from 'node:child_process';
import autocannon from 'autocannon';
import { chromium, type Page } from 'playwright-core';

export interface ConsoleBenchDeps {
  startPinbox(extraArgs: string[], pinToCore0?: boolean): Promise<{ child: ChildProcess; port: number }>;
  stop(child: ChildProcess): Promise<void>;
  token: string;
  seconds: number;
  roomyLimits: readonly string[];
}

const RATE = 1000;
const ADMIN_KEY = 'pinbox_admin_console_bench';

/**
 * Frames drawn in `ms` and the longest gap between two, measured inside the page.
 * Sent as text: tsx would wrap a function's inner functions in a helper the page lacks.
 */
function frames(page: Page, ms: number): Promise<{ perSecond: number; longestGapMs: number }> {
  return page.evaluate(`new Promise((resolve) => {
    const began = performance.now();
    let last = began, count = 0, longest = 0;
    const tick = (now) => {
      longest = Math.max(longest, now - last);
      last = now;
      count++;
      if (now - began < ${ms}) requestAnimationFrame(tick);
      else resolve({ perSecond: (count * 1000) / (now - began), longestGapMs: Math.round(longest) });
    };
    requestAnimationFrame(tick);
  })`) as Promise<{ perSecond: number; longestGapMs: number }>;
}

export async function consoleBench(deps: ConsoleBenchDeps): Promise<void> {
  const pinbox = await deps.startPinbox(['--admin-key', ADMIN_KEY, ...deps.roomyLimits]);
  const base = `http://127.0.0.1:${pinbox.port}`;
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  try {
    const link = async () => ((await (await fetch(`${base}/_pinbox/console/links`, { method: 'POST', headers: { 'x-pinbox-admin-key': ADMIN_KEY } })).json()) as { url: string }).url;
    // The first view from a cold page: a new context, the printed link, the overview's data.
    const cold: number[] = [];
    for (let i = 0; i < 5; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      const began = Date.now();
      await page.goto(await link());
      await page.waitForSelector('#instance');
      cold.push(Date.now() - began);
      await context.close();
    }
    cold.sort((a, b) => a - b);

    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await page.goto(await link());
    await page.waitForSelector('#instance');
    await page.goto(`${base}/console/#/requests`);
    await page.waitForSelector('#requests-count');
    await page.waitForSelector('#requests-live.ok');
    const received = async () => Number(await page.getAttribute('#requests-count', 'data-received'));
    const ms = deps.seconds * 1000;
    const idle = await frames(page, ms);
    const before = await received();
    const [loaded, busy] = await Promise.all([
      autocannon({ url: `${base}/v5/user_account`, headers: { authorization: `Bearer ${deps.token}` }, connections: 16, overallRate: RATE, duration: deps.seconds }),
      frames(page, ms),
    ]);
    const answered = loaded['2xx'] + loaded.non2xx;
    const deadline = Date.now() + 30_000;
    while ((await received()) - before < answered && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    const shown = (await received()) - before;
    const rows = await page.$$eval('#requests-table tbody tr', (r) => r.length);
    console.log(`bench --only console: ${deps.seconds}s a phase, Chromium on #/requests, machine load average ${loadavg()[0].toFixed(2)}`);
    console.log(`first view from a cold page (sign-in link to the overview's data): median ${cold[2]} ms, max ${cold[4]} ms (target < 1000 ms)${cold[2] < 1000 ? '' : '  ABOVE TARGET'}`);
    console.log(
      `calls: ${(answered / deps.seconds).toFixed(0)}/s asked at ${RATE}/s (${loaded['2xx']} answered 200), ${shown} of ${answered} in the live journal page; rows in the DOM ${rows}`,
    );
    console.log(
      `frames: idle ${idle.perSecond.toFixed(1)}/s (longest gap ${idle.longestGapMs} ms), under the calls ${busy.perSecond.toFixed(1)}/s (longest gap ${busy.longestGapMs} ms): ratio ${(busy.perSecond / idle.perSecond).toFixed(2)}${busy.longestGapMs < 500 ? '' : '  THE PAGE FROZE'}`,
    );
  } finally {
    await browser.close();
    await deps.stop(pinbox.child);
  }
}
