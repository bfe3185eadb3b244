/**
 * `pinbox ctl ad-roles` and `pinbox ctl ad-review` (the built CLI) against a real
 * pinbox: a granted role opens the account to its holder, a revoked one closes it;
 * a review decided from the command line shows in the ad; the review time set
 * from it moves PENDING to APPROVED on the clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertError, useServer } from './harness.js';
import { runCli } from './cli.js';
import { adAccount, adsPerson, adTree } from './ads.js';

const server = useServer();

test('ctl ad-roles grant and revoke; ctl ad-review approve, reject with reasons, time', async () => {
  const s = server();
  const ctl = (...args: string[]) => runCli(['ctl', ...args, '--url', s.pinbox.url, '--admin-key', s.pinbox.adminKey]);
  const owner = await adsPerson(s);
  const analyst = await adsPerson(s);
  const acct = await adAccount(owner.client);

  assertError(await analyst.client.get(`/ad_accounts/${acct.id}/campaigns`), 403, 29);
  const granted = await ctl('ad-roles', 'grant', acct.id, analyst.username, 'ANALYST');
  assert.equal(granted.code, 0, granted.stderr);
  assert.match(granted.stdout, new RegExp(`${analyst.username} holds ANALYST on ad account ${acct.id}`));
  assert.equal((await analyst.client.get(`/ad_accounts/${acct.id}/campaigns`)).status, 200);
  assert.equal((await ctl('ad-roles', 'revoke', acct.id, analyst.username, 'ANALYST')).code, 0);
  assertError(await analyst.client.get(`/ad_accounts/${acct.id}/campaigns`), 403, 29);
  const wrong = await ctl('ad-roles', 'grant', acct.id, analyst.username, 'EMPEROR');
  assert.equal(wrong.code, 1);
  assert.match(wrong.stderr, /role/);
  assert.equal((await ctl('ad-roles', 'promote', acct.id)).code, 2);

  const { acct: treeAccount, ad } = await adTree(owner.client);
  const getAd = async () => (await owner.client.get(`/ad_accounts/${treeAccount.id}/ads/${ad.id}`)).body;
  const rejected = await ctl('ad-review', ad.id, 'reject', '--reason', 'LANDING_PAGE', '--reason', 'TARGETING', '--label', 'Broken link');
  assert.equal(rejected.code, 0, rejected.stderr);
  const seen = await getAd();
  assert.deepEqual([seen.review_status, seen.rejected_reasons, seen.rejection_labels], ['REJECTED', ['LANDING_PAGE', 'TARGETING'], ['Broken link']]);
  assert.equal((await ctl('ad-review', ad.id, 'approve')).code, 0);
  assert.equal((await getAd()).review_status, 'APPROVED');

  const time = await ctl('ad-review', 'time', '1h', '--json');
  assert.deepEqual([time.code, JSON.parse(time.stdout)], [0, { seconds: 3600 }]);
  // An edit sends the ad back to review, now for an hour of the clock.
  await owner.client.patch(`/ad_accounts/${treeAccount.id}/ads`, [{ id: ad.id, destination_url: 'https://example.com/b' }]);
  assert.equal((await getAd()).review_status, 'PENDING');
  await s.pinbox.clock.advance('1h');
  assert.equal((await getAd()).review_status, 'APPROVED');
  assert.equal((await ctl('ad-review', 'time')).code, 2);
});
