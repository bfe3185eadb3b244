/**
 * The console in a real browser: Debian's Chromium driven by playwright-core (never
 * a downloaded browser), one per test file; a signed-in page per test; an axe-core
 * accessibility check; screenshots kept as test artifacts in test-artifacts/console/.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Pinbox } from '../src/index.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Where screenshots go (CI keeps the folder as the run's artifacts). */
export const ARTIFACTS = fileURLToPath(new URL('../test-artifacts/console/', import.meta.url));
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Launches Chromium once for the test file; closes it after. */
export function useBrowser(): () => Browser {
  let browser: Browser | null = null;
  before(async () => {
    assert.ok(existsSync(CHROMIUM), `Chromium is not at ${CHROMIUM}: install it with 'apt-get install -y chromium' (npm test tries to)`);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      // As root in a container Chromium needs --no-sandbox; the rest keeps it off a network it cannot reach.
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('browser not started');
    return browser;
  };
}

/** A new sign-in link of a running pinbox (what `pinbox ctl console-link` prints). */
export async function consoleLink(pinbox: Pinbox): Promise<string> {
  const response = await fetch(`${pinbox.url}/_pinbox/console/links`, { method: 'POST', headers: { 'x-pinbox-admin-key': pinbox.adminKey } });
  assert.equal(response.status, 201);
  return ((await response.json()) as { url: string }).url;
}

/**
 * A fresh browser context signed in to the console (through a sign-in link), at
 * `hash` (e.g. `#/content/alice`), the view rendered.
 * @example const { page } = await signedIn(browser(), server().pinbox, '#/overview')
 */
export async function signedIn(browser: Browser, pinbox: Pinbox, hash = '#/overview'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await page.goto(await consoleLink(pinbox));
  await page.waitForURL(/\/console\/$/);
  if (hash) await page.goto(`${pinbox.url}/console/${hash}`);
  // The view the hash names is the one shown (its nav link current), not the overview the page opened on.
  const view = /^#\/([^/?]+)/.exec(hash)?.[1] ?? 'overview';
  await page.waitForSelector(`#nav-${view}[aria-current="page"]`);
  await page.waitForSelector('main#view h1');
  return { context, page };
}

/** Fails on any serious or critical axe-core violation of the page as it is now. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  // Evaluated through the DevTools protocol: the console's CSP rightly refuses inline scripts.
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (context: Document, options: object) => Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(' ')) }));
  });
  const serious = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(serious, [], `${what}: axe-core found serious accessibility violations:\n${JSON.stringify(serious, null, 2)}`);
}

/** Keeps a full-page screenshot of the view as a test artifact. */
export async function keepScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
