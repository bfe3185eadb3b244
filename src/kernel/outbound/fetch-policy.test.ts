/**
 * The fetch policy's rules (which addresses are internal, what allow and deny
 * entries match) and the guard's handling of real answers from HTTP servers of the
 * test's own on 127.0.0.1 and 127.0.0.2: redirects judged hop by hop, compressed
 * bodies decoded within the size cap, and which answers are confidential.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { FetchPolicy, isInternalAddress, listensOnLoopback, parseFetchRules } from './fetch-policy.js';
import { guardedFetch, OutboundFetchError, type OutboundFailure } from './guarded-fetch.js';

describe('which addresses are internal', () => {
  const INTERNAL = [
    ['127.0.0.1', '127.255.255.254', '::1'], // loopback
    ['10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', 'fc00::1', 'fd12:3456::1'], // private
    ['169.254.169.254', 'fe80::1', 'fe80::1%eth0'], // link-local (the cloud metadata address among them)
    ['0.0.0.0', '0.1.2.3', '::'], // unspecified
    ['100.64.0.1', '100.127.255.254'], // CGNAT
    ['224.0.0.1', '255.255.255.255', 'ff02::1'], // multicast, broadcast
    ['198.18.0.1', '192.0.2.1', '240.0.0.1', '2001:db8::1'], // benchmarking, documentation, reserved
    ['::ffff:127.0.0.1', '::ffff:10.0.0.1', '::127.0.0.1', '64:ff9b::a00:1', '2002:7f00:1::1'], // IPv4 carried in IPv6, transition forms
  ].flat();
  const PUBLIC = ['8.8.8.8', '93.184.215.14', '172.32.0.1', '100.128.0.1', '11.0.0.1', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808'];

  test('loopback, private, link-local, unspecified, CGNAT, multicast, broadcast, reserved, and their IPv6 forms are internal', () => {
    for (const address of INTERNAL) assert.equal(isInternalAddress(address), true, address);
    for (const address of PUBLIC) assert.equal(isInternalAddress(address), false, address);
  });

  test('integer, octal, hex and short host forms are the dotted addresses they mean once URL parsing has read them', () => {
    for (const host of ['2130706433', '0x7f000001', '0177.0.0.1', '127.1', '0x7f.1', '%31%32%37.0.0.1']) {
      assert.equal(new URL(`http://${host}/`).hostname, '127.0.0.1', host);
    }
    assert.equal(new URL('http://[::ffff:127.0.0.1]/').hostname, '[::ffff:7f00:1]');
    assert.equal(isInternalAddress(new URL('http://[::ffff:127.0.0.1]/').hostname), true);
  });

  test('pinbox listens on loopback on 127.0.0.0/8, ::1 and localhost only', () => {
    for (const host of ['127.0.0.1', '127.0.0.5', '::1', 'localhost', '::ffff:127.0.0.1']) assert.equal(listensOnLoopback(host), true, host);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.2', 'pinbox.corp.example']) assert.equal(listensOnLoopback(host), false, host);
  });
});

describe('allow and deny entries', () => {
  const team = FetchPolicy.create({
    listenHost: '0.0.0.0',
    allow: ['10.0.0.0/8', 'images.corp.example', '[fd00::5]'],
    deny: ['10.9.0.0/16', 'bad.images.corp.example'],
  });
  const cases: [hostname: string, address: string, allowed: boolean, reason: RegExp][] = [
    ['x.example', '10.1.1.1', true, /--fetch-allow 10\.0\.0\.0\/8/],
    ['x.example', '10.9.1.1', false, /--fetch-deny 10\.9\.0\.0\/16/], // deny wins over allow
    ['images.corp.example', '192.168.1.1', true, /--fetch-allow images\.corp\.example/],
    ['CDN.Images.Corp.Example.', '192.168.1.1', true, /--fetch-allow images\.corp\.example/], // subdomains, any case, a final dot
    ['notimages.corp.example', '192.168.1.1', false, /refused while pinbox listens beyond loopback/],
    ['bad.images.corp.example', '8.8.8.8', false, /--fetch-deny bad\.images\.corp\.example/],
    ['x.example', '[fd00::5]', true, /--fetch-allow \[fd00::5\]/],
    ['x.example', '127.0.0.1', false, /refused while pinbox listens beyond loopback/],
    ['x.example', '2001:4860:4860::8888', true, /a public address/],
  ];

  test('deny wins, then allow (addresses by range, names with their subdomains), then internal only on loopback', () => {
    for (const [hostname, address, allowed, reason] of cases) {
      const verdict = team.judge(hostname, address);
      assert.equal(verdict.allowed, allowed, `${hostname} ${address}: ${verdict.reason}`);
      assert.match(verdict.reason, reason, `${hostname} ${address}`);
    }
    assert.equal(FetchPolicy.create({ listenHost: '0.0.0.0', allow: ['10.0.0.0/8'] }).judge('x', '::ffff:10.0.0.1').allowed, true, 'an IPv4 rule covers the mapped form');
    assert.equal(FetchPolicy.create({ deny: ['::ffff:0:0/96'] }).judge('x', '8.8.8.8').allowed, false, 'an IPv6 rule over mapped addresses covers IPv4 ones');
    assert.equal(FetchPolicy.create({ listenHost: '127.0.0.1' }).judge('localhost', '127.0.0.1').allowed, true, 'the laptop case');
    assert.equal(FetchPolicy.create({ deny: ['localhost'] }).deniesHost('LOCALHOST')?.text, 'localhost');
  });

  test('an entry that is no address, range or host name is refused, naming the flag and the entry', () => {
    for (const entry of ['10.0.0.0/33', 'fd00::/129', 'not a host', '', 'under_score.example/8', 'a..b', '-x.example']) {
      assert.throws(() => parseFetchRules([entry], '--fetch-deny'), new RegExp(`^Error: --fetch-deny '${entry.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}' must be`), entry);
    }
  });
});

describe('the guard over real HTTP', () => {
  const hits: string[] = [];
  const servers: Server[] = [];
  const bases: Record<string, string> = {};
  const routes = new Map<string, RequestListener>();
  const serve = (path: string, listener: RequestListener) => routes.set(path, listener);
  before(async () => {
    for (const address of ['127.0.0.1', '127.0.0.2']) {
      const server = createServer((request, response) => {
        hits.push(`${address}${request.url}`);
        response.setHeader('connection', 'close');
        const route = routes.get(request.url ?? '');
        if (route) return route(request, response);
        response.writeHead(404).end();
      });
      await new Promise<void>((resolve) => server.listen(0, address, resolve));
      servers.push(server);
      bases[address] = `http://${address}:${(server.address() as AddressInfo).port}`;
    }
  });
  after(() => Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve)))));

  const limits = { timeoutMs: 5_000, maxBytes: 1024 * 1024, maxRedirects: 5 };
  const laptop = FetchPolicy.create();
  const team = FetchPolicy.create({ listenHost: '0.0.0.0', allow: ['127.0.0.2'] });

  async function failure(url: string, policy: FetchPolicy): Promise<OutboundFetchError> {
    try {
      await guardedFetch(url, { policy, limits });
    } catch (error) {
      if (error instanceof OutboundFetchError) return error;
      throw error;
    }
    assert.fail(`${url} was fetched`);
  }

  test('each redirect hop is judged before it is connected to', async () => {
    serve('/hop', (_q, r) => r.writeHead(307, { location: `${bases['127.0.0.1']}/target` }).end());
    serve('/target', (_q, r) => r.writeHead(200).end('ok'));
    const refused = await failure(`${bases['127.0.0.2']}/hop`, team);
    assert.equal(refused.failure satisfies OutboundFailure, 'refused');
    assert.match(refused.detail, /127\.0\.0\.1: an internal address, refused while pinbox listens beyond loopback/);
    assert.deepEqual(hits.filter((hit) => hit.endsWith('/target')), [], 'the refused hop was connected to');
    const followed = await guardedFetch(`${bases['127.0.0.2']}/hop`, { policy: laptop, limits });
    assert.equal(followed.body.toString(), 'ok');
    assert.equal(followed.url.toString(), `${bases['127.0.0.1']}/target`);
  });

  test('internal answers are confidential only behind a pinbox others reach', async () => {
    serve('/plain', (_q, r) => r.writeHead(200, { 'content-type': 'text/plain' }).end('plain'));
    assert.equal((await guardedFetch(`${bases['127.0.0.2']}/plain`, { policy: team, limits })).confidential, true);
    assert.equal((await guardedFetch(`${bases['127.0.0.2']}/plain`, { policy: laptop, limits })).confidential, false);
    serve('/reset', (request) => request.socket.destroy());
    const reset = await failure(`${bases['127.0.0.2']}/reset`, team);
    assert.deepEqual([reset.failure, reset.confidential], ['failed', true]);
  });

  test('a compressed body is decoded, and the size cap applies to what it decodes to', async () => {
    serve('/gzip', (_q, r) => r.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync('decoded')));
    assert.equal((await guardedFetch(`${bases['127.0.0.1']}/gzip`, { policy: laptop, limits })).body.toString(), 'decoded');
    const bomb = gzipSync(Buffer.alloc(16 * 1024 * 1024));
    assert.ok(bomb.length < limits.maxBytes);
    serve('/bomb', (_q, r) => r.writeHead(200, { 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb));
    assert.equal((await failure(`${bases['127.0.0.1']}/bomb`, laptop)).failure, 'too_large');
    serve('/zstd', (_q, r) => r.writeHead(200, { 'content-encoding': 'zstd' }).end('?'));
    assert.match((await failure(`${bases['127.0.0.1']}/zstd`, laptop)).detail, /Content-Encoding zstd, which pinbox cannot decode/);
  });

  test('a redirect to something other than http(s), or without a Location, ends the fetch', async () => {
    serve('/ftp', (_q, r) => r.writeHead(302, { location: 'ftp://127.0.0.1/x' }).end());
    serve('/nowhere', (_q, r) => r.writeHead(302).end());
    assert.match((await failure(`${bases['127.0.0.1']}/ftp`, laptop)).detail, /led to a ftp: URL, not http or https/);
    assert.match((await failure(`${bases['127.0.0.1']}/nowhere`, laptop)).detail, /HTTP 302 without a Location/);
  });
});
