/**
 * Ads, part 1, over HTTP: ad accounts and roles, campaigns, ad groups and ads on
 * the shared entity mechanism, their rules, the status machine, review on the
 * clock, archive cascades, `ad_account_id` on the organic routes, fixtures, reset
 * and snapshots. Every answer is checked against the official spec by the harness.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, createBoard, createPin, unique, useServer, walk, type Client } from '../../../test/harness.js';
import { ControlClient } from '../../../test/control.js';
import { adAccount as account, adGroupItem, adTree, adsPerson as person, campaignItem, madeEntity as made } from '../../../test/ads.js';

const server = useServer();
const control = () => new ControlClient(server().pinbox.url, server().pinbox.adminKey);
const DAY = 86_400;

/** An account with a campaign, an ad group and an ad of a Pin of its owner. */
const tree = (owner: { client: Client }, campaignExtra: Record<string, unknown> = {}) => adTree(owner.client, campaignExtra);

describe('ad accounts', () => {
  test('a business user creates one: owner, currency, country, OWNER permission; a personal account is refused with 403 code 654', async () => {
    const s = server();
    const biz = await person(s);
    const acct = await account(biz.client, { country: 'GB', currency: 'GBP' });
    assert.match(acct.id, /^\d{18}$/);
    assert.deepEqual([acct.owner.username, acct.country, acct.currency, acct.permissions], [biz.username, 'GB', 'GBP', ['OWNER']]);
    assert.deepEqual((await biz.client.get(`/ad_accounts/${acct.id}`)).body, acct);
    const pinner = await person(s, true);
    assertError(await pinner.client.post('/ad_accounts', { name: 'mine' }), 403, 654);
  });

  test('country and currency are checked against ISO data and Pinterest\'s currencies, naming the field', async () => {
    const biz = await person(server());
    assertError(await biz.client.post('/ad_accounts', { country: 'ZZ' }), 400, 1, 'country');
    assertError(await biz.client.post('/ad_accounts', { currency: 'ABC' }), 400, 1, 'currency');
    const notPinterests = await biz.client.post('/ad_accounts', { currency: 'XAF' });
    assertError(notPinterests, 400, 1, 'currency');
    assert.match(notPinterests.body.message, /not a currency Pinterest/);
  });

  test('at most 50 per user', async () => {
    const biz = await person(server());
    for (let i = 0; i < 50; i++) await account(biz.client);
    assertError(await biz.client.post('/ad_accounts', { name: 'one too many' }), 400, 1, 'owner_user_id');
  });

  test('the list holds owned and shared accounts (include_shared_accounts=false: owned only), paged by bookmark', async () => {
    const s = server();
    const owner = await person(s);
    const analyst = await person(s);
    const own = await account(analyst.client);
    const shared = [await account(owner.client), await account(owner.client)];
    for (const a of shared) await control().ok('POST', `/ad_accounts/${a.id}/roles`, { user: analyst.username, role: 'ANALYST' });
    const all = await walk(analyst.client, '/ad_accounts', { page_size: 1 });
    assert.deepEqual(all.map((a) => a.id).sort(), [own.id, ...shared.map((a) => a.id)].sort());
    assert.deepEqual(all.find((a) => a.id === shared[0].id).permissions, ['ANALYST']);
    assert.deepEqual((await walk(analyst.client, '/ad_accounts', { include_shared_accounts: 'false' } as any)).map((a) => a.id), [own.id]);
  });

  test('templates list empty, terms of service accepted; sandbox/delete only in the sandbox, then the account is gone', async () => {
    const s = server();
    const biz = await person(s);
    const acct = await account(biz.client);
    assert.deepEqual((await biz.client.get(`/ad_accounts/${acct.id}/templates`)).body, { items: [], bookmark: null });
    const tos = await biz.client.get(`/ad_accounts/${acct.id}/terms_of_service`, { query: { include_html: true } });
    assert.equal(tos.body.has_accepted, true);
    assert.equal(typeof tos.body.html, 'string');
    assertError(await biz.client.delete(`/ad_accounts/${acct.id}/sandbox`), 403, 29);
    const app = await s.pinbox.admin.createApp({ name: unique('sandboxed'), redirectUris: ['http://127.0.0.1:9/cb'] });
    await s.pinbox.admin.setAppAccess(app.id, { sandbox: true, tier: 'standard' });
    const { token } = await s.pinbox.admin.issueToken({ username: biz.username, appId: app.id });
    const sandboxed = biz.client.withToken(token);
    const deleted = await sandboxed.delete(`/ad_accounts/${acct.id}/sandbox`);
    assert.deepEqual([deleted.status, deleted.body], [200, 'Delete Success']);
    assertError(await biz.client.get(`/ad_accounts/${acct.id}`), 404, 2626);
  });
});

describe('roles', () => {
  test('owner, ADMIN, ANALYST, CAMPAIGN_MANAGER, none × read and write on campaigns, ad groups, ads and the account', async () => {
    const s = server();
    const owner = await person(s);
    const { acct, campaign, group, ad } = await tree(owner);
    const cases = [
      { role: 'OWNER', read: true, write: true },
      { role: 'ADMIN', read: true, write: true },
      { role: 'ANALYST', read: true, write: false },
      { role: 'CAMPAIGN_MANAGER', read: true, write: true },
      { role: null, read: false, write: false },
    ];
    for (const { role, read, write } of cases) {
      const caller = role === 'OWNER' ? owner : await person(s);
      if (role && role !== 'OWNER') await control().ok('POST', `/ad_accounts/${acct.id}/roles`, { user: caller.username, role });
      const reads = [
        await caller.client.get(`/ad_accounts/${acct.id}/campaigns`),
        await caller.client.get(`/ad_accounts/${acct.id}/ad_groups/${group.id}`),
        await caller.client.get(`/ad_accounts/${acct.id}/ads`, { query: { ad_ids: ad.id } }),
      ];
      const writes = [
        await caller.client.post(`/ad_accounts/${acct.id}/campaigns`, [campaignItem()]),
        await caller.client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: campaign.id, name: unique('renamed') }]),
        await caller.client.patch(`/ad_accounts/${acct.id}/ads`, [{ id: ad.id, name: unique('renamed') }]),
      ];
      for (const response of reads) assert.equal(response.status, read ? 200 : 403, `${role} read: ${JSON.stringify(response.body)}`);
      for (const response of writes) {
        if (write) assert.equal(response.status, 200, `${role} write: ${JSON.stringify(response.body)}`);
        else assertError(response, 403, 29);
      }
      assert.equal((await caller.client.get(`/ad_accounts/${acct.id}`)).status, role ? 200 : 403);
    }
    assertError(await owner.client.get('/ad_accounts/123456789/campaigns'), 404, 2626);
  });

  test('ad_account_id on an organic route acts for the owner when the role allows it', async () => {
    const s = server();
    const owner = await person(s);
    const acct = await account(owner.client);
    const admin = await person(s);
    const analyst = await person(s);
    await control().ok('POST', `/ad_accounts/${acct.id}/roles`, { user: admin.username, role: 'ADMIN' });
    await control().ok('POST', `/ad_accounts/${acct.id}/roles`, { user: analyst.username, role: 'ANALYST' });
    const query = { ad_account_id: acct.id };
    const board = await admin.client.post('/boards', { name: unique('for the owner') }, { query });
    assert.equal(board.status, 201, JSON.stringify(board.body));
    assert.equal(board.body.owner.username, owner.username);
    assert.ok((await walk(analyst.client, '/boards', query)).some((b) => b.id === board.body.id), 'the analyst reads the owner\'s boards');
    assertError(await analyst.client.post('/boards', { name: unique('no') }, { query }), 403, 29);
    assertError(await (await person(s)).client.get('/boards', { query }), 403, 29);
    assertError(await admin.client.get('/boards', { query: { ad_account_id: '4242424242' } }), 404, 2626);
  });
});

describe('the status machine', () => {
  const STATUSES = ['ACTIVE', 'PAUSED', 'DRAFT', 'ARCHIVED', 'DELETED_DRAFT'] as const;
  const LEGAL: Record<string, string[]> = {
    ACTIVE: ['ACTIVE', 'PAUSED', 'ARCHIVED'],
    PAUSED: ['ACTIVE', 'PAUSED', 'ARCHIVED'],
    DRAFT: ['DRAFT', 'ACTIVE', 'PAUSED', 'DELETED_DRAFT'],
    ARCHIVED: [],
    DELETED_DRAFT: [],
  };

  test('every from × to on a campaign: a legal move lands, an illegal one fails that item and changes nothing', async () => {
    const owner = await person(server());
    const acct = await account(owner.client);
    const path = `/ad_accounts/${acct.id}/campaigns`;
    for (const from of STATUSES) {
      for (const to of STATUSES) {
        const start = from === 'ARCHIVED' ? 'ACTIVE' : from === 'DELETED_DRAFT' ? 'DRAFT' : from;
        const campaign = await made(owner.client, acct.id, 'campaigns', campaignItem({ status: start }));
        if (start !== from) assert.ok((await owner.client.patch(path, [{ id: campaign.id, status: from }])).body.items[0].data);
        const [item] = (await owner.client.patch(path, [{ id: campaign.id, status: to, name: 'moved' }])).body.items;
        const after = (await owner.client.get(`${path}/${campaign.id}`)).body;
        if (LEGAL[from].includes(to)) {
          assert.equal(item.data?.status, to, `${from} -> ${to} should land: ${JSON.stringify(item)}`);
          assert.deepEqual([after.status, after.name], [to, 'moved']);
        } else {
          assert.equal(item.data, undefined, `${from} -> ${to} should fail`);
          assert.equal(item.exceptions[0].code, 400);
          assert.match(item.exceptions[0].message, new RegExp(`'status'.*${from}`));
          assert.deepEqual([after.status, after.name], [from, campaign.name], `${from} -> ${to} changed nothing`);
        }
      }
    }
  });

  test('a create is ACTIVE, PAUSED or DRAFT; nothing is made under an archived parent; a draft\'s children are drafts', async () => {
    const owner = await person(server());
    const acct = await account(owner.client);
    const [archived] = (await owner.client.post(`/ad_accounts/${acct.id}/campaigns`, [campaignItem({ status: 'ARCHIVED' })])).body.items;
    assert.match(archived.exceptions[0].message, /'status'/);
    const campaign = await made(owner.client, acct.id, 'campaigns', campaignItem());
    await owner.client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: campaign.id, status: 'ARCHIVED' }]);
    const [under] = (await owner.client.post(`/ad_accounts/${acct.id}/ad_groups`, [adGroupItem(campaign.id)])).body.items;
    assert.match(under.exceptions[0].message, /'campaign_id'.*ARCHIVED/);
    const draft = await made(owner.client, acct.id, 'campaigns', campaignItem({ status: 'DRAFT' }));
    const [active] = (await owner.client.post(`/ad_accounts/${acct.id}/ad_groups`, [adGroupItem(draft.id)])).body.items;
    assert.match(active.exceptions[0].message, /'status' must be DRAFT/);
    assert.equal((await made(owner.client, acct.id, 'ad_groups', adGroupItem(`C${draft.id}`, { status: 'DRAFT' }))).campaign_id, draft.id);
  });

  test('archiving a campaign archives its ad groups and ads; lists hide them unless asked for', async () => {
    const owner = await person(server());
    const { acct, campaign, group, ad } = await tree(owner);
    const second = await made(owner.client, acct.id, 'ad_groups', adGroupItem(campaign.id, { status: 'PAUSED' }));
    const draftCampaign = await made(owner.client, acct.id, 'campaigns', campaignItem({ status: 'DRAFT' }));
    await owner.client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: campaign.id, status: 'ARCHIVED' }]);
    for (const [kind, id] of [['ad_groups', group.id], ['ad_groups', second.id], ['ads', ad.id]] as const) {
      const got = (await owner.client.get(`/ad_accounts/${acct.id}/${kind}/${id}`)).body;
      assert.deepEqual([got.status, got.summary_status], ['ARCHIVED', 'ARCHIVED'], `${kind} ${id}`);
    }
    assert.deepEqual((await walk(owner.client, `/ad_accounts/${acct.id}/campaigns`)).map((c) => c.id), []);
    const archived = await walk(owner.client, `/ad_accounts/${acct.id}/campaigns`, { entity_statuses: 'ARCHIVED,DRAFT' });
    assert.deepEqual(archived.map((c) => c.id), [campaign.id, draftCampaign.id]);
    assert.deepEqual((await walk(owner.client, `/ad_accounts/${acct.id}/ads`, { entity_statuses: 'ARCHIVED', campaign_ids: campaign.id })).map((a) => a.id), [ad.id]);
    // Archiving an ad group reaches its ads only.
    const other = await tree(owner);
    await owner.client.patch(`/ad_accounts/${other.acct.id}/ad_groups`, [{ id: other.group.id, status: 'ARCHIVED' }]);
    assert.equal((await owner.client.get(`/ad_accounts/${other.acct.id}/ads/${other.ad.id}`)).body.status, 'ARCHIVED');
    assert.equal((await owner.client.get(`/ad_accounts/${other.acct.id}/campaigns/${other.campaign.id}`)).body.status, 'ACTIVE');
  });
});

describe('rules', () => {
  test('each budget, bid, schedule and objective rule refuses its item naming the field', async () => {
    const owner = await person(server());
    const acct = await account(owner.client);
    const now = Math.floor(Date.now() / 1000);
    const cbo = await made(owner.client, acct.id, 'campaigns', campaignItem({ is_campaign_budget_optimization: true, objective_type: 'AWARENESS' }));
    const plain = await made(owner.client, acct.id, 'campaigns', campaignItem());
    const windowed = await made(owner.client, acct.id, 'campaigns', campaignItem({ start_time: now + DAY, end_time: now + 10 * DAY }));
    const conversion = await made(owner.client, acct.id, 'campaigns', campaignItem({ objective_type: 'WEB_CONVERSION' }));
    const video = await made(owner.client, acct.id, 'campaigns', campaignItem({ objective_type: 'VIDEO_COMPLETION' }));
    const campaignCases: [Record<string, unknown>, string, number?][] = [
      [campaignItem({ lifetime_spend_cap: 1_000_000 }), 'lifetime_spend_cap'],
      [campaignItem({ daily_spend_cap: 0 }), 'daily_spend_cap'],
      [campaignItem({ daily_spend_cap: null, is_campaign_budget_optimization: true }), 'is_campaign_budget_optimization', 2384],
      [campaignItem({ is_performance_plus: true }), 'is_flexible_daily_budgets'],
      [campaignItem({ start_time: now + DAY, end_time: now + 60 }), 'end_time'],
      [campaignItem({ objective_type: 'WEB_SESSIONS' }), 'objective_type'],
      [campaignItem({ ad_account_id: '1' }), 'ad_account_id'],
    ];
    const groupCases: [Record<string, unknown>, string][] = [
      [adGroupItem(plain.id, { billable_event: 'IMPRESSION' }), 'billable_event'],
      [adGroupItem(plain.id, { budget_in_micro_currency: null }), 'budget_in_micro_currency'],
      [adGroupItem(plain.id, { budget_type: 'CBO_ADGROUP' }), 'budget_type'],
      [adGroupItem(plain.id, { budget_type: 'LIFETIME' }), 'end_time'],
      [adGroupItem(plain.id, { bid_in_micro_currency: null }), 'bid_in_micro_currency'],
      [adGroupItem(plain.id, { bid_in_micro_currency: 99_999 }), 'bid_in_micro_currency'],
      [adGroupItem(plain.id, { bid_multiplier: 2 }), 'bid_multiplier'],
      [adGroupItem(plain.id, { lifetime_frequency_cap: 5 }), 'lifetime_frequency_cap'],
      [adGroupItem(plain.id, { targeting_spec: { MINIMUM_AGE: '21' } }), 'targeting_spec.MINIMUM_AGE'],
      [adGroupItem(plain.id, { targeting_template_ids: ['12'], targeting_spec: { GENDER: ['female'] } }), 'targeting_template_ids'],
      [adGroupItem(cbo.id, { billable_event: 'IMPRESSION', bid_in_micro_currency: 3_000_000 }), 'budget_in_micro_currency'],
      [adGroupItem(cbo.id, { billable_event: 'IMPRESSION', bid_in_micro_currency: 3_000_000, budget_in_micro_currency: null, pacing_delivery_type: 'ACCELERATED' }), 'pacing_delivery_type'],
      [adGroupItem(windowed.id, { start_time: now, end_time: now + 5 * DAY }), 'start_time'],
      [adGroupItem(windowed.id, { end_time: now + 20 * DAY }), 'end_time'],
      [adGroupItem(windowed.id), 'end_time'],
      [adGroupItem(conversion.id, { billable_event: 'IMPRESSION', bid_in_micro_currency: 3_000_000 }), 'optimization_goal_metadata'],
      [adGroupItem(video.id, { billable_event: 'IMPRESSION', bid_strategy_type: 'MAX_BID' }), 'bid_strategy_type'],
      [adGroupItem('999'), 'campaign_id'],
    ];
    const refused = async (kind: string, item: Record<string, unknown>) => (await owner.client.post(`/ad_accounts/${acct.id}/${kind}`, [item])).body.items[0];
    for (const [item, field, code] of campaignCases) {
      const { data, exceptions } = await refused('campaigns', item);
      assert.equal(data, undefined, `campaign refused for ${field}`);
      assert.match(exceptions[0].message, new RegExp(`'${field}'`), JSON.stringify(exceptions));
      assert.equal(exceptions[0].code, code ?? 1, field);
    }
    for (const [item, field] of groupCases) {
      const { data, exceptions } = await refused('ad_groups', item);
      assert.equal(data, undefined, `ad group refused for ${field}: ${JSON.stringify(item)}`);
      assert.match(exceptions[0].message, new RegExp(`'${field.replace('.', '\\.')}'`), JSON.stringify(exceptions));
    }
    // The same floors pass at the floor, and a CBO ad group takes the campaign's budget.
    const cboGroup = await made(owner.client, acct.id, 'ad_groups', adGroupItem(cbo.id, { billable_event: 'IMPRESSION', bid_in_micro_currency: 2_000_000, budget_in_micro_currency: null }));
    assert.deepEqual([cboGroup.budget_type, cboGroup.budget_in_micro_currency], ['CBO_ADGROUP', null]);
    assert.equal((await made(owner.client, acct.id, 'ad_groups', adGroupItem(plain.id, { bid_in_micro_currency: 100_000 }))).bid_in_micro_currency, 100_000);
    assert.equal((await made(owner.client, acct.id, 'ad_groups', adGroupItem(windowed.id, { end_time: now + 9 * DAY }))).summary_status, 'NOT_STARTED');
  });

  test('draft-only fields, CBO turning off, an ad\'s Pin and creative type', async () => {
    const s = server();
    const owner = await person(s);
    const { acct, campaign, group, ad } = await tree(owner, { is_campaign_budget_optimization: false });
    const [objective] = (await owner.client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: campaign.id, objective_type: 'AWARENESS' }])).body.items;
    assert.match(objective.exceptions[0].message, /'objective_type' changes only while the campaign is a DRAFT/);
    const [billable] = (await owner.client.patch(`/ad_accounts/${acct.id}/ad_groups`, [{ id: group.id, billable_event: 'IMPRESSION' }])).body.items;
    assert.match(billable.exceptions[0].message, /'billable_event'/);
    const otherPin = await createPin(owner.client, (await createBoard(owner.client)).id);
    const [pinChange] = (await owner.client.patch(`/ad_accounts/${acct.id}/ads`, [{ id: ad.id, pin_id: otherPin.id }])).body.items;
    assert.match(pinChange.exceptions.message, /'pin_id' changes only while the ad is a DRAFT/);
    // CBO on clears the ad groups' budgets; off gives them the default as a daily budget.
    await owner.client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: campaign.id, is_campaign_budget_optimization: true }]);
    assert.equal((await owner.client.get(`/ad_accounts/${acct.id}/ad_groups/${group.id}`)).body.budget_type, 'CBO_ADGROUP');
    const [off] = (await owner.client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: campaign.id, is_campaign_budget_optimization: false }])).body.items;
    assert.match(off.exceptions[0].message, /'default_ad_group_budget_in_micro_currency'/);
    await owner.client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: campaign.id, is_campaign_budget_optimization: false, default_ad_group_budget_in_micro_currency: 7_000_000 }]);
    const back = (await owner.client.get(`/ad_accounts/${acct.id}/ad_groups/${group.id}`)).body;
    assert.deepEqual([back.budget_type, back.budget_in_micro_currency], ['DAILY', 7_000_000]);
    // Someone else's Pin cannot be promoted; a REGULAR Pin is no VIDEO.
    const stranger = await person(s);
    const theirs = await createPin(stranger.client, (await createBoard(stranger.client)).id);
    const [foreign] = (await owner.client.post(`/ad_accounts/${acct.id}/ads`, [{ ad_group_id: `AG${group.id}`, pin_id: theirs.id, creative_type: 'REGULAR' }])).body.items;
    assert.match(foreign.exceptions.message, /'pin_id'.*may promote/);
    const [asVideo] = (await owner.client.post(`/ad_accounts/${acct.id}/ads`, [{ ad_group_id: group.id, pin_id: otherPin.id, creative_type: 'VIDEO' }])).body.items;
    assert.match(asVideo.exceptions.message, /'creative_type' VIDEO does not fit/);
    const [badUrl] = (await owner.client.post(`/ad_accounts/${acct.id}/ads`, [{ ad_group_id: group.id, pin_id: otherPin.id, creative_type: 'REGULAR', tracking_urls: { click: ['not a url'] } }])).body.items;
    assert.match(badUrl.exceptions.message, /'tracking_urls\.click\.0'/);
  });

  test('a 30-item bulk create where three items fail alone, in input order; 31 items is a 400', async () => {
    const owner = await person(server());
    const acct = await account(owner.client);
    const items = Array.from({ length: 30 }, (_, i) => campaignItem({ name: `bulk ${i}` }));
    items[4] = campaignItem({ objective_type: 'NOPE' });
    items[17] = campaignItem({ lifetime_spend_cap: 5_000_000 });
    items[29] = campaignItem({ is_campaign_budget_optimization: true, daily_spend_cap: null });
    const response = await owner.client.post(`/ad_accounts/${acct.id}/campaigns`, items);
    assert.equal(response.status, 200);
    assert.equal(response.body.items.length, 30);
    response.body.items.forEach((item: any, i: number) => {
      if ([4, 17, 29].includes(i)) {
        assert.equal(item.data, undefined, `item ${i} fails`);
        assert.equal(item.exceptions.length, 1);
      } else {
        assert.equal(item.data.name, `bulk ${i}`);
        assert.deepEqual(item.exceptions, []);
      }
    });
    const listed = await walk(owner.client, `/ad_accounts/${acct.id}/campaigns`, { page_size: 10 });
    assert.equal(listed.length, 27);
    const descending = await walk(owner.client, `/ad_accounts/${acct.id}/campaigns`, { order: 'DESCENDING', page_size: 7 });
    assert.deepEqual(descending.map((c) => c.id), listed.map((c) => c.id).reverse());
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/campaigns`, [...items, campaignItem()]), 400, 1);
    assertError(await owner.client.get(`/ad_accounts/${acct.id}/ads`, { query: { campaign_ids: '1', ad_ids: '2' } }), 400, 1, 'ad_ids');
  });
});

describe('the clock', () => {
  test('review: PENDING, APPROVED after the review time; REJECTED with reasons; an edit goes back to review; paused ads wait', async () => {
    const s = server();
    await control().ok('PUT', '/ads/review_time', { seconds: 3600 });
    const owner = await person(s);
    const { acct, group, pin, ad } = await tree(owner);
    assert.deepEqual([ad.review_status, ad.summary_status], ['PENDING', 'PENDING']);
    const paused = await made(owner.client, acct.id, 'ads', { ad_group_id: group.id, pin_id: pin.id, creative_type: 'REGULAR', status: 'PAUSED' });
    await s.pinbox.clock.advance('59m');
    assert.equal((await owner.client.get(`/ad_accounts/${acct.id}/ads/${ad.id}`)).body.review_status, 'PENDING');
    await s.pinbox.clock.advance('1m');
    const approved = (await owner.client.get(`/ad_accounts/${acct.id}/ads/${ad.id}`)).body;
    assert.deepEqual([approved.review_status, approved.summary_status], ['APPROVED', 'APPROVED']);
    assert.equal((await owner.client.get(`/ad_accounts/${acct.id}/ads/${paused.id}`)).body.review_status, 'PENDING', 'a paused ad is not submitted');
    await control().ok('POST', `/ads/${ad.id}/review`, { review_status: 'REJECTED', rejected_reasons: ['LANDING_PAGE'], rejection_labels: ['The page does not load'] });
    const rejected = (await owner.client.get(`/ad_accounts/${acct.id}/ads/${ad.id}`)).body;
    assert.deepEqual([rejected.review_status, rejected.summary_status, rejected.rejected_reasons, rejected.rejection_labels], ['REJECTED', 'REJECTED', ['LANDING_PAGE'], ['The page does not load']]);
    const [edited] = (await owner.client.patch(`/ad_accounts/${acct.id}/ads`, [{ id: ad.id, destination_url: 'https://example.com/fixed' }])).body.items;
    assert.equal(edited.data.review_status, 'PENDING');
    const [renamed] = (await owner.client.patch(`/ad_accounts/${acct.id}/ads`, [{ id: ad.id, name: 'just a name' }])).body.items;
    assert.equal(renamed.data.review_status, 'PENDING');
    await s.pinbox.clock.advance('1h');
    assert.equal((await owner.client.get(`/ad_accounts/${acct.id}/ads/${ad.id}`)).body.review_status, 'APPROVED');
    await owner.client.patch(`/ad_accounts/${acct.id}/ads`, [{ id: paused.id, status: 'ACTIVE' }]);
    await s.pinbox.clock.advance('1h');
    assert.equal((await owner.client.get(`/ad_accounts/${acct.id}/ads/${paused.id}`)).body.review_status, 'APPROVED', 'submitted once active');
    await control().ok('PUT', '/ads/review_time', { seconds: 86_400 });
  });

  test('summary_status: NOT_STARTED, RUNNING, COMPLETED on the clock; a paused campaign pauses its children\'s summary', async () => {
    const s = server();
    const owner = await person(s);
    const acct = await account(owner.client);
    const now = Math.floor(s.pinbox.clock.now() / 1000);
    const campaign = await made(owner.client, acct.id, 'campaigns', campaignItem({ start_time: now + 3600, end_time: now + 3 * 3600 }));
    const group = await made(owner.client, acct.id, 'ad_groups', adGroupItem(campaign.id, { end_time: now + 2 * 3600 }));
    assert.deepEqual([campaign.summary_status, group.summary_status], ['NOT_STARTED', 'NOT_STARTED']);
    await s.pinbox.clock.advance('61m');
    const get = async (kind: string, id: string) => (await owner.client.get(`/ad_accounts/${acct.id}/${kind}/${id}`)).body.summary_status;
    assert.deepEqual([await get('campaigns', campaign.id), await get('ad_groups', group.id)], ['RUNNING', 'RUNNING']);
    await owner.client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: campaign.id, status: 'PAUSED' }]);
    assert.deepEqual([await get('campaigns', campaign.id), await get('ad_groups', group.id)], ['PAUSED', 'PAUSED']);
    await owner.client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: campaign.id, status: 'ACTIVE' }]);
    await s.pinbox.clock.advance('60m');
    assert.deepEqual([await get('campaigns', campaign.id), await get('ad_groups', group.id)], ['RUNNING', 'COMPLETED']);
  });
});

describe('fixtures, reset and snapshots', () => {
  test('a fixture declares ad accounts, roles, campaigns, ad groups and ads; reset and restore reach them', async () => {
    const s = server();
    const owner = await person(s);
    const pin = await createPin(owner.client, (await createBoard(owner.client)).id);
    const analyst = unique('fx_analyst');
    const name = unique('Fixture account');
    const result = await control().ok('POST', '/fixtures', {
      users: [{ username: analyst }],
      ad_accounts: [{ name, owner: owner.username, currency: 'EUR', country: 'FR', roles: [{ user: analyst, role: 'ANALYST' }] }],
      campaigns: [{ key: 'spring', ad_account: name, name: 'Spring', objective_type: 'CONSIDERATION', daily_spend_cap: 9_000_000 }],
      ad_groups: [{ key: 'spring/all', campaign: 'spring', name: 'Everyone', billable_event: 'CLICKTHROUGH', budget_in_micro_currency: 1_000_000, bid_in_micro_currency: 60_000 }],
      ads: [{ ad_group: 'spring/all', pin_id: pin.id, creative_type: 'REGULAR', review_status: 'REJECTED', rejected_reasons: ['IMAGE'] }],
    });
    const acctId = result.ad_accounts[0].id;
    const { token } = await s.pinbox.admin.issueToken({ username: analyst, scopes: ['ads:read'] });
    const reader = owner.client.withToken(token);
    const [ad] = await walk(reader, `/ad_accounts/${acctId}/ads`);
    assert.deepEqual([ad.review_status, ad.rejected_reasons, ad.pin_id], ['REJECTED', ['IMAGE'], pin.id]);
    assert.equal((await reader.get(`/ad_accounts/${acctId}`)).body.currency, 'EUR');
    const badFixture = await control().request('POST', '/fixtures', {
      ad_accounts: [{ name: unique('bad'), owner: owner.username }],
      campaigns: [{ ad_account: 'nobody', name: 'x', objective_type: 'AWARENESS' }],
    });
    assert.equal(badFixture.status, 400);
    assert.match(badFixture.body.message, /campaigns\[0\]\.ad_account/);
    const rulesName = unique('rules');
    const refusedByRule = await control().request('POST', '/fixtures', {
      ad_accounts: [{ name: rulesName, owner: owner.username }],
      campaigns: [{ ad_account: rulesName, name: 'x', objective_type: 'AWARENESS', daily_spend_cap: 1, lifetime_spend_cap: 2 }],
    });
    assert.equal(refusedByRule.status, 400);
    assert.match(refusedByRule.body.message, /campaigns\[0\].*lifetime_spend_cap/);

    const snapshot = await control().ok('GET', '/snapshot');
    await control().ok('POST', '/reset', { user: owner.username });
    assertError(await reader.get(`/ad_accounts/${acctId}`), 404, 2626);
    await control().ok('PUT', '/snapshot', snapshot);
    assert.equal((await walk(reader, `/ad_accounts/${acctId}/campaigns`))[0].name, 'Spring');
    await control().ok('POST', '/reset', {});
    assertError(await reader.get(`/ad_accounts/${acctId}`), 401, 2);
  });
});
