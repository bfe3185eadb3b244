/**
 * Customer lists over HTTP: records matched for real on pinbox's clock (99 matched
 * people is TOO_SMALL, 100 READY, a REMOVE brings it back down), Pinterest's
 * counters, raw records gone from the store once matched, the multipart upload
 * flow, and matching that survives a restart. Every answer is checked against the spec.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertError, Client, startTestPinbox, useServer, type TestServer } from '../../../test/harness.js';
import { adAccount, adsPerson } from '../../../test/ads.js';

const server = useServer();

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const md5 = (text: string) => createHash('md5').update(text).digest('hex');
/** Emails of the seeded population from `from`, `count` of them. */
const population = (from: number, count: number) => Array.from({ length: count }, (_, i) => `member-${from + i}@population.pinbox.test`);

async function matched(s: TestServer, client: Client, accountId: string, listId: string): Promise<any> {
  const processing = await client.get(`/ad_accounts/${accountId}/customer_lists/${listId}`);
  assert.equal(processing.body.status, 'PROCESSING');
  await s.pinbox.clock.advance('6m');
  const done = await client.get(`/ad_accounts/${accountId}/customer_lists/${listId}`);
  assert.equal(done.status, 200);
  return done.body;
}

async function tableText(s: TestServer, ...tables: string[]): Promise<string> {
  const snapshot = await s.pinbox.snapshot();
  return JSON.stringify(tables.map((table) => snapshot.tables[table]));
}

describe('customer lists', () => {
  test('99 matched people is TOO_SMALL, 100 READY, a REMOVE brings it back to TOO_SMALL; the counters count every record sent', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    // Plain, upper-cased and padded, SHA-256 and MD5: all name the same kind of person; unknown people and a duplicate match nobody new.
    const emails = population(0, 99);
    const records = [
      ...emails.slice(0, 40).map((e) => ` ${e.toUpperCase()} `),
      ...emails.slice(40, 80).map(sha256),
      ...emails.slice(80).map(md5),
      emails[0],
      'stranger@example.com',
    ];
    const made = await owner.client.post(`/ad_accounts/${acct.id}/customer_lists`, { name: 'Buyers', records: records.join(',') });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    assert.equal(made.body.status, 'PROCESSING');
    assert.equal(made.body.num_batches, 1);
    assert.equal(made.body.num_uploaded_user_records, 101);
    assert.equal((await matched(s, owner.client, acct.id, made.body.id)).status, 'TOO_SMALL');

    // A pinbox user's own email is the hundredth.
    const buyer = await adsPerson(s);
    const added = await owner.client.patch(`/ad_accounts/${acct.id}/customer_lists/${made.body.id}`, { operation_type: 'ADD', records: `${buyer.username}@users.pinbox.test` });
    assert.equal(added.status, 200);
    assert.equal(added.body.num_batches, 2);
    assert.equal(added.body.num_uploaded_user_records, 102);
    assert.equal((await matched(s, owner.client, acct.id, made.body.id)).status, 'READY');

    // REMOVE counts every record, present or not.
    const removed = await owner.client.patch(`/ad_accounts/${acct.id}/customer_lists/${made.body.id}`, { operation_type: 'REMOVE', records: [emails[5], 'absent@example.com'].join(',') });
    assert.equal(removed.body.num_removed_user_records, 2);
    assert.equal(removed.body.num_batches, 3);
    assert.equal((await matched(s, owner.client, acct.id, made.body.id)).status, 'TOO_SMALL');

    const listed = await owner.client.get(`/ad_accounts/${acct.id}/customer_lists`);
    assert.deepEqual(listed.body.items.map((l: any) => [l.id, l.status]), [[made.body.id, 'TOO_SMALL']]);
  });

  test('raw records are absent from the store: plain emails never kept, digests gone once matched', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const emails = population(500, 120);
    const made = await owner.client.post(`/ad_accounts/${acct.id}/customer_lists`, { name: 'Raw', records: emails.join(',') });
    const waiting = await tableText(s, 'customer_lists', 'customer_list_batches', 'customer_list_members');
    assert.ok(!waiting.includes('population.pinbox.test'), 'a plain email is hashed on arrival');
    assert.ok(waiting.includes(sha256(emails[0])), 'its digest waits for matching');
    assert.equal((await matched(s, owner.client, acct.id, made.body.id)).status, 'READY');
    const after = await tableText(s, 'customer_lists', 'customer_list_batches', 'customer_list_members');
    assert.ok(!after.includes(sha256(emails[0])), 'no digest is kept after matching');
    assert.ok(!after.includes('population.pinbox.test'));
  });

  test('validation and access: a missing or empty field, an unknown list type or operation is a 400 naming it; another user is refused; an unknown list is a 404', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const path = `/ad_accounts/${acct.id}/customer_lists`;
    assertError(await owner.client.post(path, { name: 'x' }), 400, 1, 'records');
    assertError(await owner.client.post(path, { name: 'x', records: ' , ' }), 400, 1, 'records');
    assertError(await owner.client.post(path, { name: 'x', records: 'a@b.co', list_type: 'PHONE' }), 400, 1, 'list_type');
    const made = await owner.client.post(path, { name: 'x', records: 'a@b.co', list_type: 'MAID' });
    assert.equal(made.status, 200);
    assertError(await owner.client.patch(`${path}/${made.body.id}`, { operation_type: 'MERGE', records: 'a' }), 400, 1, 'operation_type');
    assertError(await owner.client.get(`${path}/123`), 404, 404);
    const stranger = await adsPerson(s);
    assertError(await stranger.client.post(path, { name: 'x', records: 'a@b.co' }), 403, 29);
    assertError(await stranger.client.get(`${path}/${made.body.id}`), 403, 29);
  });

  test('a multipart upload: parts PUT to their presigned URLs, run, SUCCEEDED on the clock with its record counts, the list matched; a bad signature is refused as S3 does', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const list = await owner.client.post(`/ad_accounts/${acct.id}/customer_lists`, { name: 'Upload', records: population(2000, 1)[0] });
    const base = `/ad_accounts/${acct.id}/customer_lists/${list.body.id}/uploads`;
    const created = await owner.client.post(base, { operation: 'ADD', total_parts: 2 });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const upload = created.body.customer_list_upload;
    assert.equal(upload.state, 'NOT_STARTED');
    const [one, two] = created.body.s3_multipart_upload_data.file_parts;
    assert.equal(two.part_number, 2);
    const forged = new URL(one.presigned_url);
    forged.searchParams.set('signature', '0'.repeat(64));
    assert.equal((await fetch(forged, { method: 'PUT', body: 'x' })).status, 403);
    assert.equal((await fetch(one.presigned_url, { method: 'PUT', body: population(2001, 60).join('\n') })).status, 200);
    assert.equal((await fetch(two.presigned_url, { method: 'PUT', body: [...population(2061, 50), 'not-an-email'].join('\n') })).status, 200);
    assertError(await owner.client.get(`${base}/1`), 404, 404);
    const running = await owner.client.post(`${base}/${upload.id}/run`);
    assert.equal(running.status, 200);
    assert.equal(running.body.state, 'RUNNING');
    assertError(await owner.client.post(`${base}/${upload.id}/run`), 400, 1, 'customer_list_upload_id');
    await s.pinbox.clock.advance('2m');
    const done = await owner.client.get(`${base}/${upload.id}`);
    assert.equal(done.body.state, 'SUCCEEDED');
    assert.deepEqual(done.body.record_counts, { processed: 111, valid: 110, invalid: 1 });
    const ready = await matched(s, owner.client, acct.id, list.body.id);
    assert.equal(ready.status, 'READY');
    assert.equal(ready.num_batches, 2);
    assert.equal(ready.num_uploaded_user_records, 112);
    assert.ok(!(await tableText(s, 'customer_list_upload_parts')).includes('population'), 'the parts are gone once read');

    // An upload run with a part missing fails.
    const partial = await owner.client.post(base, { operation: 'REMOVE', total_parts: 2 });
    await fetch(partial.body.s3_multipart_upload_data.file_parts[0].presigned_url, { method: 'PUT', body: population(2001, 5).join('\n') });
    await owner.client.post(`${base}/${partial.body.customer_list_upload.id}/run`);
    await s.pinbox.clock.advance('2m');
    const failed = await owner.client.get(`${base}/${partial.body.customer_list_upload.id}`);
    assert.equal(failed.body.state, 'FAILED');
    assert.equal(failed.body.error_counts[0].count, 1);
  });
});

test('matching a stopped process left waiting is finished by the next one when the clock says', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pinbox-lists-'));
  const data = join(dir, 'store.db');
  try {
    const first = await startTestPinbox({ data, token: 'pina_LISTRESTART' });
    const api = new Client(first.url, first.token);
    const username = `lists${Date.now()}`;
    await first.admin.createUser({ username, accountType: 'BUSINESS' });
    const { token } = await first.admin.issueToken({ username });
    const client = api.withToken(token);
    const acct = (await client.post('/ad_accounts', { name: 'restart' })).body;
    const made = await client.post(`/ad_accounts/${acct.id}/customer_lists`, { name: 'r', records: population(7000, 100).join(',') });
    await first.close();
    const second = await startTestPinbox({ data, token: 'pina_LISTRESTART' });
    try {
      await second.clock.advance('6m');
      // The clock's task ran on its own: the snapshot shows the list matched before anyone asked.
      const table = (await second.snapshot()).tables.customer_lists;
      const row = table.rows.find((r) => r[table.columns.indexOf('id')] === made.body.id)!;
      assert.equal(row[table.columns.indexOf('status')], 'READY');
      assert.equal(row[table.columns.indexOf('matched')], 100);
    } finally {
      await second.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
