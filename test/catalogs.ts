/** Helpers of the catalogs tests: a business user, a catalog, feed files served by a local host, ingestions run on the clock. */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before } from 'node:test';
import { unique, type Client, type TestServer } from './harness.js';

/** A business user with every scope. */
export async function merchant(s: TestServer): Promise<{ username: string; id: string; client: Client }> {
  const username = unique('shop');
  const user = await s.pinbox.admin.createUser({ username, accountType: 'BUSINESS' });
  const { token } = await s.pinbox.admin.issueToken({ username });
  return { username, id: user.id, client: s.api.withToken(token) };
}

export async function makeCatalog(client: Client, catalogType = 'RETAIL'): Promise<any> {
  const response = await client.post('/catalogs', { catalog_type: catalogType, name: unique('catalog') });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

export interface FeedFile {
  body: Buffer | string;
  headers?: Record<string, string>;
  status?: number;
}

/**
 * A host on 127.0.0.1 serving feed files by path, started once per test file.
 * @example const files = useFeedHost(); files().put('/a.csv', { body: 'id,title\n…' });
 */
export function useFeedHost(): () => { url: (path: string) => string; put: (path: string, file: FeedFile) => void; requests: string[] } {
  const files = new Map<string, FeedFile>();
  const requests: string[] = [];
  let server: Server | null = null;
  before(async () => {
    server = createServer((request, response) => {
      requests.push(`${request.url} ${request.headers.authorization ?? ''}`);
      const file = files.get(request.url ?? '');
      if (!file) {
        response.writeHead(404).end('not found');
        return;
      }
      response.writeHead(file.status ?? 200, { 'content-type': 'text/plain', ...(file.headers ?? {}) }).end(file.body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  });
  after(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));
  return () => ({
    url: (path) => `http://127.0.0.1:${(server!.address() as AddressInfo).port}${path}`,
    put: (path, file) => files.set(path, file),
    requests,
  });
}

/** A retail CSV line per item, with the header Pinterest asks for. */
export function retailCsv(rows: readonly Record<string, string>[], columns = ['id', 'title', 'description', 'link', 'image_link', 'price', 'availability', 'condition']): string {
  const cell = (value: string) => (/[",\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);
  return [columns.join(','), ...rows.map((row) => columns.map((column) => cell(row[column] ?? '')).join(','))].join('\n') + '\n';
}

/** A good retail row for `id`. */
export function product(id: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    id,
    title: `Product ${id}`,
    description: `The product ${id}`,
    link: `https://shop.example/p/${id}`,
    image_link: `https://shop.example/i/${id}.jpg`,
    price: '24.99 USD',
    availability: 'in stock',
    condition: 'new',
    ...extra,
  };
}

export async function makeFeed(client: Client, catalogId: string, location: string, extra: Record<string, unknown> = {}): Promise<any> {
  const response = await client.post('/catalogs/feeds', {
    catalog_type: 'RETAIL',
    catalog_id: catalogId,
    name: unique('feed'),
    format: 'CSV',
    location,
    default_country: 'US',
    default_locale: 'en-US',
    ...extra,
  });
  assert.equal(response.status, 201, JSON.stringify(response.body));
  return response.body;
}

/** Moves the clock past the processing time and answers the feed's newest processing result, finished. */
export async function processed(s: TestServer, client: Client, feedId: string): Promise<any> {
  await s.pinbox.clock.advance('16m');
  const results = await client.get(`/catalogs/feeds/${feedId}/processing_results`);
  assert.equal(results.status, 200, JSON.stringify(results.body));
  const [newest] = results.body.items;
  assert.notEqual(newest.status, 'PROCESSING', JSON.stringify(newest));
  return newest;
}

/** Every item of the user's catalog with these ids, as items/post answers (found ones only). */
export async function itemsById(client: Client, catalogId: string, ids: readonly string[]): Promise<Map<string, any>> {
  const found = new Map<string, any>();
  for (let i = 0; i < ids.length; i += 1000) {
    const response = await client.post('/catalogs/items', {
      country: 'US',
      language: 'en-US',
      filters: { catalog_type: 'RETAIL', catalog_id: catalogId, item_ids: ids.slice(i, i + 1000) },
    });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    for (const item of response.body.items) if (item.attributes) found.set(item.item_id, item);
  }
  return found;
}
