/**
 * Ads delivery, analytics and async reports over HTTP, on a frozen clock: budgets
 * spent to the micro and COMPLETED, daily budgets never passed, a paused day
 * accruing nothing, figures that add up at every level and across a targeting
 * breakdown, report files equal to the sync answer, URL and report expiry, and each
 * of Pinterest's date rules.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../kernel/clock.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertError, Client, createBoard, createPin, ROOMY_STANDARD_LIMITS, startTestPinbox, useServer } from '../../../test/harness.js';
import { adAccount, adsPerson, madeEntity, sumsByDate } from '../../../test/ads.js';
import { TEST_BACKEND } from '../../../test/backend.js';

const DAY = 86_400_000;
const clock = new Clock();
clock.freeze(Date.UTC(2026, 5, 15, 0, 0, 0));
const server = useServer({ clock, analyticsSeed: 1919 });

const day = (offset = 0) => new Date(Math.floor(clock.now() / DAY) * DAY + offset * DAY).toISOString().slice(0, 10);
const SUMS = ['SPEND_IN_MICRO_DOLLAR', 'IMPRESSION_1', 'CLICKTHROUGH_1', 'OUTBOUND_CLICK_1', 'REPIN_1', 'TOTAL_ENGAGEMENT', 'TOTAL_VIDEO_MRC_VIEWS'];
const COLUMNS = [...SUMS, 'CTR', 'CPC_IN_MICRO_DOLLAR', 'CPM_IN_MICRO_DOLLAR', 'TOTAL_CONVERSIONS'];

/** An AWARENESS campaign (impressions bought at a $20 CPM) with one ad group and `ads` approved ads. */
async function spendingTree(client: Client, acct: any, campaign: Record<string, unknown>, group: Record<string, unknown> = {}, ads = 1) {
  const made = await madeEntity(client, acct.id, 'campaigns', { name: 'spend', objective_type: 'AWARENESS', ...campaign });
  const adGroup = await madeEntity(client, acct.id, 'ad_groups', {
    campaign_id: made.id,
    name: 'g',
    billable_event: 'IMPRESSION',
    budget_in_micro_currency: 100_000_000,
    bid_in_micro_currency: 20_000_000,
    ...group,
  });
  const board = await createBoard(client);
  const adList = [];
  for (let i = 0; i < ads; i++) {
    const pin = await createPin(client, board.id, { link: 'https://example.com/p' });
    const ad = await madeEntity(client, acct.id, 'ads', { ad_group_id: adGroup.id, pin_id: pin.id, creative_type: 'REGULAR', destination_url: 'https://example.com/a' });
    await server().pinbox.control.reviewAd(ad.id, { review_status: 'APPROVED' });
    adList.push(ad);
  }
  return { campaign: made, group: adGroup, ads: adList };
}

async function analytics(client: Client, path: string, query: Record<string, string | string[] | boolean>): Promise<any[]> {
  const response = await client.get(path, { query: { columns: COLUMNS.join(','), granularity: 'DAY', ...query } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.ok(Array.isArray(response.body));
  return response.body;
}

const total = (rows: any[], column = 'SPEND_IN_MICRO_DOLLAR') => rows.reduce((sum, row) => sum + (row[column] ?? 0), 0);

describe('delivery on the clock', () => {
  test('a lifetime cap is spent to the micro, day by day, and the campaign shows COMPLETED', async () => {
    const { client } = await adsPerson(server());
    const acct = await adAccount(client);
    const cap = 35_000_000;
    const start = day(0);
    const { campaign, group, ads } = await spendingTree(client, acct, { lifetime_spend_cap: cap }, { budget_in_micro_currency: 10_000_000 });
    let spent = 0;
    let days = 0;
    while (days < 20) {
      await clock.advance('1d');
      days++;
      const rows = await analytics(client, `/ad_accounts/${acct.id}/campaigns/analytics`, { campaign_ids: campaign.id, start_date: start, end_date: day(0), granularity: 'TOTAL' });
      spent = total(rows);
      assert.ok(spent <= cap, `spent ${spent} over the cap ${cap}`);
      if (spent === cap) break;
    }
    assert.equal(spent, cap, `after ${days} days the campaign spent ${spent} of ${cap}`);
    assert.ok(days > 1, 'the ad group budget spreads the cap over more than a day');
    const read = await client.get(`/ad_accounts/${acct.id}/campaigns/${campaign.id}`);
    assert.equal(read.body.summary_status, 'COMPLETED');
    const groupRead = await client.get(`/ad_accounts/${acct.id}/ad_groups/${group.id}`);
    assert.equal(groupRead.body.summary_status, 'COMPLETED', 'an ad group under a spent campaign is complete too');
    // Nothing accrues after completion.
    await clock.advance('2d');
    const after = await analytics(client, `/ad_accounts/${acct.id}/ads/analytics`, { ad_ids: ads[0].id, start_date: start, end_date: day(0), granularity: 'TOTAL' });
    assert.equal(total(after), cap);
  });

  test('an ad group lifetime budget is spent to the micro and the ad group shows COMPLETED; its campaign runs on', async () => {
    const { client } = await adsPerson(server());
    const acct = await adAccount(client);
    const start = day(0);
    const end = Math.floor(clock.now() / 1000) + 20 * 86_400;
    const { campaign, group } = await spendingTree(client, acct, {}, { budget_type: 'LIFETIME', budget_in_micro_currency: 5_000_000, end_time: end });
    await clock.advance('3d');
    const rows = await analytics(client, `/ad_accounts/${acct.id}/ad_groups/analytics`, { ad_group_ids: group.id, start_date: start, end_date: day(0), granularity: 'TOTAL' });
    assert.equal(total(rows), 5_000_000);
    assert.equal((await client.get(`/ad_accounts/${acct.id}/ad_groups/${group.id}`)).body.summary_status, 'COMPLETED');
    assert.equal((await client.get(`/ad_accounts/${acct.id}/campaigns/${campaign.id}`)).body.summary_status, 'RUNNING');
    // A larger lifetime budget gives it room again.
    const raised = await client.patch(`/ad_accounts/${acct.id}/ad_groups`, [{ id: group.id, budget_in_micro_currency: 8_000_000 }]);
    assert.equal(raised.body.items[0].data?.summary_status, 'RUNNING', JSON.stringify(raised.body));
    await clock.advance('2d');
    const more = await analytics(client, `/ad_accounts/${acct.id}/ad_groups/analytics`, { ad_group_ids: group.id, start_date: start, end_date: day(0), granularity: 'TOTAL' });
    assert.equal(total(more), 8_000_000);
  });

  test('a daily budget is never passed on any day, and binds', async () => {
    const { client } = await adsPerson(server());
    const acct = await adAccount(client);
    const budget = 2_000_000;
    const start = day(0);
    const { group } = await spendingTree(client, acct, {}, { budget_in_micro_currency: budget }, 2);
    await clock.advance('6d');
    const rows = await analytics(client, `/ad_accounts/${acct.id}/ad_groups/analytics`, { ad_group_ids: group.id, start_date: start, end_date: day(-1) });
    assert.ok(rows.length >= 5, JSON.stringify(rows));
    for (const row of rows) assert.ok(row.SPEND_IN_MICRO_DOLLAR <= budget, `${row.DATE} spent ${row.SPEND_IN_MICRO_DOLLAR} over ${budget}`);
    assert.ok(rows.some((row) => row.SPEND_IN_MICRO_DOLLAR === budget), 'the budget binds on some day');
    const read = await client.get(`/ad_accounts/${acct.id}/ad_groups/${group.id}`);
    assert.equal(read.body.summary_status, 'RUNNING', 'a daily budget spent is no completion');
  });

  test('the schedule bounds delivery: nothing before the start, nothing after the end, then COMPLETED', async () => {
    const { client } = await adsPerson(server());
    const acct = await adAccount(client);
    const now = Math.floor(clock.now() / 1000);
    const start = day(0);
    const window = { start_time: now + 86_400, end_time: now + 3 * 86_400 };
    const { campaign, group, ads } = await spendingTree(client, acct, window, window);
    assert.equal((await client.get(`/ad_accounts/${acct.id}/campaigns/${campaign.id}`)).body.summary_status, 'NOT_STARTED');
    await clock.advance('5d');
    const rows = await analytics(client, `/ad_accounts/${acct.id}/ads/analytics`, { ad_ids: ads[0].id, start_date: start, end_date: day(0) });
    assert.deepEqual(rows.map((row) => row.DATE), [day(-4), day(-3)], 'two days inside the window, none outside');
    assert.equal((await client.get(`/ad_accounts/${acct.id}/campaigns/${campaign.id}`)).body.summary_status, 'COMPLETED');
    assert.equal((await client.get(`/ad_accounts/${acct.id}/ad_groups/${group.id}`)).body.summary_status, 'COMPLETED');
  });

  test('a paused day accrues nothing, and what came before does not change', async () => {
    const { client } = await adsPerson(server());
    const acct = await adAccount(client);
    const start = day(0);
    const { campaign, ads } = await spendingTree(client, acct, {});
    await clock.advance('1d');
    const before = await analytics(client, `/ad_accounts/${acct.id}/ads/analytics`, { ad_ids: ads[0].id, start_date: start, end_date: day(0) });
    assert.ok(total(before) > 0, 'the first day delivered');
    const pause = await client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: campaign.id, status: 'PAUSED' }]);
    assert.equal(pause.status, 200, JSON.stringify(pause.body));
    const pausedDay = day(0);
    await clock.advance('1d');
    await client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: campaign.id, status: 'ACTIVE' }]);
    await clock.advance('1d');
    const rows = await analytics(client, `/ad_accounts/${acct.id}/ads/analytics`, { ad_ids: ads[0].id, start_date: start, end_date: day(0) });
    assert.deepEqual(rows.filter((row) => row.DATE === start), before.filter((row) => row.DATE === start), 'the day before the pause is as it was');
    assert.equal(rows.find((row) => row.DATE === pausedDay), undefined, 'the paused day has no row: nothing accrued');
    assert.ok(rows.some((row) => row.DATE > pausedDay && row.SPEND_IN_MICRO_DOLLAR > 0), 'delivery resumed');
  });

  test('setAdMetrics fixes an ad day, and the campaign and account follow', async () => {
    const { client } = await adsPerson(server());
    const acct = await adAccount(client);
    const { campaign, ads } = await spendingTree(client, acct, {});
    await clock.advance('2d');
    const fixed = day(-1);
    await server().pinbox.admin.setAdMetrics(ads[0].id, { dates: [fixed], metrics: { IMPRESSION: 1000, CLICKTHROUGH: 10, SPEND_IN_MICRO_DOLLAR: 7_000_000 } });
    const [ad] = await analytics(client, `/ad_accounts/${acct.id}/ads/analytics`, { ad_ids: ads[0].id, start_date: fixed, end_date: fixed });
    assert.equal(ad.IMPRESSION_1, 1000);
    assert.equal(ad.SPEND_IN_MICRO_DOLLAR, 7_000_000);
    assert.equal(ad.CTR, 0.01);
    assert.equal(ad.CPC_IN_MICRO_DOLLAR, 700_000);
    const [camp] = await analytics(client, `/ad_accounts/${acct.id}/campaigns/analytics`, { campaign_ids: campaign.id, start_date: fixed, end_date: fixed });
    assert.equal(camp.SPEND_IN_MICRO_DOLLAR, 7_000_000);
    await assert.rejects(server().pinbox.admin.setAdMetrics(ads[0].id, { dates: [day(3)], metrics: { IMPRESSION: 1 } }), /after today/);
    // The same through the control plane over HTTP; a bad metric is a 400 naming it and changes nothing.
    const control = (body: unknown) =>
      fetch(`${server().pinbox.url}/_pinbox/ads/${ads[0].id}/metrics`, { method: 'PUT', headers: { 'x-pinbox-admin-key': server().pinbox.adminKey, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await control({ dates: [fixed], metrics: { CLICKTHROUGH: 20 } })).status, 200);
    const bad = await control({ dates: [fixed], metrics: { CLICKTHROUGH: 5, LIKES: 3 } });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /metrics\.LIKES/);
    const [after] = await analytics(client, `/ad_accounts/${acct.id}/ads/analytics`, { ad_ids: ads[0].id, start_date: fixed, end_date: fixed });
    assert.equal(after.CLICKTHROUGH_1, 20);
    assert.equal(after.IMPRESSION_1, 1000, 'the other figures of the fixed day stay');
  });
});

describe('ads analytics add up', () => {
  let acct: any;
  let client: Client;
  const tree: { campaign: any; groups: any[]; ads: any[][] }[] = [];
  let start = '';

  test('a seeded account with several campaigns, ad groups and ads delivers', async () => {
    ({ client } = await adsPerson(server()));
    acct = await adAccount(client);
    start = day(0);
    const board = await createBoard(client);
    for (const objective of ['AWARENESS', 'CONSIDERATION']) {
      const campaign = await madeEntity(client, acct.id, 'campaigns', { name: objective, objective_type: objective, daily_spend_cap: 40_000_000 });
      const groups = [];
      const groupAds = [];
      for (const [i, targeting] of [{}, { GENDER: ['female', 'male'], APPTYPE: ['iphone', 'web'] }].entries()) {
        const group = await madeEntity(client, acct.id, 'ad_groups', {
          campaign_id: campaign.id,
          name: `g${i}`,
          billable_event: objective === 'AWARENESS' ? 'IMPRESSION' : 'CLICKTHROUGH',
          budget_in_micro_currency: 15_000_000,
          bid_in_micro_currency: objective === 'AWARENESS' ? 12_000_000 : 1_500_000,
          targeting_spec: targeting,
        });
        const ads = [];
        for (let j = 0; j < 2; j++) {
          const pin = await createPin(client, board.id, { link: 'https://example.com/p' });
          const ad = await madeEntity(client, acct.id, 'ads', { ad_group_id: group.id, pin_id: pin.id, creative_type: 'REGULAR', destination_url: 'https://example.com/a' });
          await server().pinbox.control.reviewAd(ad.id, { review_status: 'APPROVED' });
          ads.push(ad);
        }
        groups.push(group);
        groupAds.push(ads);
      }
      tree.push({ campaign, groups, ads: groupAds.flat() });
    }
    await clock.advance('4d');
    await clock.advance('7h');
  });

  const byDate = (rows: any[]) => sumsByDate(rows, SUMS);

  for (const granularity of ['DAY', 'TOTAL', 'HOUR', 'WEEK']) {
    test(`${granularity}: the account is the sum of its campaigns, a campaign of its ad groups, an ad group of its ads`, async () => {
      const range = granularity === 'HOUR' ? { start_date: day(-1), end_date: day(0) } : { start_date: start, end_date: day(0) };
      const q = { ...range, granularity };
      const account = await analytics(client, `/ad_accounts/${acct.id}/analytics`, q);
      assert.ok(account.length > 0 && account.every((row) => row.AD_ACCOUNT_ID === acct.id));
      if (granularity === 'TOTAL') assert.ok(account.every((row) => row.DATE === undefined), 'no DATE for TOTAL');
      else assert.ok(account.every((row) => typeof row.DATE === 'string'));
      const campaigns = await analytics(client, `/ad_accounts/${acct.id}/campaigns/analytics`, { ...q, campaign_ids: tree.map((t) => t.campaign.id).join(',') });
      // Pinterest: a campaign's daily_spend_cap holds over all its ad groups.
      if (granularity === 'DAY') for (const row of campaigns) assert.ok(row.SPEND_IN_MICRO_DOLLAR <= 40_000_000, `${row.CAMPAIGN_ID} on ${row.DATE}`);
      assert.deepEqual(byDate(campaigns), byDate(account));
      for (const { campaign, groups, ads } of tree) {
        const own = campaigns.filter((row) => row.CAMPAIGN_ID === campaign.id);
        const groupRows = await analytics(client, `/ad_accounts/${acct.id}/ad_groups/analytics`, { ...q, ad_group_ids: groups.map((g) => g.id).join(',') });
        assert.deepEqual(byDate(groupRows), byDate(own));
        const adRows = await analytics(client, `/ad_accounts/${acct.id}/ads/analytics`, { ...q, ad_ids: ads.map((a) => a.id).join(',') });
        assert.deepEqual(byDate(adRows), byDate(own));
      }
      for (const row of account) {
        // Derived columns come from the row's sums.
        assert.equal(row.CTR, row.IMPRESSION_1 ? row.CLICKTHROUGH_1 / row.IMPRESSION_1 : 0);
        assert.equal(row.CPM_IN_MICRO_DOLLAR, row.IMPRESSION_1 ? (row.SPEND_IN_MICRO_DOLLAR * 1000) / row.IMPRESSION_1 : 0);
        assert.equal(row.TOTAL_CONVERSIONS, 0);
      }
    });
  }

  test('ad Pin analytics sum a campaign\'s ads by Pin; ads analytics take campaign_ids with pin_ids; product groups have no figures', async () => {
    const { campaign, ads } = tree[0];
    const pinIds = ads.map((a) => a.pin_id);
    const pins = await analytics(client, `/ad_accounts/${acct.id}/pins/analytics`, { start_date: start, end_date: day(0), campaign_id: campaign.id, pin_ids: pinIds.join(',') });
    assert.deepEqual([...new Set(pins.map((row) => row.PIN_ID))].sort(), [...pinIds].sort());
    const own = await analytics(client, `/ad_accounts/${acct.id}/campaigns/analytics`, { start_date: start, end_date: day(0), campaign_ids: campaign.id });
    assert.deepEqual(byDate(pins), byDate(own));
    const byPin = await analytics(client, `/ad_accounts/${acct.id}/ads/analytics`, { start_date: start, end_date: day(0), campaign_ids: campaign.id, pin_ids: pinIds[0] });
    assert.ok(byPin.length > 0 && byPin.every((row) => row.AD_ID === ads[0].id));
    assert.deepEqual(await analytics(client, `/ad_accounts/${acct.id}/product_groups/analytics`, { start_date: start, end_date: day(0), product_group_ids: '123' }), []);
  });

  test('aggregate_report_rows gives one row per date without the id column', async () => {
    const ids = tree.map((t) => t.campaign.id).join(',');
    const rows = await analytics(client, `/ad_accounts/${acct.id}/campaigns/analytics`, { start_date: start, end_date: day(0), campaign_ids: ids, aggregate_report_rows: true });
    assert.ok(rows.every((row) => row.CAMPAIGN_ID === undefined));
    const account = await analytics(client, `/ad_accounts/${acct.id}/analytics`, { start_date: start, end_date: day(0) });
    assert.deepEqual(byDate(rows), byDate(account));
  });

  test('targeting analytics break each total down so the parts sum to it', async () => {
    for (const { groups } of tree) {
      const ids = groups.map((g) => g.id).join(',');
      const totals = await analytics(client, `/ad_accounts/${acct.id}/ad_groups/analytics`, { start_date: start, end_date: day(0), ad_group_ids: ids });
      const response = await client.get(`/ad_accounts/${acct.id}/ad_groups/targeting_analytics`, {
        query: { start_date: start, end_date: day(0), ad_group_ids: ids, columns: COLUMNS.join(','), granularity: 'DAY', targeting_types: 'GENDER,APPTYPE,PLACEMENT,AGE_BUCKET' },
      });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const data = response.body.data as any[];
      for (const type of ['GENDER', 'APPTYPE', 'PLACEMENT', 'AGE_BUCKET']) {
        const parts = data.filter((d) => d.targeting_type === type);
        for (const group of groups) {
          const own = parts.filter((d) => d.metrics.AD_GROUP_ID === group.id).map((d) => d.metrics);
          assert.deepEqual(byDate(own), byDate(totals.filter((row) => row.AD_GROUP_ID === group.id)), `${type} of ${group.name}`);
          if (type === 'GENDER' && group.targeting_spec.GENDER) {
            assert.deepEqual([...new Set(parts.filter((d) => d.metrics.AD_GROUP_ID === group.id).map((d) => d.targeting_value))].sort(), ['female', 'male'], 'only the targeted genders');
          }
        }
      }
    }
    const accountWide = await client.get(`/ad_accounts/${acct.id}/targeting_analytics`, {
      query: { start_date: start, end_date: day(0), columns: 'SPEND_IN_MICRO_DOLLAR', granularity: 'TOTAL', targeting_types: 'COUNTRY' },
    });
    assert.equal(accountWide.status, 200, JSON.stringify(accountWide.body));
    const account = await analytics(client, `/ad_accounts/${acct.id}/analytics`, { start_date: start, end_date: day(0), granularity: 'TOTAL' });
    assert.equal(total(accountWide.body.data.map((d: any) => d.metrics)), account[0].SPEND_IN_MICRO_DOLLAR);
  });

  test('a report file equals the synchronous answer, as JSON and as CSV; URL and report expire on the clock', async () => {
    const ids = tree.map((t) => t.campaign.id);
    const sync = await analytics(client, `/ad_accounts/${acct.id}/campaigns/analytics`, { start_date: start, end_date: day(0), campaign_ids: ids.join(',') });
    const created = await client.post(`/ad_accounts/${acct.id}/reports`, { start_date: start, end_date: day(0), granularity: 'DAY', level: 'CAMPAIGN', columns: COLUMNS, campaign_ids: ids });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.report_status, 'IN_PROGRESS');
    const token = created.body.token;
    const poll = () => client.get(`/ad_accounts/${acct.id}/reports`, { query: { token } });
    assert.equal((await poll()).body.report_status, 'IN_PROGRESS');
    await clock.advance('10s');
    const finished = await poll();
    assert.equal(finished.body.report_status, 'FINISHED', JSON.stringify(finished.body));
    const file = await fetch(finished.body.url);
    assert.equal(file.status, 200);
    const body = (await file.json()) as Record<string, any[]>;
    assert.deepEqual(Object.keys(body).sort(), [...new Set(sync.map((row) => row.CAMPAIGN_ID))].sort());
    assert.deepEqual(Object.values(body).flat(), sync);
    assert.equal(finished.body.size, JSON.stringify(body).length);

    const csv = await client.post(`/ad_accounts/${acct.id}/reports`, { start_date: start, end_date: day(0), granularity: 'TOTAL', level: 'ADVERTISER', columns: ['SPEND_IN_MICRO_DOLLAR'], report_format: 'CSV' });
    await clock.advance('10s');
    const csvDone = await client.get(`/ad_accounts/${acct.id}/reports`, { query: { token: csv.body.token } });
    const text = await (await fetch(csvDone.body.url)).text();
    const [account] = await analytics(client, `/ad_accounts/${acct.id}/analytics`, { start_date: start, end_date: day(0), granularity: 'TOTAL', columns: 'SPEND_IN_MICRO_DOLLAR' });
    assert.equal(text, `AD_ACCOUNT_ID,SPEND_IN_MICRO_DOLLAR\n${acct.id},${account.SPEND_IN_MICRO_DOLLAR}\n`);

    // Pinterest: the URL lives 5 minutes, the report an hour.
    await clock.advance('5m');
    await clock.advance('1s');
    const stale = await fetch(finished.body.url);
    assert.equal(stale.status, 403);
    assert.match(await stale.text(), /expired/);
    const again = await poll();
    assert.equal(again.body.report_status, 'FINISHED');
    assert.equal((await fetch(again.body.url)).status, 200, 'a new poll gives a new URL');
    const tampered = await fetch(again.body.url.replace(/signature=[0-9a-f]/, 'signature=x'));
    assert.equal(tampered.status, 403);
    await clock.advance('1h');
    const expired = await poll();
    assert.equal(expired.body.report_status, 'EXPIRED');
    assert.equal((await fetch(again.body.url)).status, 403);
    assert.equal((await client.get(`/ad_accounts/${acct.id}/reports`, { query: { token: 'f'.repeat(32) } })).body.report_status, 'DOES_NOT_EXIST');
  });

  test('report filters: metrics_filters, statuses, targeting levels and sorting', async () => {
    const file = async (body: Record<string, unknown>) => {
      const created = await client.post(`/ad_accounts/${acct.id}/reports`, { start_date: start, end_date: day(0), granularity: 'TOTAL', columns: ['SPEND_IN_DOLLAR', 'TOTAL_IMPRESSION'], ...body });
      assert.equal(created.status, 200, JSON.stringify(created.body));
      await clock.advance('10s');
      const done = await client.get(`/ad_accounts/${acct.id}/reports`, { query: { token: created.body.token } });
      return (await (await fetch(done.body.url)).json()) as Record<string, any[]>;
    };
    const report = async (body: Record<string, unknown>) => Object.values(await file(body)).flat();
    const all = await report({ level: 'AD_GROUP' });
    assert.equal(all.length, 4);
    const spends = all.map((row) => row.SPEND_IN_DOLLAR).sort((a, b) => a - b);
    const over = await report({ level: 'AD_GROUP', metrics_filters: [{ field: 'SPEND_IN_DOLLAR', operator: 'GREATER_THAN', values: [spends[1]] }] });
    assert.deepEqual(over.map((row) => row.SPEND_IN_DOLLAR).sort((a, b) => a - b), spends.slice(2));
    const running = await report({ level: 'CAMPAIGN', campaign_statuses: ['PAUSED'] });
    assert.deepEqual(running, []);
    const targeting = await file({ level: 'CAMPAIGN_TARGETING', targeting_types: ['GENDER'], granularity: 'DAY', primary_sort: 'BY_DATE' });
    assert.deepEqual(Object.keys(targeting).sort(), tree.map((t) => t.campaign.id).sort());
    for (const rows of Object.values(targeting)) {
      assert.ok(rows.every((row) => row.TARGETING_TYPE === 'GENDER' && typeof row.TARGETING_VALUE === 'string'));
      const dates = rows.map((row) => row.DATE);
      assert.deepEqual(dates, [...dates].sort(), 'BY_DATE sorts each entity\'s rows by date');
    }
  });
  test('an HOUR report cuts its first day at start_hour and its last at end_hour', async () => {
    const from = day(-1);
    const to = day(0);
    const created = await client.post(`/ad_accounts/${acct.id}/reports`, {
      start_date: from, end_date: to, granularity: 'HOUR', level: 'ADVERTISER', columns: ['IMPRESSION_1'], start_hour: 5, end_hour: 3,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    await clock.advance('10s');
    const done = await client.get(`/ad_accounts/${acct.id}/reports`, { query: { token: created.body.token } });
    const rows = Object.values((await (await fetch(done.body.url)).json()) as Record<string, any[]>).flat();
    assert.ok(rows.length > 0);
    assert.ok(rows.every((row) => (row.DATE === from ? row.HOUR >= 5 : row.HOUR <= 3)), JSON.stringify(rows.slice(0, 3)));
    assert.ok(rows.some((row) => row.DATE === from && row.HOUR === 5));
  });

  test('MMM reports: targeting rows by campaign in the {code, data} envelope, equal to the targeting analytics', async () => {
    const ids = tree.map((t) => t.campaign.id);
    const created = await client.post(`/ad_accounts/${acct.id}/mmm_reports`, {
      report_name: 'mix',
      start_date: start,
      end_date: day(0),
      granularity: 'DAY',
      level: 'CAMPAIGN_TARGETING',
      targeting_types: ['GENDER', 'CREATIVE_TYPE'],
      columns: ['SPEND_IN_MICRO_DOLLAR', 'IMPRESSION_1'],
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.equal(created.body.code, 0);
    assert.equal(created.body.data.report_status, 'IN_PROGRESS');
    const poll = () => client.get(`/ad_accounts/${acct.id}/mmm_reports`, { query: { token: created.body.data.token } });
    assert.equal((await poll()).body.data.report_status, 'IN_PROGRESS');
    await clock.advance('10s');
    const done = await poll();
    assert.equal(done.body.data.report_status, 'FINISHED');
    const file = (await (await fetch(done.body.data.url)).json()) as Record<string, any[]>;
    const sync = await client.get(`/ad_accounts/${acct.id}/campaigns/targeting_analytics`, {
      query: { start_date: start, end_date: day(0), campaign_ids: ids.join(','), columns: 'SPEND_IN_MICRO_DOLLAR,IMPRESSION_1', granularity: 'DAY', targeting_types: 'GENDER,CREATIVE_TYPE' },
    });
    const expected = (sync.body.data as any[]).map((d) => ({ TARGETING_TYPE: d.targeting_type, TARGETING_VALUE: d.targeting_value, ...d.metrics }));
    const key = (row: any) => `${row.CAMPAIGN_ID}:${row.TARGETING_TYPE}:${row.TARGETING_VALUE}:${row.DATE}`;
    assert.deepEqual(Object.values(file).flat().sort((a, b) => key(a).localeCompare(key(b))), expected.sort((a, b) => key(a).localeCompare(key(b))));
    assert.ok(expected.some((row) => row.TARGETING_TYPE === 'CREATIVE_TYPE' && row.TARGETING_VALUE === 'REGULAR'));
  });

  test('brand, category and SKU reports: Pinterest date rules; no product conversions yet, so no rows', async () => {
    const create = (body: Record<string, unknown>) =>
      client.post(`/ad_accounts/${acct.id}/reports/brand_category_sku`, { report_name: 'bcs', granularity: 'TOTAL', level: 'ADVERTISER', columns: ['CONVERSION_PRODUCT_BRAND', 'TOTAL_CONVERSION_PRODUCT_QUANTITY'], ...body });
    assertError(await create({ start_date: day(-3), end_date: day(0) }), 400, 1, 'end_date');
    assertError(await create({ start_date: '2024-03-10', end_date: '2024-03-30' }), 400, 1, 'start_date');
    const created = await create({ start_date: day(-10), end_date: day(0) });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    await clock.advance('10s');
    const done = await client.get(`/ad_accounts/${acct.id}/reports/brand_category_sku`, { query: { token: created.body.token } });
    assert.equal(done.body.report_status, 'FINISHED');
    assert.deepEqual(await (await fetch(done.body.url)).json(), {});
    const other = await client.get(`/ad_accounts/${acct.id}/reports`, { query: { token: created.body.token } });
    assert.equal(other.body.report_status, 'DOES_NOT_EXIST', 'a token is good for its own kind of report');
  });
});

describe("Pinterest's date rules", () => {
  test('sync analytics: 90 days back, 90 days long, HOUR 8 days back and 3 long; each a 400 naming its field', async () => {
    const { client } = await adsPerson(server());
    const acct = await adAccount(client);
    const path = `/ad_accounts/${acct.id}/analytics`;
    const ask = (query: Record<string, string>) => client.get(path, { query: { columns: 'SPEND_IN_MICRO_DOLLAR', granularity: 'DAY', ...query } });
    const old = await ask({ start_date: day(-91), end_date: day(0) });
    assertError(old, 400, 1, 'start_date');
    assert.match(old.body.message, /You can only get data from the last 90 days/);
    assertError(await ask({ start_date: day(-3), end_date: day(-4) }), 400, 1, 'end_date');
    assertError(await ask({ start_date: day(0), end_date: day(1) }), 400, 1, 'end_date');
    assertError(await ask({ start_date: '2026-02-30', end_date: day(0) }), 400, 1, 'start_date');
    assertError(await ask({ start_date: day(-9), end_date: day(-8), granularity: 'HOUR' }), 400, 1, 'start_date');
    assertError(await ask({ start_date: day(-4), end_date: day(0), granularity: 'HOUR' }), 400, 1, 'end_date');
    assertError(await ask({ start_date: day(-3), end_date: day(0), granularity: 'YEAR' }), 400, 1, 'granularity');
    assert.equal((await ask({ start_date: day(-90), end_date: day(0) })).status, 200);
    assert.equal((await ask({ start_date: day(-3), end_date: day(0), granularity: 'HOUR' })).status, 200);
    assertError(await client.get(`/ad_accounts/${acct.id}/ads/analytics`, { query: { start_date: day(0), end_date: day(0), columns: 'CTR', granularity: 'DAY', campaign_ids: '1' } }), 400, 1, 'ad_ids');
  });

  test('async reports: 914 days back and 186 long, HOUR 8 and 3', async () => {
    const { client } = await adsPerson(server());
    const acct = await adAccount(client);
    const create = (body: Record<string, unknown>) => client.post(`/ad_accounts/${acct.id}/reports`, { level: 'CAMPAIGN', granularity: 'DAY', columns: ['SPEND_IN_DOLLAR'], ...body });
    assertError(await create({ start_date: day(-915), end_date: day(-900) }), 400, 1, 'start_date');
    assertError(await create({ start_date: day(-200), end_date: day(-13) }), 400, 1, 'end_date');
    assert.equal((await create({ start_date: day(-200), end_date: day(-14) })).status, 200);
    assertError(await create({ start_date: day(-9), end_date: day(-8), granularity: 'HOUR' }), 400, 1, 'start_date');
    assertError(await create({ start_date: day(-4), end_date: day(0), granularity: 'HOUR' }), 400, 1, 'end_date');
    assertError(await create({ start_date: day(-4), end_date: day(0), level: 'CAMPAIGN_TARGETING' }), 400, 1, 'targeting_types');
    assertError(await create({ start_date: day(-4), end_date: day(0), level: 'SOMETHING' }), 400, 1, 'level');
    // pinbox: an account has no report templates (templates/list answers none), so a template report is a 404.
    assertError(await client.post(`/ad_accounts/${acct.id}/templates/123/reports`, undefined, { query: { start_date: day(-920), end_date: day(-919) } }), 400, 1, 'start_date');
    assertError(await client.post(`/ad_accounts/${acct.id}/templates/123/reports`, undefined, { query: { start_date: day(-3), end_date: day(0) } }), 404, 404);
  });
});

describe('fixtures, snapshots and reset reach delivery', () => {
  test('a fixture seeds a spending campaign and fixes an ad day; a snapshot carries the figures back; reset clears them', async () => {
    const s = server();
    const { username: owner, client } = await adsPerson(s);
    const pin = await createPin(client, (await createBoard(client)).id, { link: 'https://example.com/p' });
    const fixed = day(0);
    const shop = `fixture shop ${process.pid}`;
    const made: any = await s.pinbox.seed({
      ad_accounts: [{ name: shop, owner }],
      campaigns: [{ ad_account: shop, key: 'c', name: 'spend', objective_type: 'AWARENESS', lifetime_spend_cap: 50_000_000 }],
      ad_groups: [{ campaign: 'c', key: 'g', name: 'g', billable_event: 'IMPRESSION', budget_in_micro_currency: 20_000_000, bid_in_micro_currency: 20_000_000 }],
      ads: [{ ad_group: 'g', key: 'a', pin_id: pin.id, creative_type: 'REGULAR', review_status: 'APPROVED' }],
      ad_delivery: [{ ad: 'a', dates: [fixed], metrics: { IMPRESSION: 10, SPEND_IN_MICRO_DOLLAR: 1_000 } }],
    } as never);
    const accountId = made.ad_accounts[0].id;
    const read = () => analytics(client, `/ad_accounts/${accountId}/analytics`, { start_date: fixed, end_date: day(0) });
    const [first] = await read();
    assert.equal(first.SPEND_IN_MICRO_DOLLAR, 1_000, 'the fixed day, before any hour of delivery');
    await clock.advance('2d');
    const rows = await read();
    assert.ok(total(rows) > 1_000, 'the fixture campaign spends as the clock moves');
    const snapshot = await s.pinbox.snapshot();
    assert.ok(snapshot.tables.ad_delivery.rows.length > 0 && snapshot.tables.ad_delivery_days.rows.length > 0);
    await s.pinbox.control.reset();
    const cleared = await s.pinbox.snapshot();
    assert.equal(cleared.tables.ad_delivery.rows.length, 0);
    assert.equal(cleared.tables.ad_delivery_cursors.rows.length, 0);
    await s.pinbox.control.restore(snapshot);
    assert.deepEqual(await read(), rows, 'the restored store answers the same figures');
  });
});

describe('a restart', () => {
  test('keeps what was delivered, carries on delivering, and finishes a report made before it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbox-delivery-'));
    const data = join(dir, 'pinbox.db');
    // Each process its own clock (on PostgreSQL + Redis a clock belongs to its process), frozen where the last one stopped.
    let restartClock = new Clock();
    restartClock.freeze(Date.UTC(2026, 2, 1, 0, 0, 0));
    const options = () => ({ data, clock: restartClock, analyticsSeed: 5, rateLimitOverrides: ROOMY_STANDARD_LIMITS });
    const date = (offset: number) => new Date(Math.floor(restartClock.now() / DAY) * DAY + offset * DAY).toISOString().slice(0, 10);
    let pinbox = await startTestPinbox(options());
    try {
      let api = new Client(pinbox.url, pinbox.token, true);
      const acct = await adAccount(api);
      const campaign = await madeEntity(api, acct.id, 'campaigns', { name: 'restart', objective_type: 'AWARENESS' });
      const group = await madeEntity(api, acct.id, 'ad_groups', { campaign_id: campaign.id, name: 'g', billable_event: 'IMPRESSION', budget_in_micro_currency: 50_000_000, bid_in_micro_currency: 10_000_000 });
      const pin = await createPin(api, (await createBoard(api)).id, { link: 'https://example.com/p' });
      const ad = await madeEntity(api, acct.id, 'ads', { ad_group_id: group.id, pin_id: pin.id, creative_type: 'REGULAR' });
      await pinbox.control.reviewAd(ad.id, { review_status: 'APPROVED' });
      const start = date(0);
      await restartClock.advance('2d');
      const query = { ad_ids: ad.id, start_date: start, end_date: date(0), columns: COLUMNS.join(','), granularity: 'DAY' };
      const before = (await api.get(`/ad_accounts/${acct.id}/ads/analytics`, { query })).body;
      assert.equal(before.length, 2);
      const report = await api.post(`/ad_accounts/${acct.id}/reports`, { start_date: start, end_date: date(-1), granularity: 'DAY', level: 'PIN_PROMOTION', columns: COLUMNS, ad_ids: [ad.id] });
      await pinbox.close();

      const stoppedAt = restartClock.now();
      restartClock = new Clock();
      restartClock.freeze(stoppedAt);
      pinbox = await startTestPinbox(options());
      api = new Client(pinbox.url, pinbox.token, true);
      assert.deepEqual((await api.get(`/ad_accounts/${acct.id}/ads/analytics`, { query })).body, before, 'the same figures after the restart');
      await restartClock.advance('10s');
      const done = await api.get(`/ad_accounts/${acct.id}/reports`, { query: { token: report.body.token } });
      assert.equal(done.body.report_status, 'FINISHED');
      assert.deepEqual(((await (await fetch(done.body.url)).json()) as Record<string, unknown[]>)[ad.id], before);
      await restartClock.advance('1d');
      const after = (await api.get(`/ad_accounts/${acct.id}/ads/analytics`, { query: { ...query, end_date: date(0) } })).body;
      assert.deepEqual(after.slice(0, 2), before, 'the days before stay as they were');
      assert.equal(after.length, 3, 'and the next day was delivered');
    } finally {
      await pinbox.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('two pinbox instances on one PostgreSQL and Redis', () => {
  test('deliver each hour once when both catch an account up at the same moment', { skip: TEST_BACKEND === 'postgres' ? false : 'runs in the PostgreSQL + Redis pass' }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbox-delivery-team-'));
    const data = join(dir, 'pinbox.db');
    const clocks = [new Clock(), new Clock()];
    for (const c of clocks) c.freeze(Date.UTC(2026, 3, 1, 0, 0, 0));
    const first = await startTestPinbox({ data, clock: clocks[0], analyticsSeed: 11, rateLimitOverrides: ROOMY_STANDARD_LIMITS });
    const second = await startTestPinbox({ data, clock: clocks[1], rateLimitOverrides: ROOMY_STANDARD_LIMITS });
    try {
      const api = new Client(first.url, first.token, true);
      const otherApi = new Client(second.url, first.token, true);
      const acct = await adAccount(api);
      const { ads } = await (async () => {
        const campaign = await madeEntity(api, acct.id, 'campaigns', { name: 'team', objective_type: 'AWARENESS' });
        const made = [];
        for (let g = 0; g < 3; g++) {
          const group = await madeEntity(api, acct.id, 'ad_groups', { campaign_id: campaign.id, name: `g${g}`, billable_event: 'IMPRESSION', budget_in_micro_currency: 30_000_000, bid_in_micro_currency: 10_000_000 });
          const pin = await createPin(api, (await createBoard(api)).id, { link: 'https://example.com/p' });
          for (let a = 0; a < 3; a++) {
            const ad = await madeEntity(api, acct.id, 'ads', { ad_group_id: group.id, pin_id: pin.id, creative_type: 'REGULAR' });
            await first.control.reviewAd(ad.id, { review_status: 'APPROVED' });
            made.push(ad);
          }
        }
        return { ads: made };
      })();
      const start = new Date(clocks[0].now()).toISOString().slice(0, 10);
      await first.clock.advance('5d');
      const end = new Date(clocks[0].now()).toISOString().slice(0, 10);
      assert.equal(new Date(clocks[1].now()).toISOString().slice(0, 10), end, 'the second process follows the clock through Redis');
      const query = { start_date: start, end_date: end, columns: SUMS.join(','), granularity: 'DAY' };
      // Both instances are asked at once, several times: one catches up, the others find it done.
      const answers = await Promise.all(
        [api, otherApi, api, otherApi].map((client) => client.get(`/ad_accounts/${acct.id}/analytics`, { query })),
      );
      for (const answer of answers) assert.deepEqual(answer.body, answers[0].body);
      const byAd = await otherApi.get(`/ad_accounts/${acct.id}/ads/analytics`, { query: { ...query, ad_ids: ads.map((a) => a.id).join(',') } });
      const account = answers[0].body as any[];
      assert.ok(account.length >= 5);
      for (const row of account) {
        const sum = (byAd.body as any[]).filter((r) => r.DATE === row.DATE).reduce((n, r) => n + r.SPEND_IN_MICRO_DOLLAR, 0);
        assert.equal(sum, row.SPEND_IN_MICRO_DOLLAR, `${row.DATE}: the ad rows and the ad group sums agree (nothing delivered twice)`);
        assert.ok(row.SPEND_IN_MICRO_DOLLAR <= 90_000_000);
      }
    } finally {
      await second.close();
      await first.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
