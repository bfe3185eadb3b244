/** Helpers of the ads tests: a business user, an ad account, entities made through the API. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createBoard, createPin, unique, type Client, type TestServer } from './harness.js';

/** A user with every scope; business unless `personal`. */
export async function adsPerson(s: TestServer, personal = false): Promise<{ username: string; id: string; client: Client }> {
  const username = unique('ads');
  const user = await s.pinbox.admin.createUser({ username, accountType: personal ? 'PINNER' : 'BUSINESS' });
  const { token } = await s.pinbox.admin.issueToken({ username });
  return { username, id: user.id, client: s.api.withToken(token) };
}

export async function adAccount(client: Client, body: Record<string, unknown> = {}): Promise<any> {
  const response = await client.post('/ad_accounts', { name: unique('acct'), ...body });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

/** One create item of `kind` under the account; the answer's only item must succeed. */
export async function madeEntity(client: Client, accountId: string, kind: 'campaigns' | 'ad_groups' | 'ads', item: Record<string, unknown>): Promise<any> {
  const response = await client.post(`/ad_accounts/${accountId}/${kind}`, [item]);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  const [only] = response.body.items;
  assert.ok(only.data, `expected ${kind} to be made: ${JSON.stringify(only.exceptions)}`);
  return only.data;
}

/** A CONSIDERATION campaign, an ad group ($4 a click, $500 a day) and an approved ad that serve, and are clicked, as soon as the clock moves. */
export async function servingAd(s: TestServer, client: Client, accountId: string, groupExtra: Record<string, unknown> = {}) {
  const campaign = await madeEntity(client, accountId, 'campaigns', { name: unique('conv'), objective_type: 'CONSIDERATION' });
  const group = await madeEntity(client, accountId, 'ad_groups', { campaign_id: campaign.id, name: 'g', billable_event: 'CLICKTHROUGH', bid_in_micro_currency: 4_000_000, budget_in_micro_currency: 500_000_000, ...groupExtra });
  const pin = await createPin(client, (await createBoard(client)).id, { link: 'https://example.com/p' });
  const ad = await madeEntity(client, accountId, 'ads', { ad_group_id: group.id, pin_id: pin.id, creative_type: 'REGULAR', destination_url: 'https://example.com/a' });
  await s.pinbox.control.reviewAd(ad.id, { review_status: 'APPROVED' });
  return { campaign, group, ad };
}

let eventSerial = 0;
/** `n` Conversions API events of $10 a minute before `nowMs`, by default checkouts on the web by population members pinbox matches. */
export function conversionEvents(nowMs: number, n: number, email = (i: number) => `member-${i}@population.pinbox.test`, extra: Record<string, unknown> = {}): Record<string, unknown>[] {
  const at = Math.floor(nowMs / 1000) - 60;
  return Array.from({ length: n }, (_, i) => ({
    event_name: 'checkout',
    action_source: 'web',
    event_time: at,
    event_id: `evt-${++eventSerial}-${unique('e')}`,
    user_data: { em: [createHash('sha256').update(email(i)).digest('hex')] },
    custom_data: { currency: 'USD', value: '10.00' },
    ...extra,
  }));
}

export const campaignItem = (extra: Record<string, unknown> = {}) => ({ name: unique('camp'), objective_type: 'CONSIDERATION', daily_spend_cap: 50_000_000, ...extra });
export const adGroupItem = (campaignId: string, extra: Record<string, unknown> = {}) => ({
  campaign_id: campaignId,
  name: unique('group'),
  billable_event: 'CLICKTHROUGH',
  budget_in_micro_currency: 10_000_000,
  bid_in_micro_currency: 1_000_000,
  ...extra,
});

/** An account with a campaign, an ad group and an ad of a Pin of its owner. */
export async function adTree(client: Client, campaignExtra: Record<string, unknown> = {}) {
  const acct = await adAccount(client);
  const campaign = await madeEntity(client, acct.id, 'campaigns', campaignItem(campaignExtra));
  const group = await madeEntity(client, acct.id, 'ad_groups', adGroupItem(campaign.id));
  const pin = await createPin(client, (await createBoard(client)).id, { link: 'https://example.com/promoted' });
  const ad = await madeEntity(client, acct.id, 'ads', { ad_group_id: group.id, pin_id: pin.id, creative_type: 'REGULAR', destination_url: 'https://example.com/a' });
  return { acct, campaign, group, pin, ad };
}

/**
 * Analytics rows' additive columns summed by `DATE` (TOTAL for rows without one):
 * what the add-up checks compare between levels and breakdowns.
 * @example assert.deepEqual(sumsByDate(adRows, ['IMPRESSION_1']), sumsByDate(groupRows, ['IMPRESSION_1']))
 */
export function sumsByDate(rows: readonly any[], columns: readonly string[]): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const row of rows) {
    const key = row.DATE ?? 'TOTAL';
    const sums = out.get(key) ?? Object.fromEntries(columns.map((c) => [c, 0]));
    for (const c of columns) sums[c] += row[c] ?? 0;
    out.set(key, sums);
  }
  return out;
}
