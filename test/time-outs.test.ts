/**
 * Request time-outs over bare sockets: a body that trickles in (slowloris: a byte
 * now and then, never silent long enough for the idle time-out) is cut with 408
 * in the shape of the surface asked, while a slow but steady body is answered.
 * The time-outs are set small here: 300 ms for headers, bodies at 100 bytes a second.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unique, useServer } from './harness.js';
import { rawRequest, rawTrickle } from './raw-http.js';

const server = useServer({ requestTimeoutMs: 300, bodyMinBytesPerSecond: 100 });

/** The head of a request whose body follows separately, `length` bytes of it. */
function head(method: string, path: string, headers: Record<string, string>, length: number): string {
  return rawRequest(method, path, { ...headers, 'Content-Length': String(length) });
}

test('a body trickling in below the minimum rate is cut with 408 on every surface before the client is done; a steady one above it is answered', async () => {
  const { pinbox } = server();
  const json = JSON.stringify({ name: unique('slowloris'), description: 'x'.repeat(20) });
  const form = new URLSearchParams({ username: 'someone', password: 'x'.repeat(30) }).toString();
  const surfaces = [
    {
      name: 'API',
      head: head('POST', '/v5/boards', { Authorization: `Bearer ${pinbox.token}`, 'Content-Type': 'application/json' }, json.length),
      body: json,
      type: /^application\/json/,
      message: /"code":408,"message":"The request body arrived too slowly: a body may take 0\.3 seconds plus one second for every 100 bytes\."/,
    },
    {
      name: 'OAuth pages',
      head: head('POST', '/oauth/login', { 'Content-Type': 'application/x-www-form-urlencoded' }, form.length),
      body: form,
      type: /^text\/html/,
      message: /The request body arrived too slowly/,
    },
    {
      name: 'upload host',
      head: head('POST', '/media/uploads', { 'Content-Type': 'multipart/form-data; boundary=b' }, 60),
      body: `--b\r\nContent-Disposition: form-data; name="key"\r\n\r\n${'k'.repeat(60)}`.slice(0, 60),
      type: /xml/,
      message: /<Code>RequestTimeout<\/Code>/,
    },
  ];
  for (const surface of surfaces) {
    // 10 bytes a second, a byte every 100 ms: the idle time-out (600 ms) never fires.
    const answer = await rawTrickle(pinbox.url, surface.head, surface.body, { bytes: 1, everyMs: 100 });
    assert.equal(answer.status, 408, `${surface.name}: ${answer.status} ${answer.body.slice(0, 300)}`);
    assert.match(answer.headers['content-type'] ?? '', surface.type, surface.name);
    assert.match(answer.body, surface.message, surface.name);
    assert.equal(answer.headers.connection, 'close', surface.name);
    assert.ok(answer.bodyBytesSent < surface.body.length, `${surface.name}: the answer came only after the whole body (${answer.bodyBytesSent} bytes)`);
  }

  // A slow but steady body above the minimum rate is answered, pauses and all.
  const body = JSON.stringify({ name: unique('steady'), description: 'y'.repeat(400) });
  // 100 bytes every 200 ms (500 bytes a second), each pause shorter than the idle time-out.
  const answer = await rawTrickle(
    pinbox.url,
    head('POST', '/v5/boards', { Authorization: `Bearer ${pinbox.token}`, 'Content-Type': 'application/json' }, body.length),
    body,
    { bytes: 100, everyMs: 200 },
  );
  assert.equal(answer.status, 201, answer.body.slice(0, 300));
  assert.equal(answer.bodyBytesSent, body.length);
});
