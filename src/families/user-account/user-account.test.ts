import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createBoard, newUser, useServer, walk } from '../../../test/harness.js';

const server = useServer();

describe('GET /user_account', () => {
  test('returns the token user with true counts', async () => {
    const s = server();
    const me = await newUser(s);
    const before = await me.client.get('/user_account');
    assert.equal(before.status, 200);
    assert.equal(before.body.username, me.username);
    assert.equal(before.body.board_count, 0);
    await createBoard(me.client);
    const after = await me.client.get('/user_account');
    assert.equal(after.body.board_count, 1);
    assert.equal(after.body.account_type, 'PINNER');
  });

  test('the dev token reads the seeded business account', async () => {
    const { api, pinbox } = server();
    const response = await api.get('/user_account');
    assert.equal(response.status, 200);
    assert.equal(response.body.username, pinbox.identity.user.username);
    assert.equal(response.body.account_type, 'BUSINESS');
    assert.match(response.body.id, /^\d{18,19}$/);
  });

  test('401 code 2 without a token, with an unknown token', async () => {
    const { api } = server();
    for (const token of [null, 'pina_NOTATOKEN']) {
      const response = await api.get('/user_account', { token });
      assert.equal(response.status, 401);
      assert.deepEqual(response.body, { code: 2, message: 'Authentication failed.' });
    }
  });

  test('401 code 3 without user_accounts:read', async () => {
    const s = server();
    const me = await newUser(s, ['boards:read']);
    const response = await me.client.get('/user_account');
    assert.equal(response.status, 401);
    assert.equal(response.body.code, 3);
    assert.match(response.body.message, /sufficient permissions/);
  });
});

describe('follows', () => {
  test('follow a user, then followers and following list them', async () => {
    const s = server();
    const alice = await newUser(s);
    const bob = await newUser(s);
    const followed = await alice.client.post(`/user_account/following/${bob.username}`, {});
    assert.equal(followed.status, 200);
    assert.deepEqual(followed.body, { type: 'user', username: bob.username });
    const following = await walk(alice.client, '/user_account/following');
    assert.deepEqual(following.map((u) => u.username), [bob.username]);
    const followers = await walk(bob.client, '/user_account/followers');
    assert.deepEqual(followers.map((u) => u.username), [alice.username]);
    const counts = await bob.client.get('/user_account');
    assert.equal(counts.body.follower_count, 1);
  });

  test('following an unknown user is 404 code 30', async () => {
    const { api } = server();
    const response = await api.post('/user_account/following/nobody_here_at_all', {});
    assert.equal(response.status, 404);
    assert.equal(response.body.code, 30);
  });
});

describe('linked businesses and followed interests', () => {
  test('GET /user_account/businesses lists the linked business accounts', async () => {
    const s = server();
    const me = await newUser(s);
    assert.deepEqual((await me.client.get('/user_account/businesses')).body, []);
    const business = `biz_${me.username}`;
    await s.pinbox.admin.createUser({ username: business, accountType: 'BUSINESS', businessName: 'Biz' });
    await s.pinbox.admin.linkBusiness(me.username, business);
    const response = await me.client.get('/user_account/businesses');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body.map((b: { username: string }) => b.username), [business]);
    const noScope = await newUser(s, ['boards:read']);
    assert.equal((await noScope.client.get('/user_account/businesses')).status, 401);
  });

  test('GET /users/{username}/interests/follow pages through the interests a user follows', async () => {
    const s = server();
    const me = await newUser(s);
    for (let i = 0; i < 5; i++) {
      await s.pinbox.admin.followInterest(me.username, { id: `90397267783${i}`, key: `interest ${i}`, name: `Interest ${i}` });
    }
    const all = await walk(me.client, `/users/${me.username}/interests/follow`, { page_size: 2 });
    assert.equal(all.length, 5);
    assert.deepEqual(new Set(all.map((i) => i.key)), new Set([0, 1, 2, 3, 4].map((i) => `interest ${i}`)));
    assert.match(all[0].canonical_url, /^https:\/\/www\.pinterest\.com\/ideas\//);
    const missing = await me.client.get('/users/nobody_by_that_name/interests/follow');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 30);
    const bad = await me.client.get(`/users/${me.username}/interests/follow`, { query: { page_size: 0 } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.message, /page_size/);
  });

  test('following lists implicit follows (owners of followed boards) unless explicit_following', async () => {
    const s = server();
    const me = await newUser(s);
    const owner = await newUser(s);
    const board = await createBoard(owner.client);
    await s.pinbox.admin.followBoard(me.username, board.id);
    assert.deepEqual((await walk(me.client, '/user_account/following')).map((u) => u.username), [owner.username]);
    assert.deepEqual(await walk(me.client, '/user_account/following', { explicit_following: 'true' }), []);
  });
});
