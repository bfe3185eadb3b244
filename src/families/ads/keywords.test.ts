/**
 * Over HTTP: keywords under an ad account, a campaign and an ad group with
 * Pinterest's match-type rules and `{keywords, errors}` answers; labels; targeting
 * templates and their use by ad groups; keywords and labels in bulk upsert and
 * download (JSON and CSV), round-tripping; fixtures, reset and snapshots reaching
 * them. Every answer is checked against the official spec by the harness.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { answeredStatuses, assertError, unique, useServer, walk, type Client, type TestServer } from '../../../test/harness.js';
import { ControlClient } from '../../../test/control.js';
import { adAccount, adGroupItem, adsPerson, campaignItem, madeEntity } from '../../../test/ads.js';

const server = useServer();
const control = () => new ControlClient(server().pinbox.url, server().pinbox.adminKey);

/** An account with one campaign and one ad group under it. */
async function tree(client: Client) {
  const acct = await adAccount(client);
  const campaign = await madeEntity(client, acct.id, 'campaigns', campaignItem());
  const group = await madeEntity(client, acct.id, 'ad_groups', adGroupItem(campaign.id));
  return { acct, campaign, group };
}

async function keywords(client: Client, accountId: string, parentId: string, items: Record<string, unknown>[]): Promise<any> {
  const response = await client.post(`/ad_accounts/${accountId}/keywords`, { parent_id: parentId, keywords: items });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

/** Polls once, moves the clock past the processing time, and answers the file of the finished request. */
async function bulkFile(s: TestServer, client: Client, accountId: string, path: 'upsert' | 'download', body: unknown): Promise<{ status: string; text: string }> {
  const submitted = await client.post(`/ad_accounts/${accountId}/bulk/${path}`, body);
  assert.equal(submitted.status, 200, JSON.stringify(submitted.body));
  await s.pinbox.clock.advance('10s');
  const done = await client.get(`/ad_accounts/${accountId}/bulk/${submitted.body.request_id}`);
  assert.equal(done.status, 200, JSON.stringify(done.body));
  return { status: done.body.status, text: await (await fetch(done.body.result_url)).text() };
}

describe('keywords', () => {
  test('every match type on an ad group; only negative ones on a campaign or the ad account, refused in `errors` with what was given', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const { acct, campaign, group } = await tree(owner.client);
    const all = ['BROAD', 'PHRASE', 'EXACT', 'EXACT_NEGATIVE', 'PHRASE_NEGATIVE'];
    const onGroup = await keywords(owner.client, acct.id, `AG${group.id}`, all.map((match_type) => ({ match_type, value: `salad ${match_type.toLowerCase()}` })));
    assert.deepEqual(onGroup.errors, []);
    assert.deepEqual(
      onGroup.keywords.map((k: any) => [k.match_type, k.parent_id, k.parent_type, k.archived, k.bid, k.type]),
      all.map((m) => [m, group.id, 'ad_group', false, null, 'keyword']),
    );
    for (const [parent, type] of [[`C${campaign.id}`, 'campaign'], [acct.id, 'advertiser']] as const) {
      const answer = await keywords(owner.client, acct.id, parent, [{ match_type: 'EXACT', value: 'soup' }, { match_type: 'PHRASE_NEGATIVE', value: 'free soup' }]);
      assert.deepEqual(answer.errors, [{ data: { match_type: 'EXACT', value: 'soup', bid: null, type: 'keyword' }, error_messages: ['Advertisers and Campaigns only accept excluded targeting attributes.'] }]);
      assert.deepEqual(answer.keywords.map((k: any) => [k.value, k.parent_type]), [['free soup', type]]);
    }
    // Bare ids find the campaign or ad group; each rule refuses its item alone.
    const mixed = await keywords(owner.client, acct.id, group.id, [
      { match_type: 'BROAD', value: 'x'.repeat(121) },
      { match_type: 'BROAD', value: 'Salad Broad' },
      { match_type: null, value: 'nothing' },
      { match_type: 'BROAD', value: '   ' },
      { match_type: 'EXACT', value: 'x'.repeat(120), bid: 300_000 },
    ]);
    assert.deepEqual(mixed.keywords.map((k: any) => [k.value.length, k.bid]), [[120, null]]);
    assert.deepEqual(mixed.errors.map((e: any) => e.error_messages[0].match(/'(\w+)'/)?.[1]), ['value', 'value', 'match_type', 'value']);
    const stranger = await keywords(owner.client, acct.id, 'C999', [{ match_type: 'EXACT_NEGATIVE', value: 'a' }]);
    assert.match(stranger.errors[0].error_messages[0], /'parent_id' C999/);
    await owner.client.patch(`/ad_accounts/${acct.id}/campaigns`, [{ id: campaign.id, status: 'ARCHIVED' }]);
    const archived = await keywords(owner.client, acct.id, `C${campaign.id}`, [{ match_type: 'EXACT_NEGATIVE', value: 'late' }]);
    assert.match(archived.errors[0].error_messages[0], /ARCHIVED/);
    // The request's shape is the route's 400, naming the field.
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/keywords`, { keywords: [{ match_type: 'BROAD', value: 'a' }] }), 400, 1, 'parent_id');
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/keywords`, { parent_id: 'X1', keywords: [{ match_type: 'BROAD', value: 'a' }] }), 400, 1, 'parent_id');
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/keywords`, { parent_id: group.id, keywords: [{ match_type: 'WIDE', value: 'a' }] }), 400, 1);
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/keywords`, { parent_id: group.id, keywords: [] }), 400, 1, 'keywords');
  });

  test('list by parent and match type, paged; archiving deletes; only `archived` changes; roles', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const { acct, campaign, group } = await tree(owner.client);
    const other = await madeEntity(owner.client, acct.id, 'ad_groups', adGroupItem(campaign.id));
    const made = (await keywords(owner.client, acct.id, group.id, ['one', 'two', 'three'].map((value) => ({ match_type: 'BROAD', value })))).keywords;
    await keywords(owner.client, acct.id, group.id, [{ match_type: 'EXACT', value: 'four' }]);
    await keywords(owner.client, acct.id, other.id, [{ match_type: 'PHRASE', value: 'five' }]);
    const onAccount = (await keywords(owner.client, acct.id, acct.id, [{ match_type: 'EXACT_NEGATIVE', value: 'cheap' }])).keywords;
    const onCampaign = (await keywords(owner.client, acct.id, campaign.id, [{ match_type: 'PHRASE_NEGATIVE', value: 'used' }])).keywords;
    const path = `/ad_accounts/${acct.id}/keywords`;
    const values = async (query: Record<string, string | number | undefined>) => (await walk(owner.client, path, query)).map((k) => k.value);
    assert.deepEqual(await values({}), ['cheap']);
    assert.deepEqual(await values({ campaign_id: campaign.id }), ['used']);
    assert.deepEqual(await values({ ad_group_id: group.id, page_size: 1 }), ['one', 'two', 'three', 'four']);
    assert.deepEqual(await values({ ad_group_ids: `${group.id},${other.id}`, match_types: 'BROAD,PHRASE' }), ['one', 'two', 'three', 'five']);
    assertError(await owner.client.get(path, { query: { campaign_id: campaign.id, ad_group_id: group.id } }), 400, 1, 'ad_group_id');
    assertError(await owner.client.get(path, { query: { match_types: 'WIDE' } }), 400, 1);

    const update = await owner.client.patch(path, { keywords: [{ id: made[0].id, archived: true }, { id: made[1].id, value: 'changed' }, { id: '999', archived: true }, { id: onAccount[0].id, bid: 5 }] });
    assert.equal(update.status, 200, JSON.stringify(update.body));
    assert.deepEqual(update.body.keywords.map((k: any) => [k.id, k.archived]), [[made[0].id, true], [onAccount[0].id, false]]);
    assert.deepEqual(update.body.errors.map((e: any) => [e.data.id, e.error_messages[0].match(/'(\w+)'/)?.[1]]), [[made[1].id, 'value'], ['999', 'id']]);
    assert.deepEqual(await values({ ad_group_id: group.id }), ['two', 'three', 'four']);
    const again = await owner.client.patch(path, { keywords: [{ id: made[0].id, archived: false }] });
    assert.match(again.body.errors[0].error_messages[0], /ARCHIVED keyword cannot be edited/);
    assertError(await owner.client.patch(path, { keywords: [{ archived: true }] }), 400, 1, 'keywords.0.id');
    assert.deepEqual(onCampaign.length, 1);

    const analyst = await adsPerson(s);
    await control().ok('POST', `/ad_accounts/${acct.id}/roles`, { user: analyst.username, role: 'ANALYST' });
    assert.equal((await analyst.client.get(path, { query: { ad_group_id: group.id } })).status, 200);
    assertError(await analyst.client.post(path, { parent_id: group.id, keywords: [{ match_type: 'BROAD', value: 'no' }] }), 403, 29);
    assertError(await (await adsPerson(s)).client.get(path), 403, 29);
  });
});

describe('labels', () => {
  test('one brand and up to 30 custom labels a campaign, listed by filter, renamed and archived', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const { acct, campaign } = await tree(owner.client);
    const path = `/ad_accounts/${acct.id}/labels`;
    const made = await owner.client.post(path, {
      parent_id: `C${campaign.id}`,
      labels: [{ label_type: 'BRAND', value: 'Acme' }, { label_type: 'BRAND', value: 'Other brand' }, ...Array.from({ length: 31 }, (_, i) => ({ label_type: 'CUSTOM', value: `tag ${i}` }))],
    });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.labels.length, 31);
    assert.deepEqual(made.body.labels[0], { id: made.body.labels[0].id, label_type: 'BRAND', parent_id: campaign.id, parent_type: 'CAMPAIGN', status: 'ACTIVE', value: 'Acme' });
    assert.deepEqual(made.body.errors.map((e: any) => e.data.value), ['Other brand', 'tag 30']);
    assert.match(made.body.errors[1].error_messages[0], /30 CUSTOM labels/);
    assertError(await owner.client.post(path, { parent_id: campaign.id, labels: [{ label_type: 'CUSTOM', value: 'x'.repeat(101) }] }), 400, 1, 'labels.0.value');
    const none = await owner.client.post(path, { parent_id: '12345', labels: [{ label_type: 'CUSTOM', value: 'lost' }] });
    assert.match(none.body.errors[0].error_messages[0], /'parent_id' 12345/);

    const brand = made.body.labels[0];
    const renamed = await owner.client.patch(path, { labels: [{ id: brand.id, value: 'Acme Co' }, { id: made.body.labels[1].id, status: 'ARCHIVED' }, { id: made.body.labels[2].id, value: 'tag 2' }] });
    assert.deepEqual(renamed.body.labels.map((l: any) => [l.value, l.status]), [['Acme Co', 'ACTIVE'], ['tag 0', 'ARCHIVED']]);
    assert.match(renamed.body.errors[0].error_messages[0], /already a CUSTOM label/);
    assert.deepEqual((await walk(owner.client, path, { label_types: 'BRAND' })).map((l) => l.value), ['Acme Co']);
    assert.equal((await walk(owner.client, path, { campaign_ids: campaign.id, page_size: 7 })).length, 30);
    assert.deepEqual((await walk(owner.client, path, { entity_statuses: 'ARCHIVED' })).map((l) => l.value), ['tag 0']);
    assert.deepEqual((await walk(owner.client, path, { label_ids: `${brand.id},${made.body.labels[1].id}`, entity_statuses: 'ACTIVE,ARCHIVED' })).length, 2);
    // An archived label frees its place.
    assert.equal((await owner.client.post(path, { parent_id: campaign.id, labels: [{ label_type: 'CUSTOM', value: 'tag 30' }] })).body.labels.length, 1);
    assertError(await owner.client.get(path, { query: { label_types: 'OTHER' } }), 400, 1);
    assertError(await owner.client.patch(path, { labels: [] }), 400, 1, 'labels');
  });
});

describe('targeting templates', () => {
  test('create, list with sizing and search, update and remove; applied to an ad group it replaces the targeting', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const { acct, campaign, group } = await tree(owner.client);
    const path = `/ad_accounts/${acct.id}/targeting_templates`;
    const created = await owner.client.post(path, {
      name: 'Young gardeners',
      targeting_attributes: { GENDER: ['female'], LOCATION: ['US'], MINIMUM_AGE: '21', MAXIMUM_AGE: '34' },
      keywords: [{ match_type: 'BROAD', value: 'raised beds' }],
      placement_group: 'SEARCH',
      auto_targeting_enabled: false,
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const template = created.body;
    assert.deepEqual([template.status, template.valid, template.placement_group, template.ad_account_id], ['ACTIVE', true, 'SEARCH', acct.id]);
    const second = (await owner.client.post(path, { name: 'Everyone', targeting_attributes: { LOCATION: ['US'] } })).body;
    assert.deepEqual([second.auto_targeting_enabled, second.placement_group, second.keywords], [true, 'ALL', []]);
    assertError(await owner.client.post(path, { name: 'Half an age', targeting_attributes: { MINIMUM_AGE: '21' } }), 400, 1, 'targeting_attributes.MINIMUM_AGE');
    assertError(await owner.client.post(path, { targeting_attributes: {} }), 400, 1, 'name');
    assertError(await owner.client.get(path, { query: { order: 'SIDEWAYS' } }), 400, 1);

    const listed = await walk(owner.client, path, { include_sizing: 'true', order: 'DESCENDING', page_size: 1 } as any);
    assert.deepEqual(listed.map((t) => t.id), [second.id, template.id]);
    const [broad, narrow] = listed.map((t) => t.sizing.reach_estimate);
    assert.ok(narrow.estimate < broad.estimate && narrow.lower_bound <= narrow.estimate && narrow.estimate <= narrow.upper_bound, JSON.stringify(listed.map((t) => t.sizing)));
    assert.deepEqual((await walk(owner.client, path, { search_query: 'GARDEN' })).map((t) => t.id), [template.id]);

    // Applied, the template's targeting replaces the ad group's; no link is kept.
    const applied = await owner.client.patch(`/ad_accounts/${acct.id}/ad_groups`, [{ id: group.id, targeting_template_ids: [template.id] }]);
    assert.deepEqual(applied.body.items[0].exceptions, []);
    const g = applied.body.items[0].data;
    assert.deepEqual([g.targeting_spec, g.placement_group, g.auto_targeting_enabled, g.targeting_template_ids], [template.targeting_attributes, 'SEARCH', false, null]);
    const madeWith = await madeEntity(owner.client, acct.id, 'ad_groups', adGroupItem(campaign.id, { targeting_template_ids: [second.id] }));
    assert.deepEqual(madeWith.targeting_spec, { LOCATION: ['US'] });
    const both = await owner.client.post(`/ad_accounts/${acct.id}/ad_groups`, [adGroupItem(campaign.id, { targeting_template_ids: [second.id], targeting_spec: { GENDER: ['male'] } })]);
    assert.match(both.body.items[0].exceptions[0].message, /'targeting_template_ids'/);

    const updated = await owner.client.patch(path, { id: template.id, operation_type: 'UPDATE', targeting_attributes: { LOCATION: ['CA'] } });
    assert.deepEqual(updated.body.targeting_attributes, { LOCATION: ['CA'] });
    assert.deepEqual((await owner.client.get(`/ad_accounts/${acct.id}/ad_groups/${group.id}`)).body.targeting_spec, template.targeting_attributes, 'a later change leaves the ad group be');
    assertError(await owner.client.patch(path, { id: template.id, operation_type: 'UPDATE' }), 400, 1, 'targeting_attributes');
    const removed = await owner.client.patch(path, { id: template.id, operation_type: 'REMOVE' });
    assert.deepEqual([removed.body.status, removed.body.valid], ['DELETED', false]);
    assert.deepEqual((await walk(owner.client, path)).map((t) => t.id), [second.id]);
    const gone = await owner.client.post(`/ad_accounts/${acct.id}/ad_groups`, [adGroupItem(campaign.id, { targeting_template_ids: [template.id] })]);
    assert.match(gone.body.items[0].exceptions[0].message, /no active targeting template/);
    assertError(await owner.client.patch(path, { id: template.id, operation_type: 'REMOVE' }), 400, 1);
    assertError(await owner.client.patch(path, { id: '999', operation_type: 'REMOVE' }), 404, 404);
  });
});

describe('bulk with keywords and labels', () => {
  test('upsert creates keywords and labels as their routes do; download gives them (JSON and CSV); upsert back round-trips', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const { acct, campaign, group } = await tree(owner.client);
    const upsert = await bulkFile(s, owner.client, acct.id, 'upsert', {
      create: {
        keywords: [
          { parent_id: `AG${group.id}`, keywords: [{ match_type: 'BROAD', value: 'herbs' }, { match_type: 'EXACT', value: 'Crisp basil' }] },
          { parent_id: campaign.id, keywords: [{ match_type: 'EXACT', value: 'plastic' }, { match_type: 'EXACT_NEGATIVE', value: 'plastic' }] },
        ],
        labels: [{ parent_id: campaign.id, labels: [{ label_type: 'BRAND', value: 'Leafy' }] }],
      },
    });
    assert.equal(upsert.status, 'SUCCEEDED', upsert.text);
    const result = JSON.parse(upsert.text);
    assert.deepEqual(result.create.keywords.map((a: any) => [a.keywords.map((k: any) => k.value), a.errors.map((e: any) => e.error_messages[0])]), [
      [['herbs', 'Crisp basil'], []],
      [['plastic'], ['Advertisers and Campaigns only accept excluded targeting attributes.']],
    ]);
    assert.equal(result.create.labels[0].labels[0].value, 'Leafy');
    // Malformed requests are refused at submission, named.
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/bulk/upsert`, { create: { keywords: [{ keywords: [] }] } }), 400, 1, 'create.keywords.0.parent_id');
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/bulk/upsert`, { update: { keywords: [{ archived: true }] } }), 400, 1, 'update.keywords.0.id');

    const download = await bulkFile(s, owner.client, acct.id, 'download', { entity_types: ['CAMPAIGN', 'AD_GROUP', 'KEYWORD', 'LABEL'] });
    const file = JSON.parse(download.text);
    const listed = [...(await walk(owner.client, `/ad_accounts/${acct.id}/keywords`, { ad_group_id: group.id })), ...(await walk(owner.client, `/ad_accounts/${acct.id}/keywords`, { campaign_id: campaign.id }))];
    assert.deepEqual([...file.keywords].sort((a: any, b: any) => (a.id < b.id ? -1 : 1)), listed.sort((a, b) => (a.id < b.id ? -1 : 1)));
    assert.deepEqual(file.labels, await walk(owner.client, `/ad_accounts/${acct.id}/labels`));
    // entity_ids of the ad group keep its keywords only.
    const byIds = JSON.parse((await bulkFile(s, owner.client, acct.id, 'download', { entity_ids: [group.id], entity_types: ['KEYWORD'] })).text);
    assert.deepEqual(byIds.keywords.map((k: any) => k.value).sort(), ['Crisp basil', 'herbs']);
    const csv = await bulkFile(s, owner.client, acct.id, 'download', { output_format: 'CSV', entity_types: ['KEYWORD', 'LABEL'] });
    const rows = csv.text.trim().split('\n').slice(1).map((line) => line.split(',')[0]);
    assert.deepEqual(rows.sort(), ['KEYWORD', 'KEYWORD', 'KEYWORD', 'LABEL']);

    // Back unchanged: the same keywords and labels; then with one archived and one label renamed.
    const same = await bulkFile(s, owner.client, acct.id, 'upsert', { update: file });
    assert.equal(same.status, 'SUCCEEDED', same.text);
    assert.deepEqual(JSON.parse(same.text).update.keywords.flatMap((a: any) => a.errors), []);
    assert.deepEqual(JSON.parse((await bulkFile(s, owner.client, acct.id, 'download', { entity_types: ['KEYWORD', 'LABEL'] })).text), { keywords: file.keywords, labels: file.labels });
    const changed = structuredClone(file);
    const herbs = changed.keywords.find((k: any) => k.value === 'herbs');
    herbs.archived = true;
    changed.labels[0].value = 'Leafy Co';
    const back = await bulkFile(s, owner.client, acct.id, 'upsert', { update: { keywords: changed.keywords, labels: changed.labels } });
    assert.equal(back.status, 'SUCCEEDED', back.text);
    assert.deepEqual((await walk(owner.client, `/ad_accounts/${acct.id}/keywords`, { ad_group_id: group.id })).map((k) => k.value), ['Crisp basil']);
    assert.equal((await walk(owner.client, `/ad_accounts/${acct.id}/labels`))[0].value, 'Leafy Co');
    const renamedBack = await bulkFile(s, owner.client, acct.id, 'upsert', { update: { keywords: [{ ...file.keywords[1], value: 'other' }] } });
    assert.equal(renamedBack.status, 'FAILED');
    assert.match(JSON.parse(renamedBack.text).update.keywords[0].errors[0].error_messages[0], /'value' cannot change/);
  });
});

describe('fixtures, reset and snapshots', () => {
  test('a fixture makes keywords under an account, a campaign and an ad group, and labels, by key; snapshot and reset reach keywords, labels and templates', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const name = unique('kw account');
    const made = await control().ok('POST', '/fixtures', {
      ad_accounts: [{ name, owner: owner.username }],
      campaigns: [{ key: 'c', ad_account: name, name: 'Spring', objective_type: 'CONSIDERATION', daily_spend_cap: 9_000_000 }],
      ad_groups: [{ key: 'g', campaign: 'c', name: 'All', billable_event: 'CLICKTHROUGH', budget_in_micro_currency: 1_000_000, bid_in_micro_currency: 100_000 }],
      keywords: [
        { ad_account: name, match_type: 'EXACT_NEGATIVE', value: 'free' },
        { campaign: 'c', match_type: 'PHRASE_NEGATIVE', value: 'diy' },
        { ad_group: 'g', match_type: 'BROAD', value: 'tulips' },
      ],
      labels: [{ campaign: 'c', label_type: 'BRAND', value: 'Fixture brand' }],
    });
    const acctId = made.ad_accounts[0].id;
    const path = `/ad_accounts/${acctId}/keywords`;
    assert.deepEqual((await walk(owner.client, path)).map((k) => k.value), ['free']);
    const refused = await control().request('POST', '/fixtures', {
      ad_accounts: [{ name: unique('kw bad'), owner: owner.username }],
      keywords: [{ ad_account: 'missing', match_type: 'BROAD', value: 'x' }],
    });
    assert.equal(refused.status, 400);
    assert.match(refused.body.message, /keywords\[0\]\.ad_account/);
    const broadOnAccount = await control().request('POST', '/fixtures', { keywords: [{ ad_account: name, match_type: 'BROAD', value: 'x' }] });
    assert.equal(broadOnAccount.status, 400);
    const labelOnAccount = await control().request('POST', '/fixtures', { labels: [{ ad_account: name, label_type: 'BRAND', value: 'x' }] });
    assert.equal(labelOnAccount.status, 400);
    assert.match(labelOnAccount.body.message, /labels\[0\]/);

    const campaignId = (await walk(owner.client, `/ad_accounts/${acctId}/campaigns`))[0].id;
    await owner.client.post(`/ad_accounts/${acctId}/labels`, { parent_id: campaignId, labels: [{ label_type: 'CUSTOM', value: 'kept' }] });
    await owner.client.post(`/ad_accounts/${acctId}/targeting_templates`, { name: 'kept', targeting_attributes: { LOCATION: ['US'] } });
    const snapshot = await control().ok('GET', '/snapshot');
    await control().ok('POST', '/reset', { user: owner.username });
    assertError(await owner.client.get(path), 404, 2626);
    await control().ok('PUT', '/snapshot', snapshot);
    assert.deepEqual((await walk(owner.client, path, { campaign_id: campaignId })).map((k) => k.value), ['diy']);
    assert.deepEqual((await walk(owner.client, `/ad_accounts/${acctId}/labels`)).map((l) => l.value), ['Fixture brand', 'kept']);
    assert.deepEqual((await walk(owner.client, `/ad_accounts/${acctId}/targeting_templates`)).map((t) => t.name), ['kept']);
    await control().ok('POST', '/reset', {});
    assertError(await owner.client.get(path), 401, 2);
  });
});

test('every keyword, label and targeting template operation was answered here both as it succeeds and as it is refused', () => {
  for (const operationId of ['keywords/create', 'keywords/update', 'keywords/get', 'labels/create', 'labels/update', 'labels/list', 'targeting_template/create', 'targeting_template/update', 'targeting_template/list']) {
    const statuses = answeredStatuses(operationId);
    assert.ok(statuses.some((status) => status < 300), `${operationId} never answered a success here (${statuses.join(', ') || 'not called'})`);
    assert.ok(statuses.some((status) => status >= 400), `${operationId} never answered a refusal here (${statuses.join(', ') || 'not called'})`);
  }
});
