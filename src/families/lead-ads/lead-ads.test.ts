/**
 * Lead ads over HTTP: lead forms checked item by item, subscriptions (Owner and
 * Admin only) with their AES-256-GCM key, a test lead and a simulated one POSTed
 * to a webhook this test serves, decrypted with the key, retried after a 503 on
 * pinbox's clock and not after a 400, and a leads export. Every /v5 answer is
 * checked against the spec.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { assertError, createBoard, createPin, useServer, type Client, type TestServer } from '../../../test/harness.js';
import { ControlClient } from '../../../test/control.js';
import { adAccount, adGroupItem, adsPerson, campaignItem, madeEntity } from '../../../test/ads.js';
import { open } from './envelope.js';

const server = useServer();

/** A webhook on 127.0.0.1: answers each POST with the next status queued (200 when none), and hands over what it received. */
class Webhook {
  private readonly server: Server;
  private readonly statuses: number[] = [];
  private readonly waiting: ((body: any) => void)[] = [];
  private readonly received: any[] = [];
  url = '';

  constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk) => chunks.push(chunk));
      request.on('end', () => {
        const status = this.statuses.shift() ?? 200;
        response.writeHead(status, { 'content-type': 'text/plain' }).end(String(status));
        const body = { path: request.url, headers: request.headers, json: JSON.parse(Buffer.concat(chunks).toString('utf8')), answered: status };
        const waiter = this.waiting.shift();
        if (waiter) waiter(body);
        else this.received.push(body);
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${address.port}`;
  }

  answerNext(...statuses: number[]): void {
    this.statuses.push(...statuses);
  }

  /** The next POST received (or one already waiting). */
  next(): Promise<any> {
    const ready = this.received.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const webhook = new Webhook();
before(() => webhook.start());
after(() => webhook.close());

const privacy = 'https://example.com/privacy';
const formItem = (extra: Record<string, unknown> = {}) => ({
  name: 'Newsletter',
  status: 'ACTIVE',
  privacy_policy_link: privacy,
  has_accepted_terms: true,
  completion_message: 'Thanks!',
  questions: [
    { question_type: 'FULL_NAME' },
    { question_type: 'EMAIL' },
    { question_type: 'CUSTOM', custom_question_field_type: 'RADIO_LIST', custom_question_label: 'Colour?', custom_question_options: ['red', 'blue'] },
  ],
  ...extra,
});

async function madeForm(client: Client, accountId: string, extra: Record<string, unknown> = {}): Promise<any> {
  const response = await client.post(`/ad_accounts/${accountId}/lead_forms`, [formItem(extra)]);
  assert.equal(response.status, 200, JSON.stringify(response.body));
  assert.deepEqual(response.body.items[0].exceptions, []);
  return response.body.items[0].data;
}

const control = (s: TestServer) => new ControlClient(s.pinbox.url, s.pinbox.adminKey);

/** The account's deliveries once `ready` holds of them: the webhook has its request before pinbox records the answer. */
async function deliveriesOnce(s: TestServer, accountId: string, ready: (items: any[]) => boolean): Promise<any[]> {
  for (let i = 0; ; i++) {
    const { items } = await control(s).ok('GET', `/ad_accounts/${accountId}/lead_deliveries`);
    if (ready(items) || i === 200) return items;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('lead forms', () => {
  test('a batch: each item checked alone, the good made and the bad refused naming the field; listed, got, updated; an unknown form is 404 code 4842', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const path = `/ad_accounts/${acct.id}/lead_forms`;
    const made = await owner.client.post(path, [
      formItem({ status: 'DRAFT' }),
      formItem({ has_accepted_terms: false }),
      formItem({ questions: [] }),
      formItem({ questions: [{ question_type: 'CUSTOM', custom_question_field_type: 'CHECKBOX', custom_question_label: 'Which?' }] }),
      formItem({ privacy_policy_link: 'nope' }),
      { name: 'missing' },
    ]);
    assert.equal(made.status, 200);
    const [good, ...bad] = made.body.items;
    assert.equal(good.data.status, 'DRAFT');
    assert.equal(good.data.questions.length, 3);
    for (const [item, field] of bad.map((b: any, i: number) => [b, ['has_accepted_terms', 'questions', 'questions[0].custom_question_options', 'privacy_policy_link', 'questions'][i]])) {
      assert.equal(item.data, undefined);
      assert.ok(item.exceptions[0].message.includes(`'${field}'`), `${field}: ${item.exceptions[0].message}`);
    }
    const listed = await owner.client.get(path);
    assert.deepEqual(listed.body.items.map((f: any) => f.id), [good.data.id]);
    const updated = await owner.client.patch(path, [{ id: good.data.id, status: 'ACTIVE', name: 'Renamed' }, { id: '123' }]);
    assert.equal(updated.body.items[0].data.name, 'Renamed');
    assert.equal(updated.body.items[1].exceptions[0].code, 4842);
    const locked = await owner.client.patch(path, [{ id: good.data.id, questions: [{ question_type: 'EMAIL' }] }]);
    assert.match(locked.body.items[0].exceptions[0].message, /'questions' cannot change once the form is ACTIVE/);
    assert.equal((await owner.client.get(`${path}/${good.data.id}`)).body.name, 'Renamed');
    assertError(await owner.client.get(`${path}/123`), 404, 4842);
  });
});

describe('lead subscriptions and delivery', () => {
  test('Owner or Admin only; one per form; the key given once; a bad webhook_url is a 400; delete is 204', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const manager = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const form = await madeForm(owner.client, acct.id);
    await control(s).ok('POST', `/ad_accounts/${acct.id}/roles`, { user: manager.username, role: 'CAMPAIGN_MANAGER' });
    const path = `/ad_accounts/${acct.id}/leads/subscriptions`;
    assertError(await manager.client.post(path, { webhook_url: `${webhook.url}/x`, lead_form_id: form.id }), 403, 29);
    assertError(await owner.client.post(path, { webhook_url: 'http://example.com/hook' }), 400, 1, 'webhook_url');
    assertError(await owner.client.post(path, { webhook_url: `${webhook.url}/x`, lead_form_id: '123' }), 404, 4842);
    const made = await owner.client.post(path, { webhook_url: `${webhook.url}/x`, lead_form_id: form.id });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.cryptographic_algorithm, 'AES-256-GCM');
    assert.equal(Buffer.from(made.body.cryptographic_key, 'base64').length, 32);
    assert.equal(made.body.user_account_id, owner.id);
    assert.ok(made.body.created_time > 1e12, 'created_time is in milliseconds');
    assertError(await owner.client.post(path, { webhook_url: `${webhook.url}/y`, lead_form_id: form.id }), 400, 1, 'lead_form_id');
    const got = await owner.client.get(`${path}/${made.body.id}`);
    assert.equal(got.body.cryptographic_key, null);
    assert.ok(!JSON.stringify((await s.pinbox.snapshot()).tables.lead_subscriptions).includes(made.body.cryptographic_key), 'the key is not kept in the clear');
    assert.deepEqual((await owner.client.get(path)).body.items.map((x: any) => x.id), [made.body.id]);
    assertError(await manager.client.get(path), 403, 29);
    assert.equal((await owner.client.delete(`${path}/${made.body.id}`)).status, 204);
    assertError(await owner.client.get(`${path}/${made.body.id}`), 404, 404);
  });

  test('a test lead reaches the webhook, decrypts with the subscription key, and is retried after a 503 on the clock; a 400 is not retried', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const form = await madeForm(owner.client, acct.id);
    const sub = (await owner.client.post(`/ad_accounts/${acct.id}/leads/subscriptions`, { webhook_url: `${webhook.url}/leads?t=1` })).body;
    const key = Buffer.from(sub.cryptographic_key, 'base64');

    assertError(await owner.client.post(`/ad_accounts/${acct.id}/lead_forms/${form.id}/test`, { answers: ['Ann'] }), 400, 1, 'answers');
    webhook.answerNext(503);
    const tested = await owner.client.post(`/ad_accounts/${acct.id}/lead_forms/${form.id}/test`, { answers: ['Ann Lee', 'ann@example.com', 'blue'] });
    assert.equal(tested.status, 200, JSON.stringify(tested.body));
    assert.deepEqual(tested.body, { subscription_id: sub.id });

    const first = await webhook.next();
    assert.equal(first.answered, 503);
    assert.equal(first.path, '/leads?t=1');
    assert.equal(first.headers.authorization, undefined, 'Pinterest sends no auth');
    assert.equal(first.json.cryptographic_algorithm, 'AES-256-GCM');
    const [lead] = JSON.parse(open(key, first.json.encrypted_leads));
    assert.equal(lead.lead_form_id, form.id);
    assert.equal(lead.is_test, true);
    assert.deepEqual(lead.answers.map((a: any) => [a.question, a.answer]), [['FULL_NAME', 'Ann Lee'], ['EMAIL', 'ann@example.com'], ['Colour?', 'blue']]);
    assert.throws(() => open(Buffer.alloc(32), first.json.encrypted_leads), 'another key does not open it');

    const waiting = await deliveriesOnce(s, acct.id, (items) => items[0]?.tries.length === 1);
    assert.equal(waiting[0].state, 'PENDING');
    assert.deepEqual(waiting[0].tries.map((t: any) => t.status), [503]);
    const retried = webhook.next();
    await s.pinbox.clock.advance('31s');
    const second = await retried;
    assert.equal(second.answered, 200);
    assert.equal(JSON.parse(open(key, second.json.encrypted_leads))[0].lead_id, lead.lead_id, 'the same lead, to be deduplicated by lead_id');
    const done = await deliveriesOnce(s, acct.id, (items) => items[0]?.tries.length === 2);
    assert.equal(done[0].state, 'DELIVERED');
    assert.deepEqual(done[0].tries.map((t: any) => t.status), [503, 200]);

    // Pinterest: retried only on 429 and 5xx.
    webhook.answerNext(400);
    await owner.client.post(`/ad_accounts/${acct.id}/lead_forms/${form.id}/test`, { answers: ['Bo', 'bo@example.com', 'red'] });
    assert.equal((await webhook.next()).answered, 400);
    await deliveriesOnce(s, acct.id, (items) => items[0]?.tries.length === 1);
    await s.pinbox.clock.advance('10m');
    const refused = await deliveriesOnce(s, acct.id, () => true);
    assert.equal(refused[0].state, 'FAILED');
    assert.equal(refused[0].attempts, 1);
  });

  test('a lead from a serving lead ad goes to the webhook and into a leads export of that ad', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const form = await madeForm(owner.client, acct.id);
    const sub = (await owner.client.post(`/ad_accounts/${acct.id}/leads/subscriptions`, { webhook_url: `${webhook.url}/ads`, lead_form_id: form.id })).body;
    const campaign = await madeEntity(owner.client, acct.id, 'campaigns', campaignItem({ objective_type: 'CONSIDERATION' }));
    const group = await madeEntity(owner.client, acct.id, 'ad_groups', adGroupItem(campaign.id));
    const pin = await createPin(owner.client, (await createBoard(owner.client)).id, { link: 'https://example.com/lead' });
    const ad = await madeEntity(owner.client, acct.id, 'ads', { ad_group_id: group.id, pin_id: pin.id, creative_type: 'REGULAR', lead_form_id: form.id });
    const refused = await control(s).request('POST', `/ads/${ad.id}/leads`, { answers: ['Cy', 'cy@example.com', 'red'] });
    assert.equal(refused.status, 400, 'an ad under review is not serving');
    await control(s).ok('POST', `/ads/${ad.id}/review`, { review_status: 'APPROVED' });
    const simulated = await control(s).ok('POST', `/ads/${ad.id}/leads`, { answers: ['Cy', 'cy@example.com', 'red'] });
    assert.equal(simulated.deliveries, 1);
    const delivered = await webhook.next();
    const [lead] = JSON.parse(open(Buffer.from(sub.cryptographic_key, 'base64'), delivered.json.encrypted_leads));
    assert.equal(lead.ad_id, ad.id);
    assert.equal(lead.is_test, false);

    const today = new Date(s.pinbox.clock.now()).toISOString().slice(0, 10);
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/leads_export`, { ad_id: '123', start_date: today, end_date: today }), 400, 1, 'ad_id');
    assertError(await owner.client.post(`/ad_accounts/${acct.id}/leads_export`, { ad_id: ad.id, start_date: '2000-01-01', end_date: today }), 400, 1, 'start_date');
    const asked = await owner.client.post(`/ad_accounts/${acct.id}/leads_export`, { ad_id: ad.id, start_date: today, end_date: today });
    assert.equal(asked.status, 200, JSON.stringify(asked.body));
    const exportPath = `/ad_accounts/${acct.id}/leads_export/${asked.body.leads_export_id}`;
    assert.deepEqual((await owner.client.get(exportPath)).body, { export_status: 'IN_PROGRESS', download_url: null });
    await s.pinbox.clock.advance('2m');
    const finished = await owner.client.get(exportPath);
    assert.equal(finished.body.export_status, 'FINISHED');
    const file = await fetch(finished.body.download_url);
    assert.equal(file.status, 200);
    const csv = await file.text();
    assert.match(csv, /^lead_id,created_time,lead_form_id,ad_id,FULL_NAME,EMAIL,Colour\?\n/);
    assert.ok(csv.includes(`${lead.lead_id},`) && csv.includes('cy@example.com'));
    const forged = new URL(finished.body.download_url);
    forged.searchParams.set('signature', 'f'.repeat(64));
    assert.equal((await fetch(forged)).status, 403);
  });
});

describe('the store', () => {
  test('fixtures make customer lists (matched at once) and lead forms; a snapshot brings back a subscription whose key still seals leads; a user reset takes it all away', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const name = `fixture leads ${Date.now()}`;
    const fan = `fan${Date.now()}`;
    const made = await control(s).ok('POST', '/fixtures', {
      users: [{ username: fan }],
      ad_accounts: [{ name, owner: owner.username }],
      customer_lists: [
        { ad_account: name, name: 'Big', records: [...Array.from({ length: 99 }, (_, n) => `member-${n}@population.pinbox.test`), `${fan}@users.pinbox.test`] },
        { ad_account: name, name: 'Small', records: 'member-1@population.pinbox.test' },
      ],
      lead_forms: [{ ad_account: name, key: 'club', ...formItem() }],
    });
    assert.deepEqual(made.customer_lists.map((l: any) => l.status), ['READY', 'TOO_SMALL']);
    const acctId = made.ad_accounts[0].id;
    const lists = await owner.client.get(`/ad_accounts/${acctId}/customer_lists`);
    assert.deepEqual(lists.body.items.map((l: any) => l.status), ['READY', 'TOO_SMALL']);
    const formId = made.lead_forms[0].id;
    assert.equal((await owner.client.get(`/ad_accounts/${acctId}/lead_forms/${formId}`)).body.name, 'Newsletter');
    const other = `${name} 2`;
    const bad = await control(s).request('POST', '/fixtures', {
      ad_accounts: [{ name: other, owner: owner.username }],
      lead_forms: [{ ad_account: other, ...formItem({ has_accepted_terms: false }) }],
    });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /lead_forms\[0\].*has_accepted_terms/);

    const sub = (await owner.client.post(`/ad_accounts/${acctId}/leads/subscriptions`, { webhook_url: `${webhook.url}/restored` })).body;
    const snapshot = await control(s).ok('GET', '/snapshot');
    await control(s).ok('POST', '/reset', { user: owner.username });
    assertError(await owner.client.get(`/ad_accounts/${acctId}/lead_forms/${formId}`), 404, 2626);
    await control(s).ok('PUT', '/snapshot', snapshot);
    await owner.client.post(`/ad_accounts/${acctId}/lead_forms/${formId}/test`, { answers: ['Di', 'di@example.com', 'red'] });
    const delivered = await webhook.next();
    assert.equal(delivered.path, '/restored');
    assert.equal(JSON.parse(open(Buffer.from(sub.cryptographic_key, 'base64'), delivered.json.encrypted_leads))[0].answers[0].answer, 'Di');
  });
});
