/**
 * Takes the README's picture of the console (docs/console-board.png): a pinbox
 * seeded with test/fixtures/shop.json, Debian's Chromium signed in through a
 * console link, alice's board of real images. Run: node --import tsx scripts/console-screenshot.ts
 */
import { chromium } from 'playwright-core';
import { startPinbox } from '../src/index.js';

const pinbox = await startPinbox({ port: 0, seed: 'test/fixtures/shop.json' });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const link = (await (await fetch(`${pinbox.url}/_pinbox/console/links`, { method: 'POST', headers: { 'x-pinbox-admin-key': pinbox.adminKey } })).json()) as { url: string };
  const page = await (await browser.newContext({ viewport: { width: 1100, height: 720 } })).newPage();
  await page.goto(link.url);
  await page.waitForURL(/\/console\/$/);
  const { token } = await pinbox.admin.issueToken({ username: 'alice' });
  const boards = (await (await fetch(`${pinbox.url}/v5/boards`, { headers: { authorization: `Bearer ${token}` } })).json()) as { items: { id: string }[] };
  await page.goto(`${pinbox.url}/console/#/content/alice/boards/${boards.items[0].id}`);
  await page.waitForFunction(() => [...document.images].length > 0 && [...document.images].every((image) => image.complete && image.naturalWidth > 0));
  await page.screenshot({ path: 'docs/console-board.png' });
  console.log('docs/console-board.png written');
} finally {
  await browser.close();
  await pinbox.close();
}
