// pinbox test: the SQLite pass only (the console is the same page over either store, and what it calls is tested on both by the families' and the control plane's own tests).
/**
 * Who may open the console, in a real browser and over plain HTTP: the printed
 * link signs a browser in once; the cookie is HttpOnly and SameSite; no page is
 * served before sign-in; an API token cannot sign in; a change without the CSRF
 * token is refused. The overview view, its clock controls, keyboard use and axe.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useServer } from '../../test/harness.js';
import { startCli, labelled } from '../../test/cli.js';
import { assertAccessible, consoleLink, keepScreenshot, signedIn, useBrowser } from '../../test/console.js';

const server = useServer();
const browser = useBrowser();

test('the link pinbox start prints signs a browser in once; the cookie is HttpOnly and SameSite; the ticket leaves the URL', async () => {
  const cli = await startCli(['--port', '0']);
  try {
    const link = labelled(cli.banner, 'console');
    assert.match(link, /^http:\/\/127\.0\.0\.1:\d+\/console\/sign-in\?ticket=/);
    const context = await browser().newContext();
    const page = await context.newPage();
    const started = Date.now();
    await page.goto(link);
    await page.waitForSelector('#instance');
    const firstView = Date.now() - started;
    console.log(`console: first view (sign-in redirect, page, session, overview data) in ${firstView} ms`);
    assert.equal(new URL(page.url()).search, '', 'the ticket is not left in the address bar');
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'pinbox_console');
    assert.ok(session, 'a session cookie is set');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'the page cannot read the cookie');
    const html = await page.content();
    assert.ok(!html.includes(labelled(cli.banner, 'admin key')), 'the admin key is nowhere in the page');
    // The same link a second time (another browser) does not sign in.
    const other = await browser().newContext();
    const again = await other.newPage();
    const response = await again.goto(link);
    assert.equal(response?.status(), 401);
    assert.match(await again.textContent('#sign-in-error') ?? '', /used already/);
    await other.close();
    await context.close();
  } finally {
    cli.child.kill('SIGTERM');
    await cli.exited;
  }
});

test('nothing of the console is served before sign-in, and an API token cannot sign in', async () => {
  const { pinbox } = server();
  for (const path of ['/console/', '/console/index.html']) {
    const response = await fetch(`${pinbox.url}${path}`, { redirect: 'manual' });
    assert.equal(response.status, 303, path);
    assert.equal(response.headers.get('location'), '/console/sign-in');
  }
  const html = await (await fetch(`${pinbox.url}/console/`)).text();
  assert.doesNotMatch(html, /assets\/index-/, 'the sign-in page, not the app');
  const asset = await fetch(`${pinbox.url}/console/assets/index.js`);
  assert.equal(asset.status, 401);
  const session = await fetch(`${pinbox.url}/console/session`);
  assert.equal(session.status, 401);
  assert.deepEqual(Object.keys(await session.json()).sort(), ['code', 'message']);
  // A bad ticket, an API token, an agent key and a wrong key on the form: no cookie.
  const bad = await fetch(`${pinbox.url}/console/sign-in?ticket=ticket.x.y.z`, { redirect: 'manual' });
  assert.equal(bad.status, 401);
  assert.equal(bad.headers.get('set-cookie'), null);
  for (const [key, status] of [[pinbox.token, 403], ['pbx_abc', 403], ['wrong', 401]] as const) {
    const response = await fetch(`${pinbox.url}/console/sign-in`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ admin_key: key }).toString(),
    });
    assert.equal(response.status, status, key);
    assert.equal(response.headers.get('set-cookie'), null);
  }
  // The admin key on the form does sign in.
  const form = await fetch(`${pinbox.url}/console/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ admin_key: pinbox.adminKey }).toString(),
  });
  assert.equal(form.status, 303);
  assert.match(form.headers.get('set-cookie') ?? '', /pinbox_console=.*HttpOnly.*SameSite=Strict/i);
});

test('a change through the control plane needs the CSRF token and this origin; reading does not', async () => {
  const { pinbox } = server();
  const link = await consoleLink(pinbox);
  const signIn = await fetch(link, { redirect: 'manual' });
  const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
  assert.match(cookie, /^pinbox_console=/);
  const { csrf } = (await (await fetch(`${pinbox.url}/console/session`, { headers: { cookie } })).json()) as { csrf: string };
  const read = await fetch(`${pinbox.url}/_pinbox/clock`, { headers: { cookie } });
  assert.equal(read.status, 200);
  const post = (headers: Record<string, string>) =>
    fetch(`${pinbox.url}/_pinbox/faults`, { method: 'POST', headers: { cookie, 'content-type': 'application/json', ...headers }, body: JSON.stringify({ method: 'GET', path: '/v5/boards', status: 500 }) });
  const without = await post({});
  assert.equal(without.status, 403);
  assert.match(((await without.json()) as { message: string }).message, /CSRF/);
  assert.equal((await post({ 'x-pinbox-csrf': 'forged' })).status, 403);
  assert.equal((await post({ 'x-pinbox-csrf': csrf, origin: 'http://evil.example' })).status, 403);
  const made = await post({ 'x-pinbox-csrf': csrf, origin: pinbox.url });
  assert.equal(made.status, 201);
  await fetch(`${pinbox.url}/_pinbox/faults`, { method: 'DELETE', headers: { 'x-pinbox-admin-key': pinbox.adminKey } });
  // Signing out ends the session in this process.
  assert.equal((await fetch(`${pinbox.url}/console/sign-out`, { method: 'POST', headers: { cookie, 'x-pinbox-csrf': csrf } })).status, 204);
  assert.equal((await fetch(`${pinbox.url}/_pinbox/clock`, { headers: { cookie } })).status, 401);
});

test('overview: the instance, the dev curl line, and the clock frozen and advanced from the console, by keyboard', async () => {
  const { pinbox } = server();
  const { context, page } = await signedIn(browser(), pinbox, '#/overview');
  await page.waitForSelector('#instance');
  assert.match((await page.textContent('#instance')) ?? '', /schema\s*version \d+/);
  assert.match((await page.textContent('#dev-curl')) ?? '', new RegExp(`Bearer ${pinbox.token}' .*/v5/user_account`));
  await assertAccessible(page, 'overview');
  await keepScreenshot(page, 'overview');
  // Freeze, then advance one day, by keyboard only.
  await page.focus('#clock-freeze');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#clock-state:text("frozen")');
  const before = pinbox.control.clockState().now;
  await page.focus('#clock-by');
  await page.fill('#clock-by', '1d');
  await page.keyboard.press('Enter');
  await page.waitForFunction((was) => !document.querySelector('#clock-now')?.textContent?.includes(was), new Date(before).toISOString().slice(0, 10));
  assert.equal(pinbox.control.clockState().now - before, 86_400_000);
  await page.click('#clock-unfreeze');
  await page.waitForSelector('#clock-state:text("running")');
  await context.close();
});
