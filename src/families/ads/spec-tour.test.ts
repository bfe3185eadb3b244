/**
 * Every operation of ads part 1 (the ad_accounts, campaigns, ad_groups, ads, bulk
 * and resources tags as far as part 1 serves them) called once as a user would
 * succeed with it and once as a user would get it wrong; the harness validates
 * every answer against the official spec, and the last test fails when an
 * operation was not answered both ways here, so a new part-1 route cannot go
 * unchecked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answeredStatuses, createBoard, createPin, unique, useServer } from '../../../test/harness.js';
import { adAccount, adGroupItem, adsPerson, adTree, campaignItem } from '../../../test/ads.js';
import { loadSpec } from '../../../test/spec.js';

const server = useServer();

const PART_ONE = [
  'ad_accounts/list',
  'ad_accounts/create',
  'ad_accounts/get',
  'sandbox/delete',
  'templates/list',
  'terms_of_service/get',
  'campaigns/list',
  'campaigns/create',
  'campaigns/update',
  'campaigns/get',
  'ad_groups/list',
  'ad_groups/create',
  'ad_groups/update',
  'ad_groups/get',
  'ad_groups/audience_sizing',
  'ad_groups_bid_floor/get',
  'ads/list',
  'ads/create',
  'ads/update',
  'ads/get',
  'ad_previews/create',
  'bulk_upsert/create',
  'bulk_download/create',
  'bulk_request/get',
  'ad_account_countries/get',
  'delivery_metrics/get',
  'lead_form_questions/get',
  'metrics_ready_state/get',
  'targeting_options/get',
  'interest_targeting_options/get',
];

test('each operation answered as it succeeds and as it is refused, in the spec\'s shapes', async () => {
  const s = server();
  const owner = await adsPerson(s);
  const stranger = await adsPerson(s);
  const { acct, campaign, group, ad, pin } = await adTree(owner.client);
  const base = `/ad_accounts/${acct.id}`;
  const missing = '/ad_accounts/999999999999999999';
  const calls: [string, () => Promise<{ status: number }>][] = [
    ['list accounts', () => owner.client.get('/ad_accounts', { query: { page_size: 5 } })],
    ['list accounts, page_size 0', () => owner.client.get('/ad_accounts', { query: { page_size: 0 } })],
    ['create an account', () => owner.client.post('/ad_accounts', { name: unique('acct'), country: 'FR', currency: 'EUR' })],
    ['create an account, bad country', () => owner.client.post('/ad_accounts', { country: 'ZZ' })],
    ['get the account', () => owner.client.get(base)],
    ['get a missing account', () => owner.client.get(missing)],
    ['sandbox delete outside the sandbox', () => owner.client.delete(`${base}/sandbox`)],
    ['templates', () => owner.client.get(`${base}/templates`)],
    ['templates of a stranger', () => stranger.client.get(`${base}/templates`)],
    ['terms', () => owner.client.get(`${base}/terms_of_service`, { query: { include_html: true } })],
    ['terms of a stranger', () => stranger.client.get(`${base}/terms_of_service`)],
    ['list campaigns', () => owner.client.get(`${base}/campaigns`, { query: { entity_statuses: 'ACTIVE,PAUSED,ARCHIVED' } })],
    ['list campaigns, bad status', () => owner.client.get(`${base}/campaigns`, { query: { entity_statuses: 'SLEEPING' } })],
    ['create a campaign', () => owner.client.post(`${base}/campaigns`, [campaignItem()])],
    ['create campaigns, 31 items', () => owner.client.post(`${base}/campaigns`, Array.from({ length: 31 }, () => campaignItem()))],
    ['update a campaign', () => owner.client.patch(`${base}/campaigns`, [{ id: campaign.id, name: unique('renamed') }])],
    ['update campaigns, not an array', () => owner.client.patch(`${base}/campaigns`, { id: campaign.id })],
    ['get the campaign', () => owner.client.get(`${base}/campaigns/${campaign.id}`)],
    ['get a missing campaign', () => owner.client.get(`${base}/campaigns/1`)],
    ['list ad groups', () => owner.client.get(`${base}/ad_groups`, { query: { campaign_ids: campaign.id } })],
    ['list ad groups of a stranger', () => stranger.client.get(`${base}/ad_groups`)],
    ['create an ad group', () => owner.client.post(`${base}/ad_groups`, [adGroupItem(campaign.id)])],
    ['create ad groups, empty', () => owner.client.post(`${base}/ad_groups`, [])],
    ['update an ad group', () => owner.client.patch(`${base}/ad_groups`, [{ id: group.id, status: 'PAUSED' }])],
    ['update ad groups of a stranger', () => stranger.client.patch(`${base}/ad_groups`, [{ id: group.id, status: 'PAUSED' }])],
    ['get the ad group', () => owner.client.get(`${base}/ad_groups/${group.id}`)],
    ['get a missing ad group', () => owner.client.get(`${base}/ad_groups/1`)],
    ['audience sizing', () => owner.client.post(`${base}/ad_groups/audience_sizing`, { targeting_spec: { LOCATION: ['US'] } })],
    ['audience sizing, bad age', () => owner.client.post(`${base}/ad_groups/audience_sizing`, { targeting_spec: { MINIMUM_AGE: '25' } })],
    ['bid floor', () => owner.client.post(`${base}/bid_floor`, { bid_floor_specs: [{ billable_event: 'CLICKTHROUGH', currency: 'USD' }] })],
    ['bid floor, no billable event', () => owner.client.post(`${base}/bid_floor`, { bid_floor_specs: [{ currency: 'USD' }] })],
    ['list ads', () => owner.client.get(`${base}/ads`, { query: { ad_group_ids: group.id } })],
    ['list ads, bad order', () => owner.client.get(`${base}/ads`, { query: { order: 'SIDEWAYS' } })],
    ['create an ad', async () => owner.client.post(`${base}/ads`, [{ ad_group_id: group.id, pin_id: (await createPin(owner.client, (await createBoard(owner.client)).id, { link: 'https://example.com/x' })).id, creative_type: 'REGULAR' }])],
    ['create ads, missing body', () => owner.client.post(`${base}/ads`)],
    ['update an ad', () => owner.client.patch(`${base}/ads`, [{ id: ad.id, name: unique('ad') }])],
    ['update ads of a stranger', () => stranger.client.patch(`${base}/ads`, [{ id: ad.id, status: 'PAUSED' }])],
    ['get the ad', () => owner.client.get(`${base}/ads/${ad.id}`)],
    ['get a missing ad', () => owner.client.get(`${base}/ads/1`)],
    ['preview', () => owner.client.post(`${base}/ad_previews`, { pin_id: pin.id })],
    ['preview, no Pin', () => owner.client.post(`${base}/ad_previews`, {})],
    ['bulk upsert', () => owner.client.post(`${base}/bulk/upsert`, { create: { campaigns: [campaignItem()] } })],
    ['bulk upsert, nothing', () => owner.client.post(`${base}/bulk/upsert`, {})],
    ['bulk download', () => owner.client.post(`${base}/bulk/download`, { output_format: 'CSV' })],
    ['bulk download, bad type', () => owner.client.post(`${base}/bulk/download`, { entity_types: ['PINS'] })],
    ['bulk status', async () => owner.client.get(`${base}/bulk/${(await owner.client.post(`${base}/bulk/download`, {})).body.request_id}`)],
    ['bulk status, missing', () => owner.client.get(`${base}/bulk/1`)],
    ['countries', () => s.api.get('/resources/ad_account_countries')],
    ['countries without a token', () => s.api.get('/resources/ad_account_countries', { token: null })],
    ['delivery metrics', () => s.api.get('/resources/delivery_metrics', { query: { report_type: 'SYNC' } })],
    ['delivery metrics, bad report type', () => s.api.get('/resources/delivery_metrics', { query: { report_type: 'LATER' } })],
    ['lead form questions', () => s.api.get('/resources/lead_form_questions')],
    ['lead form questions without a token', () => s.api.get('/resources/lead_form_questions', { token: null })],
    ['metrics ready state', () => s.api.get('/resources/metrics_ready_state', { query: { date: '2026-01-01' } })],
    ['metrics ready state, no date', () => s.api.get('/resources/metrics_ready_state')],
    ['targeting options', () => s.api.get('/resources/targeting/GENDER')],
    ['targeting options, unknown type', () => s.api.get('/resources/targeting/SHOE_SIZE')],
    ['an interest', async () => s.api.get(`/resources/targeting/interests/${Object.keys((await s.api.get('/resources/targeting/INTEREST')).body[0])[0]}`)],
    ['a missing interest', () => s.api.get('/resources/targeting/interests/1')],
    ['sandbox delete in the sandbox', async () => {
      const app = await s.pinbox.admin.createApp({ name: unique('sandboxed'), redirectUris: ['http://127.0.0.1:9/cb'] });
      await s.pinbox.admin.setAppAccess(app.id, { sandbox: true, tier: 'standard' });
      const { token } = await s.pinbox.admin.issueToken({ username: owner.username, appId: app.id });
      return owner.client.withToken(token).delete(`${base}/sandbox`);
    }],
  ];
  for (const [what, call] of calls) {
    const { status, body } = (await call()) as { status: number; body: unknown };
    const refusal = /missing|bad|stranger|outside|without|no |nothing|not an|empty|31|unknown|page_size 0/.test(what);
    assert.ok(refusal ? status >= 400 && status < 500 : status < 300, `${what}: answered ${status} ${JSON.stringify(body)}`);
  }
});

test('every part-1 operation is served and was answered both ways above', (t) => {
  const spec = loadSpec();
  if (!spec) return t.skip('the official spec is not beside the repository');
  const served = new Set(server().pinbox.routes.map((route) => route.policy?.operationId));
  for (const operationId of PART_ONE) {
    assert.ok(spec.operations.some((op) => op.operationId === operationId), `${operationId} is not an operation of the spec`);
    assert.ok(served.has(operationId), `${operationId} is not served`);
    const statuses = answeredStatuses(operationId);
    assert.ok(statuses.some((status) => status < 300), `${operationId} never answered a success here (${statuses.join(', ') || 'not called'})`);
    assert.ok(statuses.some((status) => status >= 400), `${operationId} never answered a refusal here (${statuses.join(', ') || 'not called'})`);
  }
});
