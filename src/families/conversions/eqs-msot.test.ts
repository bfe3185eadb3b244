/**
 * The event quality score computed from the events pinbox recorded
 * (`conversion_eqs/list`), and MSOT events (`msot_events/create`) checked as the
 * spec says and recorded once per event_id. Every answer is checked against the
 * spec by the harness.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { assertError, useServer, type TestServer } from '../../../test/harness.js';
import { adAccount, adsPerson, adTree } from '../../../test/ads.js';

const server = useServer();

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const nowSeconds = (s: TestServer) => Math.floor(s.pinbox.clock.now() / 1000);

let serial = 0;
function event(s: TestServer, extra: Record<string, unknown> = {}): Record<string, unknown> {
  serial += 1;
  return { event_name: 'checkout', action_source: 'web', event_time: nowSeconds(s) - 60, event_id: `eqs-${serial}-${Date.now()}`, ...extra };
}

/** The rows of a table for one ad account, read from a snapshot of the store. */
async function rowsOf(s: TestServer, table: string, accountId: string): Promise<Record<string, unknown>[]> {
  const t = (await s.pinbox.snapshot()).tables[table];
  return t.rows.map((row) => Object.fromEntries(t.columns.map((c, i) => [c, row[i]]))).filter((row) => row.ad_account_id === accountId);
}

async function tokenWith(s: TestServer, username: string, scopes: string[]) {
  const { token } = await s.pinbox.admin.issueToken({ username, scopes });
  return s.api.withToken(token);
}

describe('conversion_eqs/list', () => {
  test('coverage per platform and event name, and the overall status, come from the events recorded; filters and the lookback window apply', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const path = `/ad_accounts/${acct.id}/conversion_eqs`;
    const empty = await owner.client.get(path, { query: { lookback_period: '14d' } });
    assert.equal(empty.status, 200);
    assert.deepEqual(empty.body, []);

    const ipUa = { client_ip_address: '1.2.3.4', client_user_agent: 'Mozilla/5.0' };
    const data = [
      event(s, { user_data: { em: [sha256('a@example.com')], ...ipUa }, custom_data: { currency: 'USD', value: '10', order_id: 'o-1' }, event_source_url: 'https://example.com/c' }),
      event(s, { user_data: { em: [sha256('b@example.com')], ...ipUa } }),
      event(s, { user_data: { ...ipUa } }),
      event(s, { event_name: 'lead', action_source: 'app_ios', user_data: { hashed_maids: [sha256('maid-1')], ...ipUa } }),
    ];
    const sent = await owner.client.post(`/ad_accounts/${acct.id}/events`, { data });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));

    const answer = await owner.client.get(path, { query: { lookback_period: '14d' } });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body.map((e: any) => e.source_platform), ['MOBILE_IOS', 'WEB']);
    const [ios, web] = answer.body;
    for (const item of answer.body) {
      assert.equal(item.ingestion_source, 'CONVERSIONS_API');
      assert.equal(item.lookback_period, '14d');
    }
    const qc = web.quality_components;
    assert.equal(qc.hashed_email.checkout.coverage, 66.67);
    assert.equal(qc.ip_address.checkout.coverage, 100);
    assert.equal(qc.order_id.checkout.coverage, 33.33);
    assert.equal(qc.order_value.checkout.coverage, 33.33);
    assert.equal(qc.source_url.checkout.coverage, 33.33);
    assert.equal(qc.hashed_maid.checkout.coverage, 0);
    assert.deepEqual(qc.external_event_id.checkout, { coverage: 100, overlap: 0, issues: [] });
    assert.equal(qc.hashed_maid.checkout.issues[0].id, 'low_hashed_maid_coverage');
    // 6 × 2/3 keyed + IP 1 + user agent 1 = 6 points: FAIR. iOS: 6 + 1 + 1 = 8: GOOD.
    assert.equal(web.overall_status, 'FAIR');
    assert.equal(ios.overall_status, 'GOOD');
    assert.equal(ios.quality_components.hashed_maid.lead.coverage, 100);
    assert.equal(ios.quality_components.hashed_email.lead.coverage, 0);

    const webOnly = await owner.client.get(path, { query: { lookback_period: '14d', source_platform: 'WEB' } });
    assert.deepEqual(webOnly.body.map((e: any) => e.source_platform), ['WEB']);
    const tagOnly = await owner.client.get(path, { query: { lookback_period: '14d', ingestion_source: 'TAG' } });
    assert.deepEqual(tagOnly.body, []);

    // Two days on, the events are outside a 1-day lookback and inside a 14-day one.
    await s.pinbox.clock.advance('2d');
    assert.deepEqual((await owner.client.get(path, { query: { lookback_period: '1d' } })).body, []);
    assert.equal((await owner.client.get(path, { query: { lookback_period: '14d' } })).body.length, 2);
  });

  test('lookback_period is required and checked; ads:read is needed; a stranger to the account is refused', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const path = `/ad_accounts/${acct.id}/conversion_eqs`;
    assertError(await owner.client.get(path), 400, 1, 'lookback_period');
    assertError(await owner.client.get(path, { query: { lookback_period: '7d' } }), 400, 1, 'lookback_period');
    assertError(await owner.client.get(path, { query: { lookback_period: '1d', source_platform: 'TV' } }), 400, 1, 'source_platform');
    const writeOnly = await tokenWith(s, owner.username, ['ads:write']);
    assert.equal((await writeOnly.get(path, { query: { lookback_period: '1d' } })).status, 401);
    const stranger = await adsPerson(s);
    assertError(await stranger.client.get(path, { query: { lookback_period: '1d' } }), 403, 29);
  });
});

describe('msot_events/create', () => {
  test('a valid event answers 200 with no body and is recorded once per event_id; it never reaches the conversions read', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const { acct, campaign, group } = await adTree(owner.client);
    const accountId: string = acct.id;
    const body = {
      event_id: `msot-${Date.now()}`,
      event_name: 'checkout',
      event_timestamp: nowSeconds(s) - 3600,
      ad_group_id: group.id,
      campaign_id: campaign.id,
      attribution_scope: 'click',
      attribution_model: 'multi_touch',
      attribution_score: 0.5,
      action_timestamps: [nowSeconds(s) - 7200],
      total_events: 1,
      total_event_touchpoints: 2,
      value: 123.45,
      currency: 'USD',
    };
    const sent = await owner.client.post(`/ad_accounts/${accountId}/msot/events`, body);
    assert.equal(sent.status, 200);
    assert.equal(sent.body, undefined);
    const again = await owner.client.post(`/ad_accounts/${accountId}/msot/events`, { ...body, value: 1 });
    assert.equal(again.status, 200);
    const rows = await rowsOf(s, 'msot_events', accountId);
    assert.equal(rows.length, 1);
    assert.equal(rows[0].value_micro, 123_450_000);
    assert.equal(rows[0].attribution_scope, 'click');
    assert.equal(rows[0].campaign_id, campaign.id);
    assert.deepEqual(await rowsOf(s, 'conversion_events', accountId), []);
    // A lead needs no value; campaign_id is optional and taken from the ad group.
    const lead = await owner.client.post(`/ad_accounts/${accountId}/msot/events`, { event_id: 'lead-1', event_name: 'lead', event_timestamp: nowSeconds(s), ad_group_id: group.id, attribution_scope: 'view' });
    assert.equal(lead.status, 200);
    assert.equal((await rowsOf(s, 'msot_events', accountId)).length, 2);
  });

  test('each rule of the spec is a 400 code 4196 naming the field; the scope msot:write is needed; the ad group must be the account\'s', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const { acct, group } = await adTree(owner.client);
    const accountId: string = acct.id;
    const path = `/ad_accounts/${accountId}/msot/events`;
    const base = { event_id: 'e-1', event_name: 'lead', event_timestamp: nowSeconds(s), ad_group_id: group.id, attribution_scope: 'click' };
    const cases: [Record<string, unknown>, string][] = [
      [{ event_id: undefined }, 'event_id'],
      [{ event_id: 'x'.repeat(257) }, 'event_id'],
      [{ event_name: 'page_visit' }, 'event_name'],
      [{ event_timestamp: '1700000000' }, 'event_timestamp'],
      [{ ad_group_id: 'ag-1' }, 'ad_group_id'],
      [{ attribution_scope: 'impression' }, 'attribution_scope'],
      [{ attribution_model: 'linear' }, 'attribution_model'],
      [{ attribution_score: 0 }, 'attribution_score'],
      [{ attribution_score: 1.5 }, 'attribution_score'],
      [{ total_events: 0 }, 'total_events'],
      [{ total_event_touchpoints: 1.5 }, 'total_event_touchpoints'],
      [{ action_timestamps: ['soon'] }, 'action_timestamps'],
      [{ event_name: 'add_to_cart' }, 'value'],
      [{ value: 10 }, 'currency'],
      [{ value: 10, currency: 'XYZ' }, 'currency'],
      [{ colour: 'red' }, 'colour'],
      [{ ad_group_id: '123456789' }, 'ad_group_id'],
      [{ campaign_id: '123456789' }, 'campaign_id'],
    ];
    for (const [extra, field] of cases) {
      const body: Record<string, unknown> = { ...base, ...extra };
      for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
      assertError(await owner.client.post(path, body), 400, 4196, field);
    }
    assert.deepEqual(await rowsOf(s, 'msot_events', accountId), []);
    const adsOnly = await tokenWith(s, owner.username, ['ads:write', 'ads:read']);
    assert.equal((await adsOnly.post(path, base)).status, 401);
    const stranger = await adsPerson(s);
    assertError(await stranger.client.post(path, base), 403, 29);
    assert.equal((await owner.client.post(path, base)).status, 200);
  });
});
