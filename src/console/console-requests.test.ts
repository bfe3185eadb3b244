// pinbox test: the SQLite pass only (the console is the same page over either store, and what it calls is tested on both by the families' and the control plane's own tests).
/**
 * The console's Requests view (the journal live, filters, a call's detail with its
 * redacted headers, copy as curl, a burst of calls while the page stays responsive)
 * and its Faults & state view (fault rules added and removed from the page, reset,
 * snapshot round-trip, a bad fixture's errors by path), in a real browser.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBoard, newUser, unique, useServer } from '../../test/harness.js';
import { ControlClient, rawApi } from '../../test/control.js';
import { assertAccessible, keepScreenshot, signedIn, useBrowser } from '../../test/console.js';
import type { BrowserContext, Page } from 'playwright-core';
import type { Pinbox } from '../index.js';

const server = useServer();
const browser = useBrowser();
const control = () => new ControlClient(server().pinbox.url, server().pinbox.adminKey);

/** The ids of the journal rows in the DOM, newest first. */
function rowIds(page: Page): Promise<number[]> {
  return page.$$eval('#requests-table tbody tr[data-id]', (rows) => rows.map((row) => Number(row.getAttribute('data-id'))));
}

/** Signs a new browser context in at `hash` and waits for that view (not the overview the sign-in lands on). */
async function openView(pinbox: Pinbox, hash: string, title: string): Promise<{ context: BrowserContext; page: Page }> {
  // Signed in on the overview first, then to the view: a hash changed while the app starts can be missed (its router listens from its first effect).
  const opened = await signedIn(browser(), pinbox, '');
  await opened.page.evaluate((to) => (location.hash = to), hash);
  await opened.page.waitForFunction((wanted) => document.querySelector('main#view h1')?.textContent === wanted, title);
  return opened;
}

/** Waits for the journal's stream to open (failing with the page's error, if it shows one). */
async function waitLive(page: Page): Promise<void> {
  await page.waitForSelector('#requests-live:text("live"), main .error');
  const error = await page.$('main .error');
  assert.equal(error ? await error.textContent() : null, null, 'the journal loads');
}

test('requests: the live journal shows a call within a second; filters by path, method, status, user and agent', async () => {
  const s = server();
  const { context, page } = await openView(s.pinbox, '#/requests', 'Requests');
  await waitLive(page);
  const alice = await newUser(s);
  const board = await createBoard(alice.client);
  const read = await alice.client.get(`/boards/${board.id}`);
  assert.equal(read.status, 200);
  const [entry] = (await control().ok<{ items: any[] }>('GET', `/journal?path=/v5/boards/${board.id}&limit=1`)).items;
  // The row appears within a second of the call (a wait with a timeout, not a timed assertion).
  await page.waitForSelector(`#entry-${entry.id}`, { timeout: 1000 });
  const row = page.locator(`#entry-${entry.id}`);
  assert.match((await row.textContent()) ?? '', new RegExp(`GET/v5/boards/${board.id}200${alice.username}`));
  // The path links to the board in the content view.
  assert.equal(await row.locator('a').first().getAttribute('href'), `#/content/${alice.username}/boards/${board.id}`);

  // An agent's call carries its name, links to the agent, and the agent filter finds it.
  const agentName = unique('agent').toLowerCase();
  const made = await control().ok<{ key: string }>('POST', '/agents', { name: agentName, user: alice.username, policy: { areas: { boards: 'read' } } });
  const byAgent = await rawApi(s.pinbox.url, made.key, 'GET', '/boards');
  assert.equal(byAgent.status, 200, JSON.stringify(byAgent.body));
  const [agentEntry] = (await control().ok<{ items: any[] }>('GET', `/journal?agent=${agentName}`)).items;
  assert.equal(agentEntry.agent, agentName);
  await page.waitForSelector(`#entry-${agentEntry.id} a[href="#/agents/${agentName}"]`, { timeout: 1000 });

  // A failing call of another user, to filter away.
  const bob = await newUser(s);
  assert.equal((await bob.client.get('/boards/1')).status, 404);

  // Filter by agent.
  await page.fill('#filter-agent', agentName);
  await page.click('#filter-apply');
  await page.waitForFunction((id) => {
    const ids = [...document.querySelectorAll('#requests-table tbody tr[data-id]')].map((row) => row.getAttribute('data-id'));
    return ids.length === 1 && ids[0] === String(id);
  }, agentEntry.id);
  // By user, method and path: only alice's GETs under her board.
  await page.fill('#filter-agent', '');
  // The users' list is read again when the select takes focus (alice is newer than the page).
  await page.focus('#filter-user');
  await page.selectOption('#filter-user', alice.id);
  await page.selectOption('#filter-method', 'GET');
  await page.fill('#filter-path', `/v5/boards/${board.id}`);
  await page.click('#filter-apply');
  await page.waitForFunction((id) => document.querySelector('#requests-table tbody tr[data-id]')?.getAttribute('data-id') === String(id), entry.id);
  const filtered = await rowIds(page);
  const expected = (await control().ok<{ items: any[] }>('GET', `/journal?user=${alice.id}&method=GET&path=/v5/boards/${board.id}`)).items.map((e) => e.id).reverse();
  assert.deepEqual(filtered, expected);
  // A live call matching the filter arrives; one that does not stays out.
  assert.equal((await bob.client.get('/boards/2')).status, 404);
  await bob.client.get(`/boards/${board.id}`);
  const again = await alice.client.get(`/boards/${board.id}`);
  assert.equal(again.status, 200);
  await page.waitForFunction((n) => document.querySelectorAll('#requests-table tbody tr[data-id]').length === n, expected.length + 1, { timeout: 1000 });
  assert.ok((await page.$$eval('#requests-table tbody td:nth-child(6)', (cells) => cells.map((c) => c.textContent))).every((name) => name === alice.username));
  // By status class: bob's 404s.
  await page.click('#filter-clear');
  await page.fill('#filter-status', '4xx');
  await page.focus('#filter-user');
  await page.selectOption('#filter-user', bob.id);
  await page.click('#filter-apply');
  const failures = (await control().ok<{ items: any[] }>('GET', `/journal?user=${bob.id}&status=4xx`)).items;
  assert.equal(failures.length, 2);
  await page.waitForFunction((n) => document.querySelectorAll('#requests-table tbody tr[data-id]').length === n, failures.length);
  assert.deepEqual(
    await page.$$eval('#requests-table tbody td:nth-child(5) .badge', (cells) => cells.map((c) => c.textContent)),
    failures.map((e) => String(e.status)).reverse(),
  );
  await assertAccessible(page, 'requests');
  await keepScreenshot(page, 'requests');
  await context.close();
});

test('requests: a call\'s detail shows its headers and bodies redacted, and copies as curl with $TOKEN', async () => {
  const s = server();
  const { context, page } = await openView(s.pinbox, '#/requests', 'Requests');
  await page.waitForSelector('#journal-bodies');
  // Bodies on, from the page.
  if (!(await page.isChecked('#journal-bodies'))) await page.check('#journal-bodies');
  await page.waitForFunction(async () => (await (await fetch('/_pinbox/journal/settings')).json()).bodies === true);
  assert.equal((await control().ok<{ bodies: boolean }>('GET', '/journal/settings')).bodies, true);
  const alice = await newUser(s);
  const name = unique('board');
  const board = await createBoard(alice.client, { name, description: 'made for the detail' });
  const [entry] = (await control().ok<{ items: any[] }>('GET', '/journal?method=POST&path=/v5/boards&limit=1')).items;
  assert.equal(entry.response_body.id, board.id);
  await page.click(`#entry-open-${entry.id}`, { timeout: 1000 });
  await page.waitForSelector('#request-detail');
  const headers = JSON.parse((await page.textContent('#detail-headers')) ?? '{}');
  assert.equal(headers.authorization, 'Bearer [redacted]');
  assert.equal(headers['content-type'], 'application/json');
  assert.ok(!(await page.content()).includes(alice.client.token!), 'the token is nowhere in the page');
  assert.equal(JSON.parse((await page.textContent('#detail-request-body')) ?? '{}').name, name);
  assert.equal(JSON.parse((await page.textContent('#detail-response-body')) ?? '{}').id, board.id);
  const curl = (await page.textContent('#detail-curl')) ?? '';
  assert.ok(curl.startsWith(`curl -X POST '${s.pinbox.url}/v5/boards'`), curl);
  assert.ok(curl.includes(`-H "Authorization: Bearer $TOKEN"`), curl);
  assert.ok(curl.includes(`-H 'content-type: application/json'`), curl);
  assert.ok(curl.includes(`--data '${JSON.stringify({ name, description: 'made for the detail' })}'`), curl);
  // The curl line, run with the token, makes the same call.
  const command = curl.replace(/ \\\n {2}/g, ' ');
  const data = /--data '(.*)'$/.exec(command)?.[1];
  const replay = await fetch(`${s.pinbox.url}/v5/boards`, { method: 'POST', headers: { authorization: `Bearer ${alice.client.token!}`, 'content-type': 'application/json' }, body: data?.replace(name, `${name}_again`) });
  assert.equal(replay.status, 201);
  // Copy as curl puts the same text on the clipboard.
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await page.click('#request-detail button:text("Copy as curl")');
  await page.waitForSelector('#request-detail button:text("Copied")');
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), curl);
  await assertAccessible(page, 'request detail');
  await keepScreenshot(page, 'request-detail');
  await control().ok('PATCH', '/journal/settings', { bodies: false });
  await context.close();
});

test('requests: a burst of 2,000 calls while the page stays responsive, with a bounded number of rows', async () => {
  const s = server();
  const { context, page } = await openView(s.pinbox, '#/requests', 'Requests');
  await waitLive(page);
  const start = Number(await page.getAttribute('#requests-count', 'data-received'));
  const BURST = 2000;
  const { token } = s.pinbox;
  let answeredWhileBursting = 0;
  let slowestRoundTrip = 0;
  let stop = false;
  const prober = (async () => {
    // Round trips into the page during the burst: each must be answered.
    while (!stop) {
      const asked = performance.now();
      await page.evaluate(() => document.querySelectorAll('#requests-table tbody tr').length);
      slowestRoundTrip = Math.max(slowestRoundTrip, performance.now() - asked);
      answeredWhileBursting++;
    }
  })();
  const began = performance.now();
  const url = `${s.pinbox.url}/v5/user_account`;
  let sent = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (sent < BURST) {
        sent++;
        const response = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
        await response.arrayBuffer();
      }
    }),
  );
  const sentIn = performance.now() - began;
  await page.waitForFunction((n) => Number(document.querySelector('#requests-count')?.getAttribute('data-received')) >= n, start + BURST, { timeout: 60_000 });
  const shownIn = performance.now() - began;
  stop = true;
  await prober;
  console.log(
    `requests: ${BURST} calls sent in ${Math.round(sentIn)} ms (${Math.round((BURST / sentIn) * 1000)} calls/s), all in the page after ${Math.round(shownIn)} ms; ${answeredWhileBursting} page round trips answered meanwhile (the slowest in ${Math.round(slowestRoundTrip)} ms)`,
  );
  assert.ok(answeredWhileBursting > 0, 'the page answered while the calls came');
  const rows = await page.$$eval('#requests-table tbody tr[data-id]', (r) => r.length);
  assert.ok(rows > 0 && rows < 100, `only the visible rows are in the DOM (${rows})`);
  const kept = Number(await page.getAttribute('#requests-count', 'data-kept'));
  assert.ok(kept <= 2000, `a bounded window is kept (${kept})`);
  // Scrolled to the end, the oldest kept rows render.
  await page.$eval('#requests-scroll', (el) => (el.scrollTop = el.scrollHeight));
  await page.waitForFunction(() => document.querySelector('#requests-table tbody tr:last-child')?.hasAttribute('data-id'));
  assert.ok((await page.$$eval('#requests-table tbody tr[data-id]', (r) => r.length)) < 100);
  await context.close();
});

test('faults: a rule added in the console fails the next call as configured; removing it restores', async () => {
  const s = server();
  const { context, page } = await openView(s.pinbox, '#/faults', 'Faults & state');
  const alice = await newUser(s);
  await page.selectOption('#fault-method', 'GET');
  await page.fill('#fault-path', '/v5/boards');
  await page.fill('#fault-status', '503');
  await page.fill('#fault-times', '2');
  await page.fill('#fault-user', alice.username);
  await page.click('#fault-add');
  await page.waitForSelector('#faults-table');
  const [rule] = (await control().ok<{ items: any[] }>('GET', '/faults')).items;
  assert.equal(rule.status, 503);
  assert.equal(rule.method, 'GET');
  assert.equal(rule.remaining, 2);
  const failed = await rawApi(s.pinbox.url, alice.client.token!, 'GET', '/boards');
  assert.equal(failed.status, 503);
  // Only alice's calls: the dev user is answered.
  assert.equal((await rawApi(s.pinbox.url, s.pinbox.token, 'GET', '/boards')).status, 200);
  // The firing count shows, refreshed.
  await page.waitForSelector(`#fault-${rule.id} td.fired:text("1")`);
  await assertAccessible(page, 'faults');
  await keepScreenshot(page, 'faults');
  await page.click(`#fault-remove-${rule.id}`);
  await page.waitForSelector('#faults-none');
  assert.deepEqual((await control().ok<{ items: any[] }>('GET', '/faults')).items, []);
  assert.equal((await rawApi(s.pinbox.url, alice.client.token!, 'GET', '/boards')).status, 200);
  // A dropped connection, then every rule removed at once.
  await page.check('#fault-drop');
  await page.selectOption('#fault-method', '*');
  await page.fill('#fault-path', '/v5/user_account');
  await page.fill('#fault-times', '');
  await page.fill('#fault-user', '');
  await page.click('#fault-add');
  await page.waitForSelector('#faults-table td:text("drop")');
  await assert.rejects(rawApi(s.pinbox.url, s.pinbox.token, 'GET', '/user_account'));
  await page.click('#faults-clear');
  await page.waitForSelector('#faults-none');
  assert.equal((await rawApi(s.pinbox.url, s.pinbox.token, 'GET', '/user_account')).status, 200);
  await context.close();
});

test('state: reset of one user from the console empties their boards; a snapshot downloads and loads back', async () => {
  const s = server();
  const alice = await newUser(s);
  const board = await createBoard(alice.client);
  const { context, page } = await openView(s.pinbox, '#/faults', 'Faults & state');
  await page.waitForFunction((name) => [...(document.querySelector('#reset-user') as HTMLSelectElement).options].some((o) => o.value === name), alice.username);
  // The snapshot, downloaded through the link (the cookie signs it).
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#snapshot-download')]);
  const folder = await mkdtemp(join(tmpdir(), 'pinbox-console-'));
  try {
    const file = join(folder, 'snapshot.json');
    await download.saveAs(file);
    const snapshot = JSON.parse(await readFile(file, 'utf8'));
    assert.equal(typeof snapshot, 'object');
    // Reset alice: her boards are gone.
    await page.selectOption('#reset-user', alice.username);
    await page.click('#reset');
    await page.waitForSelector('#reset-message');
    assert.deepEqual((await alice.client.get('/boards')).body.items, []);
    // Load the snapshot back: the board is there again.
    await page.setInputFiles('#snapshot-file', file);
    await page.click('#snapshot-load');
    await page.waitForSelector('#snapshot-message');
    const boards = await alice.client.get('/boards');
    assert.deepEqual(
      boards.body.items.map((b: { id: string }) => b.id),
      [board.id],
    );
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  await context.close();
});

test('state: a fixture loads from pasted JSON or a file; a bad one shows its errors by path', async () => {
  const s = server();
  const { context, page } = await openView(s.pinbox, '#/faults', 'Faults & state');
  const username = unique('fx').toLowerCase();
  await page.fill('#fixture-json', JSON.stringify({ users: [{ username }], boards: [{ owner: username, name: 'Recipes' }, { owner: username }] }));
  await page.click('#fixture-load');
  await page.waitForSelector('#fixture-errors');
  assert.deepEqual(await page.$$eval('#fixture-errors tbody th', (cells) => cells.map((c) => c.textContent)), ['boards[1].name']);
  assert.match((await page.textContent('#fixture-errors tbody td')) ?? '', /is required/);
  assert.equal((await control().ok<{ items: any[] }>('GET', '/users')).items.some((u) => u.username === username), false, 'nothing was loaded');
  await assertAccessible(page, 'faults with fixture errors');
  // Fixed, from a file.
  const folder = await mkdtemp(join(tmpdir(), 'pinbox-console-'));
  try {
    const file = join(folder, 'fixture.json');
    await writeFile(file, JSON.stringify({ users: [{ username }], boards: [{ owner: username, name: 'Recipes' }] }));
    await page.setInputFiles('#fixture-file', file);
    await page.waitForFunction(() => (document.querySelector('#fixture-json') as HTMLTextAreaElement).value.includes('Recipes'));
    await page.click('#fixture-load');
    await page.waitForSelector('#fixture-made');
    assert.match((await page.textContent('#fixture-made')) ?? '', /1 users, 1 boards/);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
  assert.equal((await control().ok<{ items: any[] }>('GET', '/users')).items.some((u) => u.username === username), true);
  await context.close();
});
