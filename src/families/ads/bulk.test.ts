/**
 * Bulk over HTTP: bulk/upsert and bulk/download run on pinbox's clock, each upsert
 * item checked as the synchronous routes check it, the result at a signed and
 * expiring URL; download, change, upsert back gives the same state; a request
 * survives a restart of a --data store. Every answer is checked against the spec.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertError, Client, startTestPinbox, useServer, type TestServer } from '../../../test/harness.js';
import { ControlClient } from '../../../test/control.js';
import { adAccount, adGroupItem, adsPerson, adTree, campaignItem, madeEntity } from '../../../test/ads.js';

const server = useServer();

/** Polls once, moves the clock past the processing time, and answers the finished status. */
async function finished(s: TestServer, client: Client, accountId: string, requestId: string): Promise<any> {
  const running = await client.get(`/ad_accounts/${accountId}/bulk/${requestId}`);
  assert.deepEqual(running.body, { status: 'RUNNING' });
  await s.pinbox.clock.advance('10s');
  const done = await client.get(`/ad_accounts/${accountId}/bulk/${requestId}`);
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return done.body;
}

async function fetchFile(url: string): Promise<{ status: number; type: string | null; text: string }> {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), text: await response.text() };
}

/** An entity as answered, less what every write changes. */
const unstamped = ({ updated_time: _updated, ...rest }: Record<string, unknown>) => rest;

describe('bulk/upsert', () => {
  test('RUNNING and nothing written until the processing time has passed on the clock; then each item as the synchronous route answers it, a bad one failing alone', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const existing = await madeEntity(owner.client, acct.id, 'campaigns', campaignItem());
    const good = campaignItem();
    const bad = campaignItem({ lifetime_spend_cap: 10_000_000 });
    const submitted = await owner.client.post(`/ad_accounts/${acct.id}/bulk/upsert`, {
      create: { campaigns: [good, bad] },
      update: { campaigns: [{ id: existing.id, status: 'PAUSED' }] },
    });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    assert.match(submitted.body.request_id, /^\d+$/);
    const before = await owner.client.get(`/ad_accounts/${acct.id}/campaigns`, { query: { entity_statuses: 'ACTIVE,PAUSED' } });
    assert.deepEqual(before.body.items.map((c: any) => [c.id, c.status]), [[existing.id, 'ACTIVE']]);

    const done = await finished(s, owner.client, acct.id, submitted.body.request_id);
    assert.equal(done.status, 'SUCCEEDED');
    const file = await fetchFile(done.result_url);
    assert.equal(file.status, 200);
    assert.match(file.type ?? '', /application\/json/);
    const result = JSON.parse(file.text);
    const [made, refused] = result.create.campaigns;
    assert.equal(made.data.name, good.name);
    assert.deepEqual(made.exceptions, []);
    // The same refusal the synchronous route gives the same item.
    const sync = await owner.client.post(`/ad_accounts/${acct.id}/campaigns`, [bad]);
    assert.deepEqual(refused, sync.body.items[0]);
    assert.equal(result.update.campaigns[0].data.status, 'PAUSED');
    const after = await owner.client.get(`/ad_accounts/${acct.id}/campaigns`);
    assert.deepEqual(after.body.items.map((c: any) => c.name).sort(), [existing.name, good.name].sort());
  });

  test('FAILED when every item is refused; lists pinbox has no entity for are refused naming them', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const submitted = await owner.client.post(`/ad_accounts/${acct.id}/bulk/upsert`, { create: { ad_groups: [adGroupItem('123')] } });
    const done = await finished(s, owner.client, acct.id, submitted.body.request_id);
    assert.equal(done.status, 'FAILED');
    const result = JSON.parse((await fetchFile(done.result_url)).text);
    assert.match(result.create.ad_groups[0].exceptions[0].message, /campaign_id/);
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/bulk/upsert`, { create: { catalog_product_groups: [{ name: 'salad' }] } }), 400, 1, 'create.catalog_product_groups');
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/bulk/upsert`, { create: { pins: [{}] } }), 400, 1, 'create.pins');
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/bulk/upsert`, {}), 400, 1, 'create');
  });

  test('roles: an analyst downloads and reads the status but does not upsert; a stranger does neither', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const analyst = await adsPerson(s);
    const stranger = await adsPerson(s);
    const acct = await adAccount(owner.client);
    await new ControlClient(s.pinbox.url, s.pinbox.adminKey).ok('POST', `/ad_accounts/${acct.id}/roles`, { user: analyst.username, role: 'ANALYST' });
    assertError(await analyst.client.post(`/ad_accounts/${acct.id}/bulk/upsert`, { create: { campaigns: [campaignItem()] } }), 403, 29);
    const download = await analyst.client.post(`/ad_accounts/${acct.id}/bulk/download`, {});
    assert.equal(download.status, 200);
    assert.equal((await analyst.client.get(`/ad_accounts/${acct.id}/bulk/${download.body.request_id}`)).status, 200);
    assertError(await stranger.client.get(`/ad_accounts/${acct.id}/bulk/${download.body.request_id}`), 403, 29);
    assertError(await stranger.client.post(`/ad_accounts/${acct.id}/bulk/download`, {}), 403, 29);
    assertError(await owner.client.get(`/ad_accounts/${acct.id}/bulk/999`), 404, 404);
  });

  test('a role taken away before the request runs fails it: FAILED, the refusal in the file, nothing written', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const manager = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const control = new ControlClient(s.pinbox.url, s.pinbox.adminKey);
    const grant = { user: manager.username, role: 'CAMPAIGN_MANAGER' };
    await control.ok('POST', `/ad_accounts/${acct.id}/roles`, grant);
    const submitted = await manager.client.post(`/ad_accounts/${acct.id}/bulk/upsert`, { create: { campaigns: [campaignItem()] } });
    assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
    assert.equal((await control.request('DELETE', `/ad_accounts/${acct.id}/roles`, grant)).status, 204);
    const done = await finished(s, owner.client, acct.id, submitted.body.request_id);
    assert.equal(done.status, 'FAILED');
    const { error } = JSON.parse((await fetchFile(done.result_url)).text);
    assert.equal(error.code, 29);
    assert.match(error.message, new RegExp(acct.id));
    assert.deepEqual((await owner.client.get(`/ad_accounts/${acct.id}/campaigns`)).body.items, []);
  });
});

describe('bulk/download', () => {
  test('download, change, upsert back: the same state, with only the changes', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const { acct, campaign, group, ad } = await adTree(owner.client);
    await s.pinbox.control.reviewAd(ad.id, { review_status: 'APPROVED' });
    const submitted = await owner.client.post(`/ad_accounts/${acct.id}/bulk/download`, { entity_types: ['CAMPAIGN', 'AD_GROUP', 'AD'] });
    const done = await finished(s, owner.client, acct.id, submitted.body.request_id);
    assert.equal(done.status, 'SUCCEEDED');
    const file = JSON.parse((await fetchFile(done.result_url)).text);
    assert.deepEqual(Object.keys(file).sort(), ['ad_groups', 'ads', 'campaigns']);
    const get = async (kind: string, id: string) => (await owner.client.get(`/ad_accounts/${acct.id}/${kind}/${id}`)).body;
    assert.deepEqual(file.campaigns, [await get('campaigns', campaign.id)]);
    assert.deepEqual(file.ad_groups, [await get('ad_groups', group.id)]);
    assert.deepEqual(file.ads, [await get('ads', ad.id)]);

    // Given back unchanged, nothing changes but the update times; the approved ad is not sent back to review.
    const same = await owner.client.post(`/ad_accounts/${acct.id}/bulk/upsert`, { update: file });
    assert.equal((await finished(s, owner.client, acct.id, same.body.request_id)).status, 'SUCCEEDED');
    assert.deepEqual(unstamped(await get('campaigns', campaign.id)), unstamped(file.campaigns[0]));
    assert.deepEqual(unstamped(await get('ad_groups', group.id)), unstamped(file.ad_groups[0]));
    assert.deepEqual(unstamped(await get('ads', ad.id)), unstamped(file.ads[0]));

    const changed = structuredClone(file);
    changed.campaigns[0].name = 'Renamed in bulk';
    changed.ad_groups[0].budget_in_micro_currency = 20_000_000;
    changed.ads[0].status = 'PAUSED';
    const upsert = await owner.client.post(`/ad_accounts/${acct.id}/bulk/upsert`, { update: changed });
    const upserted = await finished(s, owner.client, acct.id, upsert.body.request_id);
    assert.equal(upserted.status, 'SUCCEEDED', (await fetchFile(upserted.result_url)).text);
    const expected = (entity: any, change: Record<string, unknown>) => unstamped({ ...entity, ...change });
    assert.deepEqual(unstamped(await get('campaigns', campaign.id)), expected(file.campaigns[0], { name: 'Renamed in bulk' }));
    assert.deepEqual(unstamped(await get('ad_groups', group.id)), expected(file.ad_groups[0], { budget_in_micro_currency: 20_000_000 }));
    assert.deepEqual(unstamped(await get('ads', ad.id)), expected(file.ads[0], { status: 'PAUSED', summary_status: 'PAUSED' }));
  });

  test('entity_ids take descendants, campaign_filter and output_format CSV; archived entities are left out', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const { acct, campaign, group, ad } = await adTree(owner.client);
    const other = await madeEntity(owner.client, acct.id, 'campaigns', campaignItem({ name: 'Other campaign', objective_type: 'AWARENESS' }));
    const archived = await madeEntity(owner.client, acct.id, 'campaigns', campaignItem());
    await owner.client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: archived.id, status: 'ARCHIVED' }]);

    const byIds = await owner.client.post(`/ad_accounts/${acct.id}/bulk/download`, { entity_ids: [campaign.id] });
    const idsFile = JSON.parse((await fetchFile((await finished(s, owner.client, acct.id, byIds.body.request_id)).result_url)).text);
    assert.deepEqual([idsFile.campaigns.map((c: any) => c.id), idsFile.ad_groups.map((g: any) => g.id), idsFile.ads.map((a: any) => a.id)], [[campaign.id], [group.id], [ad.id]]);

    const filtered = await owner.client.post(`/ad_accounts/${acct.id}/bulk/download`, { campaign_filter: { objective_type: ['AWARENESS'] }, entity_types: ['CAMPAIGN', 'AD'] });
    const filteredFile = JSON.parse((await fetchFile((await finished(s, owner.client, acct.id, filtered.body.request_id)).result_url)).text);
    assert.deepEqual(filteredFile, { campaigns: [await (await owner.client.get(`/ad_accounts/${acct.id}/campaigns/${other.id}`)).body], ads: [] });

    const csv = await owner.client.post(`/ad_accounts/${acct.id}/bulk/download`, { output_format: 'CSV', entity_types: ['CAMPAIGN', 'AD_GROUP'] });
    const csvFile = await fetchFile((await finished(s, owner.client, acct.id, csv.body.request_id)).result_url);
    assert.match(csvFile.type ?? '', /text\/csv/);
    const lines = csvFile.text.trim().split('\n');
    const header = lines[0].split(',');
    assert.deepEqual(header.slice(0, 3), ['entity_type', 'id', 'ad_account_id']);
    assert.deepEqual(lines.slice(1).map((line) => line.split(',').slice(0, 2).join(',')).sort(), [`AD_GROUP,${group.id}`, `CAMPAIGN,${campaign.id}`, `CAMPAIGN,${other.id}`].sort());
  });

  test('the result URL is signed and expires on the clock, refused as S3 refuses', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const submitted = await owner.client.post(`/ad_accounts/${acct.id}/bulk/download`, {});
    const { result_url: url } = await finished(s, owner.client, acct.id, submitted.body.request_id);
    assert.equal((await fetchFile(url)).status, 200);
    const forged = await fetchFile(url.replace(/signature=[0-9a-f]/, (m: string) => (m.endsWith('0') ? m.slice(0, -1) + '1' : m.slice(0, -1) + '0')));
    assert.deepEqual([forged.status, /<Code>SignatureDoesNotMatch<\/Code>/.test(forged.text)], [403, true]);
    await s.pinbox.clock.advance('5m1s');
    const expired = await fetchFile(url);
    assert.deepEqual([expired.status, /<Code>AccessDenied<\/Code>/.test(expired.text)], [403, true]);
    const fresh = await owner.client.get(`/ad_accounts/${acct.id}/bulk/${submitted.body.request_id}`);
    assert.equal((await fetchFile(fresh.body.result_url)).status, 200);
  });
});

test('a request left RUNNING by a stopped process is carried out by the next one on the same --data store when the clock says', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-bulk-restart-'));
  const data = join(dir, 'pinbox.db');
  try {
    const first = await startTestPinbox({ data, port: 0 });
    const s = { pinbox: first, api: new Client(first.url, first.token) };
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const item = campaignItem();
    const submitted = await owner.client.post(`/ad_accounts/${acct.id}/bulk/upsert`, { create: { campaigns: [item] } });
    assert.equal(submitted.status, 200);
    await first.close();

    const second = await startTestPinbox({ data, port: 0 });
    try {
      const again = new Client(second.url, owner.client.token);
      assert.deepEqual((await again.get(`/ad_accounts/${acct.id}/campaigns`)).body.items, []);
      await second.clock.advance('10s');
      // Read through the list, not the status: the restarted process's clock task did the work.
      assert.deepEqual((await again.get(`/ad_accounts/${acct.id}/campaigns`)).body.items.map((c: any) => c.name), [item.name]);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
