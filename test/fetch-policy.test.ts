/**
 * The fetch policy over real HTTP: a pinbox listening on loopback (a laptop) fetches
 * images from 127.0.0.1; one listening on 0.0.0.0 (a team's server; the tests still
 * reach it at 127.0.0.1, the rule is about where it listens) refuses every spelling
 * of a loopback address, redirects to one, and its own control plane, Redis and
 * PostgreSQL ports, with one message that tells nothing of what answers there;
 * `--fetch-allow` and `--fetch-deny` change both. The images come from HTTP servers
 * of the test's own on 127.0.0.1 and 127.0.0.2 (Linux routes all of 127.0.0.0/8 to
 * loopback), which count the requests that reach them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readStartConfig } from '../src/config.js';
import type { PinboxOptions } from '../src/index.js';
import { assertError, createBoard, newUser, startTestPinbox, useServer, type Client } from './harness.js';
import { colorOf, makeImage } from './images.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './backend.js';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** An HTTP server on one loopback address, answering what each path was given and counting what reached it. */
class Host {
  readonly hits: string[] = [];
  private readonly handlers = new Map<string, Handler>();
  private server: Server | null = null;
  private port = 0;

  constructor(readonly address: string) {}

  async start(): Promise<void> {
    this.server = createServer((request, response) => {
      this.hits.push(request.url ?? '');
      response.setHeader('connection', 'close');
      const handler = this.handlers.get(request.url ?? '');
      if (handler) return handler(request, response);
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
    await new Promise<void>((resolve) => this.server!.listen(0, this.address, resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Answers `path` with `handler`; returns the path's URL with `host` in place of the address (default the address). */
  route(path: string, handler: Handler, host = this.address): string {
    this.handlers.set(path, handler);
    return `http://${host}:${this.port}${path}`;
  }

  image(path: string, bytes: Buffer, host?: string): string {
    return this.route(path, (_request, response) => response.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length }).end(bytes), host);
  }

  get portNumber(): number {
    return this.port;
  }
}

const first = new Host('127.0.0.1');
const second = new Host('127.0.0.2');
let png: Buffer;
before(async () => {
  await Promise.all([first.start(), second.start()]);
  png = await makeImage({ width: 40, height: 30, color: colorOf('fetch-policy'), format: 'png' });
});
after(() => Promise.all([first.stop(), second.stop()]));

async function pinFrom(client: Client, url: string) {
  const board = await createBoard(client);
  return client.post('/pins', { board_id: board.id, media_source: { source_type: 'image_url', url } });
}

/** A refusal by the policy: a 400 naming the field and the URL, saying the address is not fetched, and nothing of what answers there. */
function assertRefused(response: Awaited<ReturnType<typeof pinFrom>>, url: string): void {
  assertError(response, 400, 1, 'media_source.url');
  const { message } = response.body;
  assert.ok(message.includes(`could not be fetched: ${url} leads to an address this pinbox does not fetch from`), message);
  assert.doesNotMatch(message, /HTTP \d|UND_ERR|ECONN|socket|HPE_|EPIPE/i, message);
}

describe('pinbox listening on loopback (a laptop)', () => {
  const server = useServer({ fetchDeny: ['127.0.0.2'] });

  test('fetches an image from 127.0.0.1, and refuses an address --fetch-deny names, before connecting to it', async () => {
    const me = await newUser(server());
    const allowed = await pinFrom(me.client, first.image('/laptop.png', png));
    assert.equal(allowed.status, 201, JSON.stringify(allowed.body));

    const denied = second.image('/denied.png', png);
    assertRefused(await pinFrom(me.client, denied), denied);
    // A redirect to the denied address is refused too.
    const redirect = first.route('/to-denied', (_q, r) => r.writeHead(302, { location: denied }).end());
    assertRefused(await pinFrom(me.client, redirect), redirect);
    assert.deepEqual(second.hits.filter((hit) => hit === '/denied.png'), [], 'the denied address was connected to');
  });
});

describe('pinbox listening on 0.0.0.0 (a team server), with --fetch-allow 127.0.0.2', () => {
  const logLines: string[] = [];
  const server = useServer({ host: '0.0.0.0', fetchAllow: ['127.0.0.2'], logLevel: 'info', logStream: { write: (line) => void logLines.push(line) } });

  test('refuses 127.0.0.1 however it is spelled, localhost, and the unspecified address, without connecting', async () => {
    const me = await newUser(server());
    const port = first.portNumber;
    first.image('/internal.png', png);
    for (const host of ['127.0.0.1', '2130706433', '0x7f000001', '0177.0.0.1', '127.1', '[::ffff:127.0.0.1]', '[::127.0.0.1]', 'localhost', '0.0.0.0', '[::1]', '[::]']) {
      const url = `http://${host}:${port}/internal.png`;
      assertRefused(await pinFrom(me.client, url), url);
    }
    assert.deepEqual(first.hits.filter((hit) => hit === '/internal.png'), [], 'a refused address was connected to');
  });

  test('fetches from the allowed 127.0.0.2, but not where its redirect leads (127.0.0.1)', async () => {
    const me = await newUser(server());
    const allowed = await pinFrom(me.client, second.image('/allowed.png', png));
    assert.equal(allowed.status, 201, JSON.stringify(allowed.body));

    const target = first.image('/redirected.png', png);
    const redirect = second.route('/redirect', (_q, r) => r.writeHead(302, { location: target }).end());
    assertRefused(await pinFrom(me.client, redirect), redirect);
    assert.deepEqual(first.hits.filter((hit) => hit === '/redirected.png'), [], 'the redirect target was connected to');
  });

  test("its own control plane, Redis and PostgreSQL ports get the same refusal: nothing says what answers there", async () => {
    const me = await newUser(server());
    const control = `${server().pinbox.url}/_pinbox/journal`;
    const redis = `http://${new URL(TEST_REDIS_URL).host}/`;
    const postgres = `http://${new URL(TEST_DATABASE_URL).host}/`;
    for (const url of [control, redis, postgres]) assertRefused(await pinFrom(me.client, url), url);
  });

  test('an allowed internal host that fails is not described: no status, no Content-Type, no socket error', async () => {
    const me = await newUser(server());
    const missing = second.route('/missing.png', (_q, r) => r.writeHead(401, { 'content-type': 'text/plain' }).end('who are you'));
    const page = second.route('/page', (_q, r) => r.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const reset = second.route('/reset', (request) => request.socket.destroy());
    for (const url of [missing, page, reset]) {
      const response = await pinFrom(me.client, url);
      assertError(response, 400, 1, 'media_source.url');
      assert.equal(response.body.message, `Invalid parameters: 'media_source.url' could not be fetched: ${url} failed at an internal address (pinbox's log says why).`);
    }
    // The operator's log says what the caller is not told.
    const details = logLines.map((line) => JSON.parse(line)).filter((entry) => entry.detail).map((entry) => entry.detail);
    assert.ok(details.includes(`${missing}: HTTP 401`), details.join('\n'));
    assert.ok(details.includes(`${page}: Content-Type application/json`), details.join('\n'));
  });

  test('the control plane refuses a fixture image_url at 127.0.0.1 the same way', async () => {
    const url = first.image('/fixture.png', png);
    await assert.rejects(
      server().pinbox.seed({ users: [{ username: `fixture_${process.pid}` }], boards: [{ owner: `fixture_${process.pid}`, name: 'B' }], pins: [{ board: `fixture_${process.pid}/B`, image_url: url }] }),
      (error: Error) => error.message.includes(`could not be fetched: ${url} leads to an address this pinbox does not fetch from`),
    );
  });
});

describe('settings', () => {
  test('--fetch-allow and --fetch-deny repeat; PINBOX_FETCH_ALLOW and PINBOX_FETCH_DENY take lists; flags win', () => {
    const env = { PINBOX_FETCH_ALLOW: '10.0.0.0/8, images.corp.example', PINBOX_FETCH_DENY: '10.9.0.0/16' };
    assert.deepEqual(
      [readStartConfig([], env).fetchAllow, readStartConfig([], env).fetchDeny],
      [['10.0.0.0/8', 'images.corp.example'], ['10.9.0.0/16']],
    );
    const flags = readStartConfig(['--fetch-allow', '::1', '--fetch-allow', '192.168.0.0/16', '--fetch-deny', 'metadata.internal'], env);
    assert.deepEqual([flags.fetchAllow, flags.fetchDeny], [['::1', '192.168.0.0/16'], ['metadata.internal']]);
  });

  test('a bad entry stops start-up with a message naming the flag and the entry', async () => {
    // A pinbox that starts all the same is closed, so the failing test ends.
    const startFails = (options: PinboxOptions) => startTestPinbox(options).then((pinbox) => pinbox.close());
    await assert.rejects(startFails({ fetchAllow: ['10.0.0.0/33'] }), /--fetch-allow '10\.0\.0\.0\/33' must be an address \(127\.0\.0\.2\), a CIDR range/);
    await assert.rejects(startFails({ fetchDeny: ['not a host'] }), /--fetch-deny 'not a host' must be/);
  });
});
