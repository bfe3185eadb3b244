/**
 * Attribution over HTTP, on a frozen clock: conversion events sent to the
 * Conversions API appear in the ads analytics of the ad a matched person clicked
 * within the window and never of an ad outside it; the windows and the report time
 * move them as Pinterest's parameters say; the figures add up across levels; a
 * report equals the sync answer. Every answer is checked against the spec by the harness.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../kernel/clock.js';
import { useServer } from '../../../test/harness.js';
import { adAccount, adsPerson, conversionEvents, servingAd } from '../../../test/ads.js';

const DAY = 86_400_000;
const clock = new Clock();
clock.freeze(Date.UTC(2026, 6, 6, 0, 0, 0));
const server = useServer({ clock, analyticsSeed: 2222 });

const day = (offset = 0) => new Date(Math.floor(clock.now() / DAY) * DAY + offset * DAY).toISOString().slice(0, 10);
const COLUMNS = ['SPEND_IN_MICRO_DOLLAR', 'CLICKTHROUGH_1', 'TOTAL_CONVERSIONS', 'TOTAL_CHECKOUT', 'TOTAL_CLICK_CHECKOUT', 'TOTAL_VIEW_CHECKOUT', 'TOTAL_WEB_CHECKOUT', 'TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR', 'CHECKOUT_ROAS', 'TOTAL_SIGNUP'];

let serial = 0;
/** `n` checkouts of $10 a minute ago, from population members pinbox matches (each batch its own). */
const checkouts = (n: number, email?: (i: number) => string) => {
  const base = serial;
  serial += n;
  return conversionEvents(clock.now(), n, email ?? ((i) => `member-${base + i}@population.pinbox.test`));
};

describe('conversions in the ads analytics', () => {
  let ready: ReturnType<typeof prepare> | null = null;
  const setup = () => (ready ??= prepare());
  async function prepare() {
    const s = server();
    const { client } = await adsPerson(s);
    const acct = await adAccount(client);
    const send = async (events: Record<string, unknown>[]) => {
      const sent = await client.post(`/ad_accounts/${acct.id}/events`, { data: events });
      assert.equal(sent.status, 200, JSON.stringify(sent.body));
    };
    const start = day(0);
    // Ad A serves one day, then its campaign pauses.
    const a = await servingAd(s, client, acct.id);
    await clock.advance('1d');
    await send(checkouts(5)); // batch 1: the evening A served
    const paused = await client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: a.campaign.id, status: 'PAUSED' }]);
    assert.equal(paused.status, 200, JSON.stringify(paused.body));
    await clock.advance('3d');
    await send(checkouts(3)); // batch 3: three days after A's last click
    // Ad B starts and serves a day.
    const b = await servingAd(s, client, acct.id);
    await clock.advance('1d');
    // batch 2: the evening B served, and one event whose email matches nobody (never attributed).
    await send([...checkouts(10), ...checkouts(1, () => 'nobody@example.com')]);
    return { client, acct, a, b, start };
  }

  const ads = async (query: Record<string, string | number>) => {
    const { client, acct, a, b, start } = await setup();
    const response = await client.get(`/ad_accounts/${acct.id}/ads/analytics`, {
      query: { ad_ids: `${a.ad.id},${b.ad.id}`, start_date: start, end_date: day(0), granularity: 'TOTAL', columns: COLUMNS.join(','), ...query },
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    return response.body as Record<string, any>[];
  };
  const of = (rows: Record<string, any>[], id: string, column = 'TOTAL_CONVERSIONS') => rows.filter((r) => r.AD_ID === id).reduce((sum, r) => sum + (r[column] ?? 0), 0);
  const ONE_DAY = { click_window_days: 1, engagement_window_days: 1, view_window_days: 1 };

  test('with 1-day windows each batch lands on the ad clicked that day, none on an ad outside the window', async () => {
    const { a, b } = await setup();
    const rows = await ads(ONE_DAY);
    assert.ok(of(rows, a.ad.id, 'CLICKTHROUGH_1') > 0 && of(rows, b.ad.id, 'CLICKTHROUGH_1') > 0, 'both ads were clicked');
    assert.equal(of(rows, a.ad.id), 5, 'batch 1 on A; batch 3 came three days after its last click');
    assert.equal(of(rows, b.ad.id), 10, 'batch 2 on B; the unmatched event nowhere');
    const bRow = rows.find((r) => r.AD_ID === b.ad.id)!;
    assert.equal(bRow.TOTAL_CHECKOUT, 10);
    assert.equal(bRow.TOTAL_WEB_CHECKOUT, 10);
    assert.equal(bRow.TOTAL_CLICK_CHECKOUT, 10, 'B was clicked in the window: click attribution comes first');
    assert.equal(bRow.TOTAL_VIEW_CHECKOUT, 0);
    assert.equal(bRow.TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR, 100_000_000);
    assert.equal(bRow.CHECKOUT_ROAS, 100_000_000 / bRow.SPEND_IN_MICRO_DOLLAR);
    assert.equal(bRow.TOTAL_SIGNUP, 0);
    // Every window off: nothing is attributed.
    const off = await ads({ click_window_days: 0, engagement_window_days: 0, view_window_days: 0 });
    assert.equal(of(off, a.ad.id) + of(off, b.ad.id), 0);
  });

  test('a 7-day click window reaches A for batch 3; the total is every matched event, split by clicks', async () => {
    const { a, b } = await setup();
    const rows = await ads({ ...ONE_DAY, click_window_days: 7 });
    assert.ok(of(rows, a.ad.id) >= 8, `A has batches 1 and 3 (and maybe part of 2): ${of(rows, a.ad.id)}`);
    assert.equal(of(rows, a.ad.id) + of(rows, b.ad.id), 18);
  });

  test('TIME_OF_AD_ACTION reports on the day of the click, TIME_OF_CONVERSION on the day of the event', async () => {
    const { a } = await setup();
    const query = { ...ONE_DAY, click_window_days: 7, granularity: 'DAY' };
    const byAction = (await ads({ ...query, conversion_report_time: 'TIME_OF_AD_ACTION' })).filter((r) => r.AD_ID === a.ad.id && r.TOTAL_CONVERSIONS > 0);
    assert.deepEqual(byAction.map((r) => r.DATE), [day(-5)], 'A was only clicked on the first day');
    const byConversion = (await ads({ ...query, conversion_report_time: 'TIME_OF_CONVERSION' })).filter((r) => r.AD_ID === a.ad.id && r.TOTAL_CONVERSIONS > 0);
    const perDay = Object.fromEntries(byConversion.map((r) => [r.DATE, r.TOTAL_CONVERSIONS]));
    assert.equal(perDay[day(-5)], 5);
    assert.equal(perDay[day(-2)], 3, 'batch 3 on its own day, though A did not serve that day');
    assert.equal(byAction[0].TOTAL_CONVERSIONS, byConversion.reduce((sum, r) => sum + r.TOTAL_CONVERSIONS, 0));
  });

  test('conversions add up across levels, and a report equals the sync answer', async () => {
    const { client, acct, a, b, start } = await setup();
    const query = { ...ONE_DAY, click_window_days: 7, start_date: start, end_date: day(0), columns: COLUMNS.join(',') };
    const adRows = await ads({ ...ONE_DAY, click_window_days: 7 });
    const account = await client.get(`/ad_accounts/${acct.id}/analytics`, { query: { ...query, granularity: 'TOTAL' } });
    const campaigns = await client.get(`/ad_accounts/${acct.id}/campaigns/analytics`, { query: { ...query, granularity: 'TOTAL', campaign_ids: `${a.campaign.id},${b.campaign.id}` } });
    const groups = await client.get(`/ad_accounts/${acct.id}/ad_groups/analytics`, { query: { ...query, granularity: 'WEEK', ad_group_ids: `${a.group.id},${b.group.id}` } });
    for (const column of ['TOTAL_CONVERSIONS', 'TOTAL_CHECKOUT_VALUE_IN_MICRO_DOLLAR']) {
      const sum = (rows: Record<string, any>[]) => rows.reduce((t, r) => t + (r[column] ?? 0), 0);
      assert.equal(sum(account.body), sum(adRows), column);
      assert.equal(sum(campaigns.body), sum(adRows), column);
      assert.equal(sum(groups.body), sum(adRows), column);
    }
    const sync = await ads({ ...ONE_DAY, click_window_days: 7, granularity: 'DAY' });
    const created = await client.post(`/ad_accounts/${acct.id}/reports`, {
      start_date: start,
      end_date: day(0),
      granularity: 'DAY',
      level: 'PIN_PROMOTION',
      columns: COLUMNS,
      ad_ids: [a.ad.id, b.ad.id],
      ...ONE_DAY,
      click_window_days: 7,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    await clock.advance('10s');
    const finished = await client.get(`/ad_accounts/${acct.id}/reports`, { query: { token: created.body.token } });
    assert.equal(finished.body.report_status, 'FINISHED', JSON.stringify(finished.body));
    const file = (await (await fetch(finished.body.url)).json()) as Record<string, any[]>;
    const flat = Object.values(file).flat();
    const key = (r: Record<string, any>) => `${r.AD_ID}:${r.DATE}`;
    assert.deepEqual([...flat].sort((x, y) => key(x).localeCompare(key(y))), [...sync].sort((x, y) => key(x).localeCompare(key(y))));
  });
});
