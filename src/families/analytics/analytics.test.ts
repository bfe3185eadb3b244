/**
 * Pin and account analytics over HTTP, on a frozen clock: the model's shape and
 * reporting lag, identical figures for identical seeds, account totals equal to the
 * sum over Pins through creates, deletes and saves, fixed figures, Pinterest's
 * date rules and limits, and who may read what.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Clock } from '../../kernel/clock.js';
import { ALL_SCOPES } from '../../kernel/scopes.js';
import { Client, PNG_1X1_BASE64, ROOMY_STANDARD_LIMITS, assertError, startTestPinbox, createBoard, newUser, useServer } from '../../../test/harness.js';
import { labelled, runCli } from '../../../test/cli.js';

const DAY = 86_400_000;
const clock = new Clock();
clock.freeze(Date.UTC(2026, 5, 15, 12, 0, 0));
const server = useServer({ clock });

/** The date `offset` days from pinbox's today (UTC). */
const day = (offset = 0) => new Date(Math.floor(clock.now() / DAY) * DAY + offset * DAY).toISOString().slice(0, 10);
const COUNTS = ['IMPRESSION', 'SAVE', 'PIN_CLICK', 'OUTBOUND_CLICK'];

async function pin(client: Client, boardId: string, fields: Record<string, unknown> = {}): Promise<any> {
  const response = await client.post('/pins', {
    board_id: boardId,
    title: 'analytics',
    media_source: { source_type: 'image_base64', content_type: 'image/png', data: PNG_1X1_BASE64 },
    ...fields,
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

async function pinAnalytics(client: Client, pinId: string, query: Record<string, string>): Promise<any> {
  const response = await client.get(`/pins/${pinId}/analytics`, { query });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

async function account(client: Client, query: Record<string, string>): Promise<any> {
  const response = await client.get('/user_account/analytics', { query });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

/** Asserts the account's daily figures are the sums over the Pins given, day by day and in the summary. */
async function assertAccountIsSumOfPins(client: Client, pinIds: string[], start: string, end: string): Promise<void> {
  const accountBody = (await account(client, { start_date: start, end_date: end, metric_types: COUNTS.join(',') })).all;
  const sums = accountBody.daily_metrics.map(() => Object.fromEntries(COUNTS.map((m) => [m, 0])));
  if (pinIds.length) {
    const bulk = await client.get('/pins/analytics', { query: { pin_ids: pinIds.join(','), start_date: start, end_date: end, metric_types: COUNTS.join(',') } });
    assert.equal(bulk.status, 200, JSON.stringify(bulk.body));
    assert.deepEqual(Object.keys(bulk.body).sort(), [...pinIds].sort());
    for (const id of pinIds) {
      bulk.body[id].all.daily_metrics.forEach((row: any, i: number) => {
        assert.equal(row.date, accountBody.daily_metrics[i].date);
        for (const m of COUNTS) sums[i][m] += row.metrics[m];
      });
    }
  }
  accountBody.daily_metrics.forEach((row: any, i: number) => assert.deepEqual(row.metrics, sums[i], `account figures of ${row.date}`));
  for (const m of COUNTS) assert.equal(accountBody.summary_metrics[m], sums.reduce((total: number, s: any) => total + s[m], 0), `summary ${m}`);
}

describe('GET /pins/{pin_id}/analytics', () => {
  test('daily rows with Pinterest data_status, summary and lifetime metrics split as the spec has them', async () => {
    const me = await newUser(server());
    const p = await pin(me.client, (await createBoard(me.client)).id);
    clock.advance(20 * DAY);
    const body = await pinAnalytics(me.client, p.id, {
      start_date: day(-25),
      end_date: day(0),
      metric_types: 'IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK,SAVE_RATE,TOTAL_COMMENTS,USER_FOLLOW',
    });
    assert.deepEqual(Object.keys(body), ['all']);
    const { daily_metrics: daily, summary_metrics: summary, lifetime_metrics: lifetime } = body.all;
    assert.equal(daily.length, 26);
    assert.deepEqual(daily.map((r: any) => r.date), Array.from({ length: 26 }, (_, i) => day(i - 25)));
    // Made 20 days ago: before that BEFORE_PIN_CREATED; the last two days are still processing.
    assert.deepEqual(
      daily.map((r: any) => r.data_status),
      [...Array(5).fill('BEFORE_PIN_CREATED'), ...Array(19).fill('READY'), 'PROCESSING', 'PROCESSING'],
    );
    for (const row of daily) {
      assert.deepEqual(Object.keys(row.metrics).sort(), ['IMPRESSION', 'OUTBOUND_CLICK', 'PIN_CLICK', 'SAVE', 'SAVE_RATE']);
      if (row.data_status !== 'READY') assert.equal(row.metrics.IMPRESSION, 0);
    }
    const ready = daily.filter((r: any) => r.data_status === 'READY');
    assert.ok(ready.every((r: any) => r.metrics.IMPRESSION > 0), 'a live Pin is seen every day');
    assert.ok(ready.every((r: any) => r.metrics.SAVE < r.metrics.IMPRESSION && r.metrics.PIN_CLICK < r.metrics.IMPRESSION));
    // Interest decays after creation: the first week outweighs the last.
    const week = (rows: any[]) => rows.reduce((s, r) => s + r.metrics.IMPRESSION, 0);
    assert.ok(week(ready.slice(0, 7)) > week(ready.slice(-7)), 'impressions decay after the Pin is made');
    for (const m of COUNTS) assert.equal(summary[m], ready.reduce((s: number, r: any) => s + r.metrics[m], 0));
    assert.equal(summary.SAVE_RATE, Math.round((summary.SAVE / summary.IMPRESSION) * 10_000) / 10_000);
    assert.equal(typeof summary.USER_FOLLOW, 'number');
    assert.ok(!('USER_FOLLOW' in daily[10].metrics));
    assert.deepEqual(Object.keys(lifetime), ['TOTAL_COMMENTS']);
    assert.ok(!('TOTAL_COMMENTS' in summary));
  });

  test('split by APP_TYPE: mobile, tablet and web add up to all; app_types keeps one', async () => {
    const me = await newUser(server());
    const p = await pin(me.client, (await createBoard(me.client)).id);
    clock.advance(6 * DAY);
    const query = { start_date: day(-6), end_date: day(0), metric_types: 'IMPRESSION,SAVE' };
    const all = (await pinAnalytics(me.client, p.id, query)).all;
    const split = await pinAnalytics(me.client, p.id, { ...query, split_field: 'APP_TYPE' });
    assert.deepEqual(Object.keys(split).sort(), ['MOBILE', 'TABLET', 'WEB']);
    for (const m of ['IMPRESSION', 'SAVE']) assert.equal(split.MOBILE.summary_metrics[m] + split.TABLET.summary_metrics[m] + split.WEB.summary_metrics[m], all.summary_metrics[m]);
    assert.ok(split.MOBILE.summary_metrics.IMPRESSION > split.WEB.summary_metrics.IMPRESSION);
    const web = await pinAnalytics(me.client, p.id, { ...query, app_types: 'WEB' });
    assert.deepEqual(web.all.summary_metrics, split.WEB.summary_metrics);
  });

  test('a save through the API counts as a SAVE on the source Pin once the lag has passed', async () => {
    const owner = await newUser(server());
    const saver = await newUser(server());
    const p = await pin(owner.client, (await createBoard(owner.client)).id);
    clock.advance(3 * DAY);
    const saveDay = day(0);
    await server().pinbox.admin.setPinMetrics(p.id, { dates: [saveDay], metrics: { IMPRESSION: 100, SAVE: 3 } });
    const read = async () => (await pinAnalytics(owner.client, p.id, { start_date: saveDay, end_date: day(0), metric_types: 'IMPRESSION,SAVE' })).all.daily_metrics[0];
    const target = await createBoard(saver.client);
    for (let i = 0; i < 2; i++) assert.equal((await saver.client.post(`/pins/${p.id}/save`, { board_id: target.id })).status, 201);
    assert.deepEqual(await read(), { date: saveDay, data_status: 'PROCESSING', metrics: { IMPRESSION: 0, SAVE: 0 } });
    clock.advance(DAY);
    assert.equal((await read()).data_status, 'PROCESSING');
    clock.advance(DAY);
    assert.deepEqual(await read(), { date: saveDay, data_status: 'READY', metrics: { IMPRESSION: 100, SAVE: 5 } });
    // The owner's account counts it too.
    const accountDay = (await account(owner.client, { start_date: saveDay, end_date: saveDay, metric_types: 'SAVE' })).all.daily_metrics[0];
    assert.deepEqual(accountDay, { date: saveDay, data_status: 'READY', metrics: { SAVE: 5 } });
  });

  test('another user\'s Pin is a 403; a secret Pin without pins:read_secret is a 404; a group board\'s Pins are open to its collaborators', async () => {
    const me = await newUser(server());
    const other = await newUser(server());
    const query = { start_date: day(-3), end_date: day(0), metric_types: 'IMPRESSION' };
    const theirs = await pin(other.client, (await createBoard(other.client)).id);
    assertError(await me.client.get(`/pins/${theirs.id}/analytics`, { query }), 403, 29);
    const secret = await pin(me.client, (await createBoard(me.client, { privacy: 'SECRET' })).id);
    const { token } = await server().pinbox.admin.issueToken({ username: me.username, scopes: ALL_SCOPES.filter((s) => s !== 'pins:read_secret') });
    assertError(await me.client.withToken(token).get(`/pins/${secret.id}/analytics`, { query }), 404, 50);
    assert.equal((await me.client.get(`/pins/${secret.id}/analytics`, { query })).status, 200);
    const group = await createBoard(other.client);
    await server().pinbox.admin.addCollaborator(group.id, me.username);
    const shared = await pin(other.client, group.id);
    assert.equal((await me.client.get(`/pins/${shared.id}/analytics`, { query })).status, 200);
  });
});

describe('pin_metrics on GET /pins/{pin_id} and GET /pins', () => {
  test('the last 90 days and the lifetime from the same model, for the owner; null for others', async () => {
    const me = await newUser(server());
    const other = await newUser(server());
    const p = await pin(me.client, (await createBoard(me.client)).id);
    // Tokens live 30 days on pinbox's clock.
    clock.advance(25 * DAY);
    await server().pinbox.admin.setPinMetrics(p.id, { dates: [day(-5)], metrics: { TOTAL_REACTIONS: 9, TOTAL_COMMENTS: 4 } });
    const got = await me.client.get(`/pins/${p.id}`, { query: { pin_metrics: true } });
    assert.equal(got.status, 200);
    const metrics = got.body.pin_metrics;
    const summary = (await pinAnalytics(me.client, p.id, { start_date: day(-89), end_date: day(0), metric_types: 'IMPRESSION,PIN_CLICK,OUTBOUND_CLICK' })).all.summary_metrics;
    const shape = { pin_click: summary.PIN_CLICK, impression: summary.IMPRESSION, clickthrough: summary.OUTBOUND_CLICK };
    assert.ok(shape.impression > 0);
    assert.deepEqual(metrics['90d'], shape);
    // Made 25 days ago, so its lifetime is the same window, plus reactions and comments.
    const lifetime = (await pinAnalytics(me.client, p.id, { start_date: day(-89), end_date: day(0), metric_types: 'TOTAL_REACTIONS,TOTAL_COMMENTS' })).all.lifetime_metrics;
    assert.deepEqual(metrics.lifetime_metrics, { ...shape, reaction: lifetime.TOTAL_REACTIONS, comment: lifetime.TOTAL_COMMENTS });
    assert.ok(lifetime.TOTAL_REACTIONS >= 9 && lifetime.TOTAL_COMMENTS >= 4);
    const listed = await me.client.get('/pins', { query: { pin_metrics: true } });
    assert.deepEqual(listed.body.items.find((i: any) => i.id === p.id).pin_metrics, metrics);
    assert.equal((await me.client.get(`/pins/${p.id}`)).body.pin_metrics, undefined);
    assert.equal((await other.client.get(`/pins/${p.id}`, { query: { pin_metrics: true } })).body.pin_metrics, null);
  });
});

describe('Pinterest date rules and limits: each a 400 naming the rule', () => {
  test('start_date more than 90 days back, end before start, a malformed date, a day to come, metric_types', async () => {
    const me = await newUser(server());
    const p = await pin(me.client, (await createBoard(me.client)).id);
    const paths = [`/pins/${p.id}/analytics`, '/user_account/analytics'];
    for (const path of paths) {
      const tooOld = await me.client.get(path, { query: { start_date: day(-91), end_date: day(0), metric_types: 'IMPRESSION' } });
      assertError(tooOld, 400, 1, 'start_date');
      assert.match(tooOld.body.message, /You can only get data from the last 90 days\./);
      assert.equal((await me.client.get(path, { query: { start_date: day(-90), end_date: day(0), metric_types: 'IMPRESSION' } })).status, 200);
      assertError(await me.client.get(path, { query: { start_date: day(-3), end_date: day(-4), metric_types: 'IMPRESSION' } }), 400, 1, 'end_date');
      assertError(await me.client.get(path, { query: { start_date: '2026-02-30', end_date: day(0), metric_types: 'IMPRESSION' } }), 400, 1, 'start_date');
      assertError(await me.client.get(path, { query: { start_date: day(-1), end_date: '20260101', metric_types: 'IMPRESSION' } }), 400, 1, 'end_date');
      assertError(await me.client.get(path, { query: { start_date: day(-1), end_date: day(1), metric_types: 'IMPRESSION' } }), 400, 1, 'end_date');
      assertError(await me.client.get(path, { query: { end_date: day(0), metric_types: 'IMPRESSION' } }), 400, 1, 'start_date');
      assertError(await me.client.get(path, { query: { start_date: day(-1), end_date: day(0), metric_types: 'IMPRESSION,CLOSEUPS' } }), 400, 1, 'metric_types');
    }
    assertError(await me.client.get(paths[0], { query: { start_date: day(-1), end_date: day(0) } }), 400, 1, 'metric_types');
    assertError(await me.client.get(paths[0], { query: { start_date: day(-1), end_date: day(0), metric_types: 'IMPRESSION', split_field: 'SOURCE' } }), 400, 1, 'split_field');
  });

  test('GET /pins/analytics takes at most 100 Pin ids', async () => {
    const me = await newUser(server());
    const p = await pin(me.client, (await createBoard(me.client)).id);
    const query = { start_date: day(-2), end_date: day(0), metric_types: 'IMPRESSION' };
    const fake = (n: number) => Array.from({ length: n }, (_, i) => String(1_000_000_000_000_000_000n + BigInt(i)));
    assertError(await me.client.get('/pins/analytics', { query: { ...query, pin_ids: [p.id, ...fake(100)].join(',') } }), 400, 1, 'pin_ids');
    assertError(await me.client.get('/pins/analytics', { query: { ...query, pin_ids: [p.id, ...fake(100)] } }), 400, 1, 'pin_ids');
    // 100 passes the limit (and then the unknown ones are not found).
    assertError(await me.client.get('/pins/analytics', { query: { ...query, pin_ids: [p.id, ...fake(99)].join(',') } }), 404, 50);
    assertError(await me.client.get('/pins/analytics', { query }), 400, 1, 'pin_ids');
    const one = await me.client.get('/pins/analytics', { query: { ...query, pin_ids: p.id } });
    assert.equal(one.status, 200);
    assert.deepEqual(one.body[p.id], await pinAnalytics(me.client, p.id, query));
  });
});

describe('GET /user_account/analytics', () => {
  test('account figures are the sums over its Pins, through creates, deletes and saves', async () => {
    const me = await newUser(server());
    const fan = await newUser(server());
    const board = await createBoard(me.client);
    const pins = [await pin(me.client, board.id), await pin(me.client, board.id)];
    clock.advance(4 * DAY);
    pins.push(await pin(me.client, board.id));
    clock.advance(5 * DAY);
    const [start, end] = [day(-12), day(0)];
    await assertAccountIsSumOfPins(me.client, pins.map((p) => p.id), start, end);
    // Changes after the totals were first computed: a new Pin, a save of one, a deletion, a fixed figure.
    pins.push(await pin(me.client, board.id));
    assert.equal((await fan.client.post(`/pins/${pins[0].id}/save`, { board_id: (await createBoard(fan.client)).id })).status, 201);
    assert.equal((await me.client.delete(`/pins/${pins[1].id}`)).status, 204);
    await server().pinbox.admin.setPinMetrics(pins[2].id, { dates: [day(-3), day(-4)], metrics: { IMPRESSION: 7, PIN_CLICK: 2 } });
    clock.advance(3 * DAY);
    const alive = [pins[0], pins[2], pins[3]].map((p) => p.id);
    await assertAccountIsSumOfPins(me.client, alive, day(-15), day(0));
    // A board deleted with its Pins takes their figures with it.
    assert.equal((await me.client.delete(`/boards/${board.id}`)).status, 204);
    await assertAccountIsSumOfPins(me.client, [], day(-15), day(0));
  });

  test('filters and splits: pin_format, content_type, source, claimed content; rates derive from the sums', async () => {
    const me = await newUser(server());
    await pin(me.client, (await createBoard(me.client)).id);
    clock.advance(5 * DAY);
    const base = { start_date: day(-5), end_date: day(0) };
    const all = (await account(me.client, base)).all.summary_metrics;
    assert.deepEqual(Object.keys(all).sort(), ['ENGAGEMENT', 'ENGAGEMENT_RATE', 'IMPRESSION', 'OUTBOUND_CLICK', 'OUTBOUND_CLICK_RATE', 'PIN_CLICK', 'PIN_CLICK_RATE', 'SAVE', 'SAVE_RATE']);
    assert.ok(all.IMPRESSION > 0);
    assert.equal(all.PIN_CLICK_RATE, Math.round((all.PIN_CLICK / all.IMPRESSION) * 10_000) / 10_000);
    assert.ok(all.ENGAGEMENT >= all.SAVE + all.PIN_CLICK + all.OUTBOUND_CLICK);
    assert.deepEqual((await account(me.client, { ...base, pin_format: 'ORGANIC_IMAGE' })).all.summary_metrics, all);
    for (const filter of [{ pin_format: 'ORGANIC_VIDEO' }, { content_type: 'PAID' }, { source: 'OTHER_PINS' }, { from_claimed_content: 'CLAIMED' }]) {
      assert.equal((await account(me.client, { ...base, ...filter })).all.summary_metrics.IMPRESSION, 0, JSON.stringify(filter));
    }
    const byFormat = await account(me.client, { ...base, split_field: 'PIN_FORMAT' });
    assert.deepEqual(Object.keys(byFormat).sort(), ['ORGANIC_IMAGE', 'ORGANIC_VIDEO']);
    assert.deepEqual(byFormat.ORGANIC_IMAGE.summary_metrics, all);
    const byApp = await account(me.client, { ...base, split_field: 'APP_TYPE', metric_types: 'IMPRESSION' });
    assert.equal(byApp.MOBILE.summary_metrics.IMPRESSION + byApp.TABLET.summary_metrics.IMPRESSION + byApp.WEB.summary_metrics.IMPRESSION, all.IMPRESSION);
    assertError(await me.client.get('/user_account/analytics', { query: { ...base, split_field: 'COUNTRY' } }), 400, 1, 'split_field');
  });
});

describe('GET /user_account/analytics/top_pins and top_video_pins', () => {
  test('the top Pins by the metric asked, with their figures over the range', async () => {
    const me = await newUser(server());
    const board = await createBoard(me.client);
    const made = [];
    for (let i = 0; i < 4; i++) made.push((await pin(me.client, board.id)).id);
    clock.advance(6 * DAY);
    const range = { start_date: day(-6), end_date: day(0) };
    const response = await me.client.get('/user_account/analytics/top_pins', { query: { ...range, sort_by: 'IMPRESSION', num_of_pins: 3 } });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const { pins, sort_by: sortBy, date_availability: availability } = response.body;
    assert.equal(sortBy, 'IMPRESSION');
    assert.equal(availability.is_realtime, false);
    assert.equal(pins.length, 3);
    const impressions = pins.map((p: any) => p.metrics.IMPRESSION);
    assert.deepEqual(impressions, [...impressions].sort((a: number, b: number) => b - a));
    for (const top of pins) {
      const own = await pinAnalytics(me.client, top.pin_id, { ...range, metric_types: 'IMPRESSION,SAVE' });
      assert.equal(top.metrics.IMPRESSION, own.all.summary_metrics.IMPRESSION);
      assert.equal(top.metrics.SAVE, own.all.summary_metrics.SAVE);
    }
    const everyPin = await me.client.get('/user_account/analytics/top_pins', { query: { ...range, sort_by: 'SAVE', num_of_pins: 50 } });
    assert.deepEqual(everyPin.body.pins.map((p: any) => p.pin_id).sort(), [...made].sort());
    assertError(await me.client.get('/user_account/analytics/top_pins', { query: range }), 400, 1, 'sort_by');
    assertError(await me.client.get('/user_account/analytics/top_pins', { query: { ...range, sort_by: 'SAVE', num_of_pins: 51 } }), 400, 1, 'num_of_pins');
    assertError(await me.client.get('/user_account/analytics/top_pins', { query: { ...range, sort_by: 'SAVE', created_in_last_n_days: 7 } }), 400, 1, 'created_in_last_n_days');
    // An image-only account has no video Pins to rank.
    const video = await me.client.get('/user_account/analytics/top_video_pins', { query: { ...range, sort_by: 'VIDEO_MRC_VIEW' } });
    assert.equal(video.status, 200);
    assert.deepEqual(video.body.pins, []);
  });
});

describe('one model, one seed', () => {
  test('the same instance seed gives identical figures; another seed other figures', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbox-analytics-'));
    const data = join(dir, 'pinbox.db');
    const at = Date.UTC(2026, 2, 1, 9, 0, 0);
    const read = async (seed: number | undefined, make: boolean): Promise<{ figures: any; pinId: string }> => {
      const seedClock = new Clock();
      seedClock.freeze(at);
      const pinbox = await startTestPinbox({ data, analyticsSeed: seed, clock: seedClock, rateLimitOverrides: ROOMY_STANDARD_LIMITS });
      try {
        const api = new Client(pinbox.url, pinbox.token, true);
        let pinId: string;
        if (make) {
          const board = await api.post('/boards', { name: 'seeded' });
          pinId = (await pin(api, board.body.id)).id;
        } else {
          pinId = (await api.get('/pins')).body.items[0].id;
        }
        seedClock.advance(29 * DAY);
        const query = { start_date: '2026-03-01', end_date: '2026-03-29', metric_types: 'IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK' };
        const figures = { pin: (await api.get(`/pins/${pinId}/analytics`, { query })).body, account: (await api.get('/user_account/analytics', { query })).body };
        return { figures, pinId };
      } finally {
        await pinbox.close();
      }
    };
    try {
      const first = await read(42, true);
      const again = await read(42, false);
      assert.equal(again.pinId, first.pinId);
      assert.deepEqual(again.figures, first.figures);
      assert.ok(first.figures.pin.all.summary_metrics.IMPRESSION > 0);
      // Without the option the stored seed stays.
      assert.deepEqual((await read(undefined, false)).figures, first.figures);
      const other = await read(7, false);
      assert.notDeepEqual(other.figures.pin, first.figures.pin);
      assert.deepEqual(other.figures.account.all.summary_metrics.IMPRESSION, other.figures.pin.all.summary_metrics.IMPRESSION);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('pinbox analytics set fixes a Pin\'s figures on a --data store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pinbox-analytics-cli-'));
    const data = join(dir, 'pinbox.db');
    try {
      const setClock = new Clock();
      setClock.freeze(Date.now() - 10 * DAY);
      let pinbox = await startTestPinbox({ data, clock: setClock, rateLimitOverrides: ROOMY_STANDARD_LIMITS });
      const api = () => new Client(pinbox.url, pinbox.token, true);
      const board = await api().post('/boards', { name: 'cli' });
      const p = await pin(api(), board.body.id);
      await pinbox.close();
      const fixedDay = new Date(Date.now() - 5 * DAY).toISOString().slice(0, 10);
      const nextDay = new Date(Date.now() - 4 * DAY).toISOString().slice(0, 10);
      const set = await runCli(['analytics', 'set', p.id, '--data', data, '--from', fixedDay, '--to', nextDay, '--metric', 'IMPRESSION=1234', '--metric', 'SAVE=56']);
      assert.equal(set.code, 0, set.stderr);
      assert.equal(labelled(set.stdout, 'pin'), p.id);
      const bad = await runCli(['analytics', 'set', p.id, '--data', data, '--date', fixedDay, '--metric', 'SAVE_RATE=1']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /'metrics'/);
      // A day before the Pin existed would show nothing (BEFORE_PIN_CREATED): refused, naming the day it was made.
      const early = new Date(Date.now() - 12 * DAY).toISOString().slice(0, 10);
      const made = new Date(Date.now() - 10 * DAY).toISOString().slice(0, 10);
      const tooEarly = await runCli(['analytics', 'set', p.id, '--data', data, '--date', early, '--metric', 'SAVE=1']);
      assert.equal(tooEarly.code, 1);
      assert.match(tooEarly.stderr, new RegExp(`'date' is ${early}, before the Pin was created \\(${made}\\)`));
      pinbox = await startTestPinbox({ data, rateLimitOverrides: ROOMY_STANDARD_LIMITS });
      const body = (await api().get(`/pins/${p.id}/analytics`, { query: { start_date: fixedDay, end_date: nextDay, metric_types: 'IMPRESSION,SAVE' } })).body;
      assert.deepEqual(body.all.daily_metrics.map((r: any) => r.metrics), [{ IMPRESSION: 1234, SAVE: 56 }, { IMPRESSION: 1234, SAVE: 56 }]);
      await pinbox.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
