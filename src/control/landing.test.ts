/**
 * The landing page at `/`: what runs, how to call it, where the rest is, which of
 * Pinterest's operations are served; the same as JSON on request. The dev token is
 * shown to this machine only. And loopback is all of 127.0.0.0/8 and ::1, for the
 * landing page and the control plane alike.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { networkInterfaces } from 'node:os';
import { startPinbox } from '../index.js';
import { PINTEREST_OPERATIONS } from '../kernel/operations.js';
import { useServer } from '../../test/harness.js';
import { escapeHtml } from '../families/oauth/html.js';
import { isLoopback } from './loopback.js';

const server = useServer();

test('GET / answers a page naming the version, store, clock, the curl line and the operations served by tag; JSON on request', async () => {
  const { pinbox } = server();
  const page = await fetch(`${pinbox.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  const html = await page.text();
  assert.match(html, /<h1>pinbox \d+\.\d+\.\d+<\/h1>/);
  assert.ok(html.includes(escapeHtml(`curl -H 'Authorization: Bearer ${pinbox.token}' ${pinbox.url}/v5/user_account`)), 'the curl line with the dev token');
  assert.ok(html.includes(`href="${pinbox.url}/oauth/"`) && html.includes(`href="${pinbox.url}/_pinbox/"`));

  const response = await fetch(`${pinbox.url}/`, { headers: { accept: 'application/json' } });
  assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  const landing = await response.json();
  assert.equal(landing.api, `${pinbox.url}/v5`);
  assert.equal(landing.dev.token, pinbox.token);
  assert.equal(typeof landing.clock.now, 'number');
  assert.equal(landing.operations.total, PINTEREST_OPERATIONS.length);
  assert.equal(landing.operations.served, pinbox.routes.length, 'every route is one operation');
  const pins = landing.operations.by_tag.find((t: { tag: string }) => t.tag === 'pins');
  assert.ok(pins.served.includes('pins/create'));
  // Every tag lists exactly the routes pinbox registered as served, the rest of its operations as not served.
  const registered = new Set(pinbox.routes.map((route) => route.policy?.operationId));
  for (const tag of landing.operations.by_tag as { tag: string; served: string[]; not_served: string[] }[]) {
    for (const operationId of tag.served) assert.ok(registered.has(operationId), `${tag.tag}: ${operationId} is listed served`);
    for (const operationId of tag.not_served) assert.ok(!registered.has(operationId), `${tag.tag}: ${operationId} is listed not served`);
  }
  assert.equal(landing.operations.by_tag.reduce((n: number, t: { served: string[] }) => n + t.served.length, 0), landing.operations.served);
  assert.ok(html.includes(`Operations served: ${landing.operations.served} of ${landing.operations.total}`));
});

test('loopback is 127.0.0.0/8 and ::1, also IPv4-mapped; nothing else', () => {
  for (const address of ['127.0.0.1', '127.0.0.2', '127.255.255.254', '::1', '::ffff:127.0.0.1', '::ffff:127.9.8.7']) assert.equal(isLoopback(address), true, address);
  for (const address of ['10.0.0.1', '128.0.0.1', '::2', '::ffff:10.0.0.1', '1127.0.0.1', '', undefined]) assert.equal(isLoopback(address), false, String(address));
});

/** A GET from a given local address (fetch cannot choose one). */
function getFrom(localAddress: string, url: string, headers: Record<string, string>): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress, headers }, (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('a caller from 127.0.0.2 is loopback: the control plane answers it and the landing page shows it the token', async () => {
  const { pinbox } = server();
  const clock = await getFrom('127.0.0.2', `${pinbox.url}/_pinbox/clock`, { 'x-pinbox-admin-key': pinbox.adminKey });
  assert.equal(clock.status, 200);
  const landing = await getFrom('127.0.0.2', `${pinbox.url}/`, { accept: 'application/json' });
  assert.equal(landing.body.dev.token, pinbox.token);
});

test('another host sees the landing page without the dev token', async (t) => {
  const address = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;
  if (!address) return t.skip('this machine has no address but loopback');
  const pinbox = await startPinbox({ host: '0.0.0.0' });
  try {
    const port = new URL(pinbox.url).port;
    const landing = await (await fetch(`http://${address}:${port}/`, { headers: { accept: 'application/json' } })).json();
    assert.equal(landing.dev.token, null);
    assert.match(landing.dev.curl, /Bearer \$TOKEN/);
    assert.ok(!JSON.stringify(landing).includes(pinbox.token));
  } finally {
    await pinbox.close();
  }
});
