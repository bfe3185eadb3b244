// pinbox test: the SQLite pass only (the console is the same page over either store, and what it calls is tested on both by the families' and the control plane's own tests).
/**
 * The console's agents view in a real browser: an agent made there and its key
 * shown once; an Off / Read / Full change and an override saved there taking
 * effect on the agent's next call; a pending call approved (it then runs) or
 * rejected there; the audit log live and filtered; rotate and revoke. axe on each.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBoard, unique, useServer } from '../../test/harness.js';
import { ControlClient } from '../../test/control.js';
import { assertAccessible, keepScreenshot, signedIn, useBrowser } from '../../test/console.js';

const server = useServer();
const browser = useBrowser();
const control = () => new ControlClient(server().pinbox.url, server().pinbox.adminKey);

async function makeAgent(policy: unknown): Promise<{ name: string; key: string }> {
  const name = unique('agent').toLowerCase();
  const made = await control().ok<{ key: string }>('POST', '/agents', { name, user: 'pinbox_dev', policy });
  return { name, key: made.key };
}

/** Polls the control plane until `check` holds (the test's own time-out bounds it). */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 25));
}

/**
 * Signed in at `hash`, loaded afresh there: signedIn() changes the hash of a page
 * that may not listen for it yet (useRoute adds its hashchange listener in an
 * effect, after the first render), so the page is reloaded at that address.
 */
async function open(hash: string) {
  const opened = await signedIn(browser(), server().pinbox, hash);
  await opened.page.reload();
  await opened.page.waitForSelector('main#view h1');
  return opened;
}

const policyOf = async (name: string) => (await control().ok<{ policy: any }>('GET', `/agents/${name}`)).policy;

test('agents: one made in the console, its key shown once with a copy button and gone after a reload; the key works', async () => {
  const { context, page } = await open('#/agents');
  const name = unique('made').toLowerCase();
  await page.fill('#agent-name', name);
  await page.selectOption('#agent-user', 'pinbox_dev');
  await page.fill('#agent-scopes', 'boards:read pins:read');
  await page.click('#agent-create');
  const key = ((await page.textContent('#new-key-value')) ?? '').trim();
  assert.match(key, /^pbx_[0-9a-f]{8}_[0-9a-f]{40}$/);
  assert.ok(await page.isVisible('#new-key button:text("Copy key")'));
  await page.waitForSelector(`#agent-row-${name}`);
  const made = await control().ok('GET', `/agents/${name}`);
  assert.equal(made.user, 'pinbox_dev');
  assert.deepEqual(made.scopes, ['boards:read', 'pins:read']);
  assert.match(key, new RegExp(`^pbx_${made.key_id.slice(2)}_`), 'the key shown is the agent\'s');
  // The key is the agent's: authenticated, then stopped by its (empty) policy.
  const call = await server().api.withToken(key).get('/boards');
  assert.equal(call.status, 403);
  assert.match(call.body.message, /rule boards\.off/);
  await assertAccessible(page, 'agents');
  await keepScreenshot(page, 'agents');
  await page.reload();
  await page.waitForSelector(`#agent-row-${name}`);
  assert.equal(await page.$('#new-key'), null, 'the key is not shown again');
  assert.ok(!(await page.content()).includes(key));
  await context.close();
});

test("the policy editor's catalogue: every area with its operations, the groups and the tool names", async () => {
  const catalogue = await control().ok<{ areas: { area: string; operations: { operation_id: string; method: string; path: string }[] }[]; groups: Record<string, string[]>; aliases: Record<string, string> }>('GET', '/agent-areas');
  const boards = catalogue.areas.find((entry) => entry.area === 'boards');
  assert.deepEqual(boards?.operations.find((op) => op.operation_id === 'boards/delete'), { operation_id: 'boards/delete', method: 'DELETE', path: '/boards/{board_id}' });
  assert.ok(catalogue.groups.ads.includes('campaigns'));
  assert.equal(catalogue.aliases.delete_board, 'boards/delete');
  // Behind the admin key like the rest of the control plane.
  assert.equal((await fetch(`${server().pinbox.url}/_pinbox/agent-areas`)).status, 401);
});

test("agent policy: Off, Read and Full changed in the console take effect on the agent's next call; overrides, scopes and limits saved", async () => {
  const agent = await makeAgent({ areas: {} });
  const client = server().api.withToken(agent.key);
  const { context, page } = await open(`#/agents/${agent.name}`);
  await page.waitForSelector('#policy-areas');
  assert.equal(await page.isChecked('#area-boards-off'), true, 'an area not set is Off');
  assert.equal((await client.get('/boards')).status, 403);

  const choose = async (level: string) => {
    await page.check(`#area-boards-${level}`);
    await page.click('#policy-save');
    await page.waitForSelector('#policy-message');
    await until(async () => (await policyOf(agent.name)).areas.boards === level);
  };
  await choose('read');
  assert.equal((await client.get('/boards')).status, 200, 'Read: a GET works');
  const write = await client.post('/boards', { name: unique('by agent') });
  assert.equal(write.status, 403, 'Read: a write is refused');
  assert.match(write.body.message, /rule boards\.read/);
  await choose('full');
  assert.equal((await client.post('/boards', { name: unique('by agent') })).status, 201, 'Full: the write works');
  await choose('off');
  assert.equal((await client.get('/boards')).status, 403, 'Off again: refused');

  // An override, a board scope and a limit, then Full again: all saved in one PATCH.
  await page.check('#area-boards-full');
  await page.selectOption('#action-new-operation', 'boards/delete');
  await page.selectOption('#action-new-override', 'deny');
  await page.click('#action-add');
  await page.waitForSelector('#action-row-boards-delete');
  const board = await createBoard(server().api);
  await page.fill('#scope-boards', board.id);
  await page.fill('#limit-writes', '5');
  await page.click('#policy-save');
  await until(async () => (await policyOf(agent.name)).actions['boards/delete'] === 'deny');
  const saved = await policyOf(agent.name);
  assert.deepEqual(saved.scope, { boards: [board.id] });
  assert.deepEqual(saved.limits, { writes_per_day: 5 });
  assert.equal(saved.areas.boards, 'full');
  const denied = await client.delete(`/boards/${board.id}`);
  assert.equal(denied.status, 403);
  assert.match(denied.body.message, /rule actions\.boards\/delete\.deny/);
  // Shown again as saved after a reload.
  await page.reload();
  await page.waitForSelector('#action-row-boards-delete');
  assert.equal(await page.inputValue('#action-boards-delete-override'), 'deny');
  assert.equal(await page.inputValue('#scope-boards'), board.id);
  assert.equal(await page.isChecked('#area-boards-full'), true);
  await assertAccessible(page, 'agent policy');
  await keepScreenshot(page, 'agent-policy');
  // One radio group per area, every id once (a group named like a tag is one row).
  const duplicates = await page.evaluate(() => {
    const seen = new Map<string, number>();
    for (const element of document.querySelectorAll('[id]')) seen.set(element.id, (seen.get(element.id) ?? 0) + 1);
    return [...seen].filter(([, count]) => count > 1).map(([id]) => id);
  });
  assert.deepEqual(duplicates, []);
  // A group's level shows on the tags it covers that are not set themselves.
  await page.check('#area-ads-read');
  assert.match((await page.textContent('#area-row-ad_accounts')) ?? '', /Read, from ads/);
  assert.equal(await page.isChecked('#area-ads-read'), true);
  await context.close();
});

async function askToDelete(): Promise<{ agent: { name: string; key: string }; board: any; id: string }> {
  const board = await createBoard(server().api);
  const agent = await makeAgent({ areas: { boards: 'full' }, actions: { 'boards/delete': 'ask' } });
  const asked = await server().api.withToken(agent.key).delete(`/boards/${board.id}`);
  assert.equal(asked.status, 403);
  const id = /pending approval (ap_\d+)/.exec(asked.body.message)?.[1];
  assert.ok(id, asked.body.message);
  return { agent, board, id };
}

const withApproval = (id: string) => ({ headers: { 'x-pinbox-approval': id } });

test('approvals: the pending call shown with its method, path and arguments; approved in the console, the call runs (once)', async () => {
  const { agent, board, id } = await askToDelete();
  const { context, page } = await open('#/agents/approvals');
  const row = `#approval-${id}`;
  await page.waitForSelector(row);
  assert.equal(((await page.textContent(`${row} .approval-call`)) ?? '').replace(/\s+/g, ' ').trim(), `DELETE /v5/boards/${board.id}`);
  assert.match((await page.textContent(row)) ?? '', /boards\/delete/);
  assert.match((await page.textContent(`${row} .approval-args`)) ?? '', /"query"/);
  assert.match((await page.textContent(`${row} th`)) ?? '', new RegExp(`${agent.name} asks to boards/delete .*${board.id}`));
  assert.equal(await page.getAttribute(`${row} a`, 'href'), `#/agents/${agent.name}`);
  await assertAccessible(page, 'approvals');
  await keepScreenshot(page, 'approvals');
  await page.click(`#approve-${id}`);
  await page.waitForSelector('#approval-message');
  await page.waitForSelector(`#approval-${id}-status:text("approved")`);
  const client = server().api.withToken(agent.key);
  assert.equal((await client.delete(`/boards/${board.id}`, withApproval(id))).status, 204, 'the approved call runs');
  assert.equal((await server().api.get(`/boards/${board.id}`)).status, 404, 'the board is gone');
  assert.match((await client.delete(`/boards/${board.id}`, withApproval(id))).body.message, /rule approval\.used/);
  await context.close();
});

test('approvals: a call that asks shows up on the open page; rejected in the console, the call stays refused and the board stays', async () => {
  const { context, page } = await open('#/agents/approvals');
  await page.waitForSelector('#approvals-live:text("live")');
  const { agent, board, id } = await askToDelete();
  await page.waitForSelector(`#approval-${id}`);
  await page.click(`#reject-${id}`);
  await page.waitForSelector(`#approval-${id}-status:text("rejected")`);
  const again = await server().api.withToken(agent.key).delete(`/boards/${board.id}`, withApproval(id));
  assert.equal(again.status, 403);
  assert.match(again.body.message, /rule approval\.rejected/);
  assert.equal((await server().api.get(`/boards/${board.id}`)).status, 200, 'the board is still there');
  await context.close();
});

test('audit: a call shows in the live log within a second; filtered by agent and by decision; an entry links to its agent', async () => {
  const reader = await makeAgent({ areas: { boards: 'read' } });
  const other = await makeAgent({ areas: { boards: 'read' } });
  const readerClient = server().api.withToken(reader.key);
  assert.equal((await server().api.withToken(other.key).get('/boards')).status, 200);
  const { context, page } = await open('#/agents/audit');
  await page.waitForSelector('#audit-live:text("live")');
  assert.equal((await readerClient.get('/boards')).status, 200);
  const live = await page.waitForSelector(`tr.audit-entry[data-agent="${reader.name}"]`, { timeout: 1000 });
  assert.match((await live.textContent()) ?? '', new RegExp(`${reader.name} \\(key …[0-9a-f]{4}\\) .*: allowed \\(rule boards\\.read\\)`));
  assert.equal((await readerClient.post('/boards', { name: unique('nope') })).status, 403);
  await page.waitForSelector(`tr.audit-entry[data-agent="${reader.name}"][data-decision="denied"]`, { timeout: 1000 });
  assert.ok(await page.$(`tr.audit-entry[data-agent="${other.name}"]`), 'the other agent is listed too, unfiltered');
  await assertAccessible(page, 'audit');
  await keepScreenshot(page, 'audit');

  // By agent: only the reader's two entries.
  await page.selectOption('#audit-agent', reader.name);
  await page.waitForFunction((name) => {
    const rows = [...document.querySelectorAll('tr.audit-entry')];
    return rows.length === 2 && rows.every((row) => row.getAttribute('data-agent') === name);
  }, reader.name);
  assert.match(page.url(), new RegExp(`#/agents/audit\\?agent=${reader.name}$`));
  // And by decision: only its denial.
  await page.selectOption('#audit-decision', 'denied');
  await page.waitForFunction(() => {
    const rows = [...document.querySelectorAll('tr.audit-entry')];
    return rows.length === 1 && rows[0].getAttribute('data-decision') === 'denied';
  });
  assert.match((await page.textContent('tr.audit-entry')) ?? '', /tried to create board: denied, because boards is Read/);
  // The filtered stream stays live: an allowed call is not shown, the next denial is.
  await page.waitForSelector('#audit-live:text("live")');
  assert.equal((await readerClient.get('/boards')).status, 200);
  assert.equal((await readerClient.post('/boards', { name: unique('nope') })).status, 403);
  await page.waitForFunction(() => document.querySelectorAll('tr.audit-entry').length === 2, undefined, { timeout: 1000 });
  assert.equal(await page.$('tr.audit-entry[data-decision="allowed"]'), null);
  // The entry links to its agent.
  await page.click('tr.audit-entry a.audit-agent-link');
  await page.waitForSelector(`h1:text("Agent ${reader.name}")`);
  assert.match(page.url(), new RegExp(`#/agents/${reader.name}$`));
  await context.close();
});

test('rotate and revoke from the console take effect: the old key refused, the new one shown once, then refused after revoking', async () => {
  const agent = await makeAgent({ areas: { boards: 'read' } });
  const old = server().api.withToken(agent.key);
  assert.equal((await old.get('/boards')).status, 200);
  const { context, page } = await open(`#/agents/${agent.name}`);
  await page.click('#agent-rotate');
  const key = ((await page.textContent('#new-key-value')) ?? '').trim();
  assert.match(key, /^pbx_[0-9a-f]{8}_[0-9a-f]{40}$/);
  assert.notEqual(key, agent.key);
  const rotated = server().api.withToken(key);
  assert.equal((await old.get('/boards')).status, 401, 'the old key is refused');
  assert.equal((await rotated.get('/boards')).status, 200, 'the new key works');
  // Leaving the view forgets the key.
  await page.click('#agents-section-agents');
  await page.waitForSelector(`#agent-row-${agent.name}`);
  await page.click(`#agent-link-${agent.name}`);
  await page.waitForSelector('#agent-key-id');
  assert.equal(await page.$('#new-key'), null);
  await page.click('#agent-revoke');
  await page.waitForSelector('#agent-state:text("revoked")');
  const refused = await rotated.get('/boards');
  assert.equal(refused.status, 401);
  assert.equal(refused.body.code, 2);
  assert.equal((await control().ok('GET', `/agents/${agent.name}`)).revoked, true);
  await assertAccessible(page, 'agent revoked');
  await context.close();
});
