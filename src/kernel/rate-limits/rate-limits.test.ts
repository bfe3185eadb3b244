/**
 * Rate limits over HTTP, as Pinterest applies them: trial apps have a daily quota
 * per category, standard apps a per-minute limit per category and 100 calls a
 * second across all calls, counted per (app, user). Every server here runs on a
 * frozen clock, so windows are exact and time moves only when a test moves it.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../clock.js';
import { startPinbox } from '../../server.js';
import { assertError, createBoard, unique, useServer, walk, type ApiResponse, type Client, type TestServer } from '../../../test/harness.js';
import { imageUrlSource } from '../../../test/images.js';
import { postForm } from '../../../test/oauth-flow.js';

/** Monday 5 January 2026, 12:00:00.000 UTC: half a day before the daily windows end. */
const NOON = Date.UTC(2026, 0, 5, 12, 0, 0);
const HOUR_MS = 3_600_000;

function frozenAt(at: number): Clock {
  const clock = new Clock();
  clock.freeze(at);
  return clock;
}

/** Pinterest's limits exactly (no overrides), each app's own tier. */
const pinterest = useServer({ clock: frozenAt(NOON), rateLimitOverrides: {} });

interface Caller {
  username: string;
  appId: string;
  client: Client;
}

/** A new user calling through `appId` (default: a new app of `tier`). */
async function caller(s: TestServer, options: { tier?: 'trial' | 'standard'; appId?: string; username?: string; sandbox?: boolean } = {}): Promise<Caller> {
  const appId = options.appId ?? (await s.pinbox.admin.createApp({ name: unique('app'), tier: options.tier ?? 'standard', sandbox: options.sandbox })).id;
  const username = options.username ?? (await s.pinbox.admin.createUser({ username: unique('user') })).username;
  const { token } = await s.pinbox.admin.issueToken({ username, appId });
  return { username, appId, client: s.api.withToken(token) };
}

function limitsOf(response: ApiResponse) {
  return {
    limit: response.headers.get('x-ratelimit-limit'),
    remaining: Number(response.headers.get('x-ratelimit-remaining')),
    reset: Number(response.headers.get('x-ratelimit-reset')),
    retryAfter: response.headers.get('retry-after'),
  };
}

/** Asserts a 429 in Pinterest's shape with its headers. */
function assertRateLimited(response: ApiResponse, limit: string, reset: number): void {
  assertError(response, 429, 8);
  assert.match(response.body.message, /^You have exceeded your rate limit\. Try again later\./);
  assert.deepEqual(limitsOf(response), { limit, remaining: 0, reset, retryAfter: String(reset) });
}

/** Moves the frozen clock to `at` (always forward in these tests). */
function setClock(s: TestServer, at: number): void {
  assert.ok(at >= s.pinbox.clock.now(), 'tests only move the clock forward');
  s.pinbox.clock.freeze(at);
}

async function boardNames(client: Client): Promise<string[]> {
  return (await walk(client, '/boards', { page_size: 250 })).map((board) => board.name);
}

describe('standard access', () => {
  test('100 calls a second across all calls: the 100th passes, the 101st is 429; remaining counts down; the next second opens', async () => {
    const s = pinterest();
    setClock(s, NOON + 1 * HOUR_MS);
    const me = await caller(s, { tier: 'standard' });
    for (let i = 1; i <= 100; i++) {
      const response = await me.client.get('/user_account');
      assert.equal(response.status, 200);
      assert.deepEqual(limitsOf(response), { limit: '100, 100;w=1, 1000;w=60', remaining: 100 - i, reset: 1, retryAfter: null }, `call ${i}`);
    }
    assertRateLimited(await me.client.get('/user_account'), '100, 100;w=1, 1000;w=60', 1);
    // A call of another category in the same second is refused too: the window is across all calls.
    assertRateLimited(await me.client.post('/boards', { name: unique('board') }), '100, 100;w=1, 100;w=60', 1);

    s.pinbox.clock.advance(1000);
    // The refused write was not counted in org_write's minute: 99 remain after this one.
    const write = await me.client.post('/boards', { name: unique('board') });
    assert.equal(write.status, 201);
    assert.deepEqual(limitsOf(write), { limit: '100, 100;w=1, 100;w=60', remaining: 99, reset: 59, retryAfter: null });
    const read = await me.client.get('/user_account');
    assert.equal(read.status, 200);
    assert.deepEqual(limitsOf(read), { limit: '100, 100;w=1, 1000;w=60', remaining: 98, reset: 1, retryAfter: null });
  });

  test('org_write 100 a minute: the 100th write passes, the 101st is 429 and writes nothing; reads go on; the next minute opens', async () => {
    const s = pinterest();
    setClock(s, NOON + 2 * HOUR_MS);
    const me = await caller(s, { tier: 'standard' });
    for (let i = 1; i <= 100; i++) {
      // 50 writes a second, so the minute's limit is met before the second's.
      if (i === 51) s.pinbox.clock.advance(1000);
      const response = await me.client.post('/boards', { name: `board ${i}` });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      const { limit, remaining, reset } = limitsOf(response);
      assert.equal(limit, '100, 100;w=1, 100;w=60', `write ${i}`);
      assert.equal(remaining, 100 - i, `write ${i}`);
      assert.equal(reset, i <= 50 ? 60 : 59, `write ${i}`);
    }
    const refused = await me.client.post('/boards', { name: 'one too many' });
    assertRateLimited(refused, '100, 100;w=1, 100;w=60', 59);
    assert.match(refused.body.message, /org_write: 100 requests per minute/);

    const read = await me.client.get('/boards', { query: { page_size: 250 } });
    assert.equal(read.status, 200);
    assert.equal(read.body.items.length, 100);
    assert.ok(!read.body.items.some((board: any) => board.name === 'one too many'), 'the refused write made a board');
    assert.equal(limitsOf(read).limit, '100, 100;w=1, 1000;w=60');

    s.pinbox.clock.advance(59_000);
    const reopened = await me.client.post('/boards', { name: 'next minute' });
    assert.equal(reopened.status, 201);
    assert.deepEqual(limitsOf(reopened), { limit: '100, 100;w=1, 100;w=60', remaining: 99, reset: 60, retryAfter: null });
  });

  test('the reset counts down with the pinbox clock', async () => {
    const s = pinterest();
    setClock(s, NOON + 3 * HOUR_MS);
    const me = await caller(s, { tier: 'standard' });
    const writes: number[] = [];
    for (const advanceMs of [0, 1000, 15_000, 30_000, 13_000]) {
      s.pinbox.clock.advance(advanceMs);
      writes.push(limitsOf(await me.client.post('/boards', { name: unique('board') })).reset);
    }
    assert.deepEqual(writes, [60, 59, 44, 14, 1]);
  });

  test('two users of one app, and two apps of one user, do not share counts', async () => {
    const s = pinterest();
    setClock(s, NOON + 4 * HOUR_MS);
    const alice = await caller(s, { tier: 'standard' });
    for (let i = 0; i < 100; i++) assert.equal((await alice.client.get('/user_account')).status, 200);
    assert.equal((await alice.client.get('/user_account')).status, 429);

    const bob = await caller(s, { appId: alice.appId });
    const aliceElsewhere = await caller(s, { tier: 'standard', username: alice.username });
    for (const other of [bob, aliceElsewhere]) {
      const response = await other.client.get('/user_account');
      assert.equal(response.status, 200);
      assert.equal(limitsOf(response).remaining, 99);
    }
    // A second token of the same user and app shares the first one's counts.
    const aliceAgain = await caller(s, { appId: alice.appId, username: alice.username });
    assert.equal((await aliceAgain.client.get('/user_account')).status, 429);
  });

  test('more parallel calls than the limit allows: exactly the limit succeed', async () => {
    const s = pinterest();
    setClock(s, NOON + 5 * HOUR_MS);
    const me = await caller(s, { tier: 'standard' });
    const answers = await Promise.all(Array.from({ length: 160 }, () => me.client.get('/user_account')));
    assert.equal(answers.filter((r) => r.status === 200).length, 100);
    assert.equal(answers.filter((r) => r.status === 429).length, 60);
    const remaining = answers.filter((r) => r.status === 200).map((r) => limitsOf(r).remaining);
    assert.deepEqual(remaining.sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i), 'each success saw its own count');
  });
});

describe('trial access', () => {
  test('org_write 300 a day: the 300th passes, the 301st is 429 until midnight UTC and writes nothing; reads and other callers go on', async () => {
    const s = pinterest();
    setClock(s, NOON + 6 * HOUR_MS); // 18:00 UTC, 6 hours before the day's window ends
    const me = await caller(s, { tier: 'trial' });
    for (let i = 1; i <= 300; i++) {
      const response = await me.client.post('/boards', { name: `board ${i}` });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      assert.deepEqual(limitsOf(response), { limit: '300, 300;w=86400', remaining: 300 - i, reset: 6 * 3600, retryAfter: null }, `write ${i}`);
    }
    const refused = await me.client.post('/boards', { name: 'one too many' });
    assertRateLimited(refused, '300, 300;w=86400', 6 * 3600);
    assert.match(refused.body.message, /org_write: 300 requests per day/);
    const names = await boardNames(me.client);
    assert.equal(names.length, 300);
    assert.ok(!names.includes('one too many'), 'the refused write made a board');

    // Another category of the same caller has its own quota.
    const read = await me.client.get('/user_account');
    assert.equal(read.status, 200);
    assert.equal(limitsOf(read).limit, '1000, 1000;w=86400');
    assert.ok(limitsOf(read).remaining > 990);

    // Another user of the app, and the same user through another app, have their own.
    for (const other of [await caller(s, { appId: me.appId }), await caller(s, { tier: 'trial', username: me.username })]) {
      const response = await other.client.post('/boards', { name: unique('board') });
      assert.equal(response.status, 201);
      assert.equal(limitsOf(response).remaining, 299);
    }

    // The reset follows the clock; the next UTC day opens a new window.
    s.pinbox.clock.advance(5 * HOUR_MS);
    assertRateLimited(await me.client.post('/boards', { name: 'still too many' }), '300, 300;w=86400', 3600);
    s.pinbox.clock.advance(HOUR_MS);
    const tomorrow = await me.client.post('/boards', { name: 'tomorrow' });
    assert.equal(tomorrow.status, 201);
    assert.deepEqual(limitsOf(tomorrow), { limit: '300, 300;w=86400', remaining: 299, reset: 86_400, retryAfter: null });
  });

  test('org_read 1000 a day, in parallel: exactly 1000 succeed', async () => {
    const s = pinterest();
    setClock(s, Date.UTC(2026, 0, 6, 12, 0, 0));
    const me = await caller(s, { tier: 'trial' });
    const answers: ApiResponse[] = [];
    for (let batch = 0; batch < 6; batch++) answers.push(...(await Promise.all(Array.from({ length: 200 }, () => me.client.get('/user_account')))));
    assert.equal(answers.filter((r) => r.status === 200).length, 1000);
    const refused = answers.filter((r) => r.status === 429);
    assert.equal(refused.length, 200);
    assertRateLimited(refused[0], '1000, 1000;w=86400', 12 * 3600);
  });

  test('a trial app in production may not create Pins (403 code 29); in sandbox mode it may; standard apps may', async () => {
    const s = pinterest();
    setClock(s, Date.UTC(2026, 0, 7, 12, 0, 0));
    const trial = await caller(s, { tier: 'trial' });
    const board = await createBoard(trial.client);
    const pin = { board_id: board.id, media_source: await imageUrlSource() };
    const refused = await trial.client.post('/pins', pin);
    assertError(refused, 403, 29);
    assert.match(refused.body.message, /^Apps with Trial access may not create Pins in production/);
    assert.equal((await trial.client.get(`/boards/${board.id}/pins`)).body.items.length, 0, 'the refused Pin was made');

    await s.pinbox.admin.setAppAccess(trial.appId, { sandbox: true });
    const created = await trial.client.post('/pins', pin);
    assert.equal(created.status, 201, JSON.stringify(created.body));

    await s.pinbox.admin.setAppAccess(trial.appId, { sandbox: false });
    assertError(await trial.client.post(`/pins/${created.body.id}/save`, { board_id: board.id }), 403, 29);

    await s.pinbox.admin.setAppAccess(trial.appId, { tier: 'standard' });
    assert.equal((await trial.client.post('/pins', pin)).status, 201);
    const standardRead = await trial.client.get('/user_account');
    assert.equal(limitsOf(standardRead).limit, '100, 100;w=1, 1000;w=60', 'a change of tier applies to the next call');
  });
});

describe('configured limits', () => {
  const fiveWrites = useServer({ clock: frozenAt(NOON), rateLimitOverrides: { org_write: '5/minute', 'trial.org_read': '3/minute' } });

  test('org_write=5/minute: the 5th write passes, the 6th is 429, for both tiers with their other windows', async () => {
    const s = fiveWrites();
    for (const [tier, policy] of [
      ['standard', '5, 100;w=1, 5;w=60'],
      ['trial', '5, 5;w=60'],
    ] as const) {
      const me = await caller(s, { tier });
      for (let i = 1; i <= 5; i++) {
        const response = await me.client.post('/boards', { name: unique('board') });
        assert.equal(response.status, 201);
        assert.equal(limitsOf(response).limit, policy);
        assert.equal(limitsOf(response).remaining, 5 - i);
      }
      assertRateLimited(await me.client.post('/boards', { name: unique('board') }), policy, 60);
    }
  });

  test('the token endpoint counts the app alone (it has no user), apart from its users', async () => {
    const s = fiveWrites();
    const app = await s.pinbox.admin.createApp({ name: unique('app'), tier: 'trial' });
    const credentials = { id: app.id, secret: app.secret };
    const form = { grant_type: 'client_credentials', scope: 'user_accounts:read' };
    for (let i = 1; i <= 3; i++) {
      const granted = await postForm(s.api, '/oauth/token', form, credentials);
      assert.equal(granted.status, 200);
      assert.deepEqual(limitsOf(granted), { limit: '3, 3;w=60', remaining: 3 - i, reset: 60, retryAfter: null });
    }
    assertRateLimited(await postForm(s.api, '/oauth/token', form, credentials), '3, 3;w=60', 60);

    const user = await caller(s, { appId: app.id });
    assert.equal((await user.client.get('/user_account')).status, 200);
  });

  const trialForAll = useServer({ clock: frozenAt(NOON), rateLimits: 'trial', rateLimitOverrides: {} });

  test("--rate-limits trial applies trial's limits to every app, the standard dev app included", async () => {
    const { api } = trialForAll();
    const response = await api.get('/user_account');
    assert.equal(response.status, 200);
    assert.deepEqual(limitsOf(response), { limit: '1000, 1000;w=86400', remaining: 999, reset: 12 * 3600, retryAfter: null });
  });

  const unlimited = useServer({ clock: frozenAt(NOON), rateLimits: 'off' });

  test('--rate-limits off counts nothing and sends no x-ratelimit headers', async () => {
    const { api } = unlimited();
    const answers = await Promise.all(Array.from({ length: 300 }, () => api.get('/user_account')));
    assert.ok(answers.every((r) => r.status === 200));
    assert.equal(answers[0].headers.get('x-ratelimit-limit'), null);
  });

  test('a bad mode or limit is refused at start, naming it', async () => {
    await assert.rejects(startPinbox({ rateLimits: 'sometimes' as never }), /rate limits must be one of off, app, trial, standard, got 'sometimes'/);
    await assert.rejects(startPinbox({ rateLimitOverrides: { org_wirte: '5/minute' } }), /'org_wirte' is not a rate-limit category/);
    await assert.rejects(startPinbox({ rateLimitOverrides: { org_write: '5/fortnight' } }), /'org_write=5\/fortnight': the limit must look like 5\/minute/);
    await assert.rejects(startPinbox({ rateLimitOverrides: { 'gold.org_write': '5/minute' } }), /the tier must be trial or standard/);
    await assert.rejects(startPinbox({ rateLimitOverrides: { org_write: '0/minute' } }), /at least 1/);
  });
});
