// pinbox test: the SQLite pass only (the console is the same page over either store, and what it calls is tested on both by the families' and the control plane's own tests).
/**
 * The ads, catalogs and audiences views in a real browser: the campaign → ad group →
 * ad tree with statuses (expanded by keyboard), a campaign's spend chart growing as
 * pinbox's clock moves, reports and bulk requests with their signed files, a feed's
 * processing result and item issues, customer lists, conversion events; axe on each.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createBoard, createPin, useServer } from '../../test/harness.js';
import { adAccount, adGroupItem, adTree, adsPerson, campaignItem, conversionEvents, madeEntity, servingAd } from '../../test/ads.js';
import { makeCatalog, makeFeed, merchant, processed, product, retailCsv, useFeedHost } from '../../test/catalogs.js';
import { assertAccessible, keepScreenshot, signedIn, useBrowser } from '../../test/console.js';

const server = useServer();
const browser = useBrowser();
const feedHost = useFeedHost();

/**
 * signedIn at `hash`, then loaded afresh there: signedIn changes only the hash of the
 * page it signed in on, and a hash change that lands before the app listens for it
 * leaves the overview showing (seen under load); a reload starts the app at the hash.
 */
async function openAt(hash: string, title: string) {
  const opened = await signedIn(browser(), server().pinbox, hash);
  await opened.page.reload();
  await opened.page.waitForSelector(`main#view h1:text-is("${title}")`);
  return opened;
}

/** A webhook that takes every lead (200). */
let hook: Server | null = null;
const hooked: string[] = [];
before(async () => {
  hook = createServer((request, response) => {
    hooked.push(request.url ?? '');
    request.resume();
    request.on('end', () => response.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => hook!.listen(0, '127.0.0.1', resolve));
});
after(() => new Promise<void>((resolve) => (hook ? hook.close(() => resolve()) : resolve())));

test('ads: the user picker, then the account tree shows a campaign, its ad group and ad with their statuses, expanded by keyboard; reports and bulk requests with files', async () => {
  const s = server();
  const { username, client } = await adsPerson(s);
  const { acct, campaign, group, ad } = await adTree(client);
  await s.pinbox.control.reviewAd(ad.id, { review_status: 'APPROVED' });
  const today = new Date(s.pinbox.control.clockState().now).toISOString().slice(0, 10);
  const report = await client.post(`/ad_accounts/${acct.id}/reports`, { start_date: today, end_date: today, granularity: 'DAY', level: 'CAMPAIGN', columns: ['SPEND_IN_MICRO_DOLLAR'], campaign_ids: [campaign.id] });
  assert.equal(report.status, 200, JSON.stringify(report.body));
  const bulk = await client.post(`/ad_accounts/${acct.id}/bulk/download`, {});
  assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
  await s.pinbox.clock.advance('1m');

  // The picker leads to the user's accounts, the accounts to the tree.
  const { context, page } = await openAt('#/ads', 'Ads');
  await page.selectOption('#ads-user', username);
  await page.waitForSelector('#ads-accounts');
  await page.click(`#ads-accounts a:text("${acct.name}")`);
  await page.waitForSelector(`#campaign-${campaign.id}`);
  assert.equal(new URL(page.url()).hash, `#/ads/${username}/${acct.id}`);

  // Collapsed at first; Enter on the summaries opens the campaign, then its ad group.
  assert.equal(await page.isVisible(`#ad-group-${group.id}`), false);
  await page.focus(`#campaign-${campaign.id} > details > summary`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#ad-group-${group.id}`, { state: 'visible' });
  await page.focus(`#ad-group-${group.id} > details > summary`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#ad-${ad.id}`, { state: 'visible' });

  const read = async (path: string) => (await client.get(path)).body;
  const c = await read(`/ad_accounts/${acct.id}/campaigns/${campaign.id}`);
  const g = await read(`/ad_accounts/${acct.id}/ad_groups/${group.id}`);
  const a = await read(`/ad_accounts/${acct.id}/ads/${ad.id}`);
  const badges = (selector: string) => page.$$eval(`${selector} > .ads-statuses .badge, ${selector} > details > summary > .ads-statuses .badge`, (els) => Object.fromEntries(els.map((e) => [(e as HTMLElement).dataset.kind, e.textContent])));
  assert.deepEqual(await badges(`#campaign-${campaign.id}`), { status: c.status, summary_status: c.summary_status });
  assert.deepEqual(await badges(`#ad-group-${group.id}`), { status: g.status, summary_status: g.summary_status });
  assert.deepEqual(await badges(`#ad-${ad.id}`), { status: a.status, summary_status: a.summary_status, review_status: `review ${a.review_status}` });
  assert.equal(a.review_status, 'APPROVED');

  // The report and the bulk request, finished, link to their signed files.
  await page.waitForSelector('#ads-reports a.file-link');
  await page.waitForSelector('#ads-bulk a.file-link');
  assert.match((await page.textContent('#ads-reports')) ?? '', new RegExp(`${report.body.token}.*DELIVERY.*FINISHED`));
  const fileUrl = await page.getAttribute('#ads-reports a.file-link', 'href');
  const file = await fetch(fileUrl!);
  assert.equal(file.status, 200, 'the report file downloads by its signed URL');
  const bulkUrl = await page.getAttribute('#ads-bulk a.file-link', 'href');
  assert.equal((await fetch(bulkUrl!)).status, 200, 'the bulk result downloads by its signed URL');

  await assertAccessible(page, 'ads');
  await keepScreenshot(page, 'ads');

  // The campaign links to its own page, its ads shown there.
  await page.click(`#campaign-${campaign.id} a:text("Spend and ads of")`);
  await page.waitForSelector(`#campaign-title`);
  assert.equal(new URL(page.url()).hash, `#/ads/${username}/${acct.id}/campaigns/${campaign.id}`);
  await page.waitForSelector(`#ad-${ad.id}`, { state: 'visible' });
  await context.close();
});

test("ads: a campaign's spend chart grows after the clock is advanced, and agrees with the analytics", async () => {
  const s = server();
  const { username, client } = await adsPerson(s);
  const acct = await adAccount(client);
  const { campaign, ad } = await servingAd(s, client, acct.id);
  const { context, page } = await openAt(`#/ads/${username}/${acct.id}/campaigns/${campaign.id}`, 'Ads');
  await page.waitForSelector('#campaign-spend-total');
  // The campaign links to its ads.
  await page.waitForSelector(`#ad-${ad.id}`, { state: 'visible' });
  const before = Number(await page.getAttribute('#campaign-spend-total', 'data-spend-micro'));

  await s.pinbox.clock.advance('1d');
  await page.reload();
  await page.waitForSelector('#campaign-spend-total');
  const after = Number(await page.getAttribute('#campaign-spend-total', 'data-spend-micro'));
  assert.ok(after > before, `spend grew: ${before} → ${after}`);

  // The table under the chart ends at the same cumulative figure.
  await page.click('#campaign-spend-chart summary');
  const lastRow = await page.$$eval('#campaign-spend-chart details tbody tr', (rows) => Array.from(rows.at(-1)!.querySelectorAll('td')).map((td) => td.textContent));
  assert.equal(Number(lastRow[1]), Number((after / 1_000_000).toFixed(2)));
  // No campaign cap: the budget line is the ad group's $500 a day, summed by day.
  const days = await page.$$eval('#campaign-spend-chart details tbody tr', (rows) => rows.length);
  assert.equal(Number(lastRow[2]), 500 * days);
  assert.ok(after / 1_000_000 <= Number(lastRow[2]), 'spent within the budget');

  // The figure is what the analytics answer.
  const now = s.pinbox.control.clockState().now;
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const rows = await client.get(`/ad_accounts/${acct.id}/campaigns/analytics`, {
    query: { campaign_ids: campaign.id, columns: 'SPEND_IN_MICRO_DOLLAR', granularity: 'TOTAL', start_date: day(campaign.created_time * 1000), end_date: day(now) },
  });
  assert.equal(rows.status, 200, JSON.stringify(rows.body));
  assert.equal(rows.body.reduce((sum: number, row: any) => sum + (row.SPEND_IN_MICRO_DOLLAR ?? 0), 0), after);

  // By hour: the same total, hour by hour.
  await page.selectOption('#campaign-spend-granularity', 'HOUR');
  await page.waitForSelector('#campaign-spend-total[data-granularity="HOUR"]');
  const hourly = Number(await page.getAttribute('#campaign-spend-total', 'data-spend-micro'));
  assert.equal(hourly, after, 'the hours add up to the days');
  assert.ok((await page.$$eval('#campaign-spend-chart details tbody tr', (rows) => rows.length)) > days);

  await assertAccessible(page, 'ads campaign');
  await keepScreenshot(page, 'ads-campaign');
  await context.close();
});

test("catalogs: a feed's processing result with its counts and item issues, and a product group", async () => {
  const s = server();
  const { username, client } = await merchant(s);
  const catalog = await makeCatalog(client);
  feedHost().put('/console-feed.csv', { body: retailCsv([product('A1'), product('A2'), product('A3', { price: '' })]) });
  const feed = await makeFeed(client, catalog.id, feedHost().url('/console-feed.csv'));
  const result = await processed(s, client, feed.id);
  const group = await client.post('/catalogs/product_groups', { name: 'All of it', feed_id: feed.id, filters: { any_of: [{ MIN_PRICE: { values: 0 } }] } });

  const { context, page } = await openAt(`#/catalogs/${username}`, 'Catalogs');
  await page.waitForSelector(`#processing-results-${feed.id}`);
  const row = (await page.textContent(`#processing-results-${feed.id} tbody tr[data-status="${result.status}"]`)) ?? '';
  assert.ok(row.includes(result.id), row);
  assert.ok(row.includes(`ingested ${result.product_counts.ingested}`), row);
  assert.ok(row.includes(`original ${result.product_counts.original}`), row);
  // The item issues open from the result's button (keyboard: Enter).
  await page.focus(`#processing-results-${feed.id} tbody tr button`);
  await page.keyboard.press('Enter');
  await page.waitForSelector(`#item-issues-${result.id}`);
  assert.equal(await page.getAttribute(`#processing-results-${feed.id} tbody tr button`, 'aria-expanded'), 'true');
  const issues = (await page.textContent(`#item-issues-${result.id}`)) ?? '';
  assert.match(issues, /A3.*PRICE_MISSING/);
  assert.equal(group.status, 201, JSON.stringify(group.body));
  await page.waitForSelector(`#product-groups-${feed.id}`);
  assert.match((await page.textContent(`#product-groups-${feed.id}`)) ?? '', /All of it.*total 2/);

  await assertAccessible(page, 'catalogs');
  await keepScreenshot(page, 'catalogs');
  await context.close();
});

test('audiences: a customer list and its status, conversion events as they arrive, by the account', async () => {
  const s = server();
  const { username, client } = await adsPerson(s);
  const acct = await adAccount(client);
  const list = await client.post(`/ad_accounts/${acct.id}/customer_lists`, { name: 'Buyers', records: Array.from({ length: 120 }, (_, i) => `member-${i}@population.pinbox.test`).join(',') });
  assert.equal(list.status, 200, JSON.stringify(list.body));

  const { context, page } = await openAt(`#/audiences/${username}`, 'Audiences');
  await page.click(`#audiences-accounts a:text("${acct.name}")`);
  await page.waitForSelector(`#customer-list-${list.body.id}`);
  const listed = (await page.textContent(`#customer-list-${list.body.id}`)) ?? '';
  assert.match(listed, /Buyers/);
  const now = (await client.get(`/ad_accounts/${acct.id}/customer_lists/${list.body.id}`)).body;
  assert.ok(listed.includes(now.status), `${listed} shows ${now.status}`);
  await page.waitForSelector('#conversion-events-none');

  // Events sent to the Conversions API show up without a reload.
  const events = conversionEvents(s.pinbox.control.clockState().now, 2);
  const sent = await client.post(`/ad_accounts/${acct.id}/events`, { data: events });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  await page.waitForSelector('#conversion-events tbody tr:nth-child(2)');
  const text = (await page.textContent('#conversion-events')) ?? '';
  for (const e of events) assert.ok(text.includes(String(e.event_id)), text);
  assert.match(text, /checkout.*web/);

  // Once matched (6 minutes on pinbox's clock) the list is READY; an audience of it shows its status and size.
  await s.pinbox.clock.advance('6m');
  const ready = (await client.get(`/ad_accounts/${acct.id}/customer_lists/${list.body.id}`)).body;
  assert.equal(ready.status, 'READY');
  const audience = await client.post(`/ad_accounts/${acct.id}/audiences`, { name: 'Buyers audience', audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.body.id } });
  assert.equal(audience.status, 200, JSON.stringify(audience.body));
  await page.reload();
  await page.waitForSelector(`#audience-${audience.body.id}`);
  assert.match((await page.textContent(`#customer-list-${list.body.id}`)) ?? '', /READY/);
  const shown = (await page.textContent(`#audience-${audience.body.id}`)) ?? '';
  const read = (await client.get(`/ad_accounts/${acct.id}/audiences/${audience.body.id}`)).body;
  assert.ok(shown.includes('Buyers audience') && shown.includes('CUSTOMER_LIST') && shown.includes(read.status), `${shown} vs ${JSON.stringify(read)}`);
  if (typeof read.size === 'number') assert.ok(shown.includes(String(read.size)), shown);

  await assertAccessible(page, 'audiences');
  await keepScreenshot(page, 'audiences');
  await context.close();
});

test("audiences: a lead from a serving lead ad, delivered to the account's webhook, with its try", async () => {
  const s = server();
  const { username, client } = await adsPerson(s);
  const acct = await adAccount(client);
  const form = await client.post(`/ad_accounts/${acct.id}/lead_forms`, [
    { name: 'Newsletter', status: 'ACTIVE', privacy_policy_link: 'https://example.com/privacy', has_accepted_terms: true, completion_message: 'Thanks!', questions: [{ question_type: 'FULL_NAME' }, { question_type: 'EMAIL' }] },
  ]);
  assert.equal(form.status, 200, JSON.stringify(form.body));
  const formId = form.body.items[0].data.id;
  const url = `http://127.0.0.1:${(hook!.address() as AddressInfo).port}/leads`;
  const sub = await client.post(`/ad_accounts/${acct.id}/leads/subscriptions`, { webhook_url: url, lead_form_id: formId });
  assert.ok(sub.status < 300, JSON.stringify(sub.body));
  const campaign = await madeEntity(client, acct.id, 'campaigns', campaignItem({ objective_type: 'CONSIDERATION' }));
  const group = await madeEntity(client, acct.id, 'ad_groups', adGroupItem(campaign.id));
  const pin = await createPin(client, (await createBoard(client)).id, { link: 'https://example.com/lead' });
  const ad = await madeEntity(client, acct.id, 'ads', { ad_group_id: group.id, pin_id: pin.id, creative_type: 'REGULAR', lead_form_id: formId });
  await s.pinbox.control.reviewAd(ad.id, { review_status: 'APPROVED' });
  const lead = await s.pinbox.control.simulateLead(ad.id, ['Cy', 'cy@example.com']);
  assert.equal(lead.deliveries, 1);
  // The webhook has the request before pinbox records its answer: wait for the recorded try.
  let deliveries = await s.pinbox.control.leadDeliveries(acct.id);
  while (deliveries[0]?.tries.length !== 1) {
    await new Promise((resolve) => setTimeout(resolve, 10));
    deliveries = await s.pinbox.control.leadDeliveries(acct.id);
  }
  assert.equal(deliveries[0].state, 'DELIVERED', JSON.stringify(deliveries));

  const { context, page } = await openAt(`#/audiences/${username}/${acct.id}`, 'Audiences');
  await page.waitForSelector('#lead-deliveries');
  const row = (await page.textContent('#lead-deliveries tbody tr')) ?? '';
  assert.ok(row.includes(lead.lead_id), row);
  assert.match(row, /DELIVERED/);
  assert.match(row, / 200/);
  await assertAccessible(page, 'audiences with leads');
  await context.close();
});
