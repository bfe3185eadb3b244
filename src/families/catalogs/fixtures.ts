import { createReadStream } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Clock } from '../../kernel/clock.js';
import type { IdGenerator } from '../../kernel/ids.js';
import { defineFixtureSection, invalidFixture } from '../fixture-section.js';
import type { UserStore } from '../user-account/store.js';
import { CATALOG_TYPES, type CatalogService, type CatalogType } from './catalogs.js';
import { FeedFileError, type FeedFormat } from './feed-parse.js';
import type { FeedService } from './feeds.js';
import { checkFeedFile, emptySummary, finishResult, type ResultSummary, type Sample } from './ingestion.js';
import { upsertItems } from './item-store.js';
import { attributesAsRow, type CheckedItem } from './retail-attributes.js';
import { checkerFor } from './verticals.js';

/**
 * A catalog of a fixture file: its feeds, each read from a file beside the fixture
 * (ingested as the fixture loads, with a COMPLETED processing result), and items
 * given inline (as an item batch would make them).
 */
export interface CatalogFixture {
  name: string;
  owner: string;
  catalog_type?: CatalogType;
  feeds?: {
    name: string;
    file: string;
    format?: FeedFormat;
    /** Where the feed's scheduled pulls fetch from later (default: an address that answers nothing). */
    location?: string;
    default_country?: string;
    default_locale?: string;
    default_currency?: string;
  }[];
  items?: { item_id: string; attributes: Record<string, unknown> }[];
}

export interface PreparedFeed {
  items: CheckedItem[];
  summary: ResultSummary;
  samples: Sample[];
  signature: string;
  format: FeedFormat;
}

const formatOf = (file: string): FeedFormat | null => (/\.csv(\.gz)?$/i.test(file) ? 'CSV' : /\.tsv(\.gz)?$/i.test(file) ? 'TSV' : /\.xml(\.gz)?$/i.test(file) ? 'XML' : null);

export function catalogFixtures(deps: { catalogs: CatalogService; feeds: FeedService; users: UserStore; clock: Clock; ids: IdGenerator }) {
  return defineFixtureSection({
    key: 'catalogs',
    item: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'owner'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 255 },
        owner: { type: 'string' },
        catalog_type: { enum: CATALOG_TYPES },
        feeds: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['name', 'file'],
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 255 },
              file: { type: 'string', minLength: 1 },
              format: { enum: ['CSV', 'TSV', 'XML'] },
              location: { type: 'string', pattern: '^https?://', maxLength: 2048 },
              default_country: { type: 'string', pattern: '^[A-Z]{2}$' },
              default_locale: { type: 'string', maxLength: 6 },
              default_currency: { type: 'string', pattern: '^[A-Z]{3}$' },
            },
          },
        },
        items: {
          type: 'array',
          maxItems: 10_000,
          items: { type: 'object', additionalProperties: false, required: ['item_id', 'attributes'], properties: { item_id: { type: 'string', minLength: 1, maxLength: 127 }, attributes: { type: 'object' } } },
        },
      },
    },
    async check(items: readonly CatalogFixture[], { names, baseDir }) {
      const prepared: { feeds: PreparedFeed[]; items: CheckedItem[] }[] = [];
      for (const [i, catalog] of items.entries()) {
        if (!names.declare('catalog', catalog.name)) throw invalidFixture(`catalogs[${i}].name`, `${catalog.name} appears twice`);
        if (!(await names.known('user', catalog.owner))) throw invalidFixture(`catalogs[${i}].owner`, `names no user (${catalog.owner})`);
        const type = catalog.catalog_type ?? 'RETAIL';
        const feeds: PreparedFeed[] = [];
        for (const [j, feed] of (catalog.feeds ?? []).entries()) {
          const path = `catalogs[${i}].feeds[${j}]`;
          const format = feed.format ?? formatOf(feed.file);
          if (!format) throw invalidFixture(`${path}.format`, 'is required: the file name does not end in .csv, .tsv or .xml');
          const summary = emptySummary();
          const samples: Sample[] = [];
          const checked: CheckedItem[] = [];
          try {
            const file = isAbsolute(feed.file) ? feed.file : resolve(baseDir, feed.file);
            const signature = await checkFeedFile(createReadStream(file), { format, default_currency: feed.default_currency ?? null, default_availability: null, signature: null }, type, summary, samples, async (item) => {
              checked.push(item);
            });
            feeds.push({ items: checked, summary, samples, signature, format });
          } catch (error) {
            if (error instanceof FeedFileError) throw invalidFixture(`${path}.file`, `cannot be ingested: ${error.code} (${error.message})`);
            if ((error as { code?: string }).code === 'ENOENT') throw invalidFixture(`${path}.file`, `is not a file (${feed.file})`);
            throw error;
          }
        }
        const inline: CheckedItem[] = [];
        for (const [j, item] of (catalog.items ?? []).entries()) {
          const result = checkerFor(type).check({ ...attributesAsRow(item.attributes), id: item.item_id }, {});
          if (!result.item) throw invalidFixture(`catalogs[${i}].items[${j}].attributes`, `is refused: ${result.errors.map((e) => e.code).join(', ')}`);
          inline.push(result.item);
        }
        prepared.push({ feeds, items: inline });
      }
      return prepared;
    },
    async write(tx, items, prepared, { names }) {
      const made: { name: string; id: string; feeds: string[] }[] = [];
      const now = deps.clock.now();
      for (const [i, fixture] of items.entries()) {
        const ownerId = await names.idOf('user', fixture.owner, tx);
        const owner = await deps.users.getById(ownerId, tx);
        if (owner?.account_type !== 'BUSINESS') throw invalidFixture(`catalogs[${i}].owner`, `${fixture.owner} is not a business account`);
        const catalog = await deps.catalogs.insert(tx, ownerId, { catalog_type: fixture.catalog_type ?? 'RETAIL', name: fixture.name });
        const feedIds: string[] = [];
        for (const [j, feed] of (fixture.feeds ?? []).entries()) {
          const ready = prepared[i].feeds[j];
          const row = await deps.feeds.insert(tx, ownerId, catalog, {
            name: feed.name,
            format: ready.format,
            location: feed.location ?? `https://feeds.pinbox.invalid/${encodeURIComponent(feed.file)}`,
            default_country: feed.default_country ?? 'US',
            default_locale: feed.default_locale ?? 'en-US',
            default_currency: feed.default_currency ?? null,
          });
          const resultId = deps.ids.next();
          await tx.run("INSERT INTO catalog_processing_results (id, feed_id, status, due_at, created_at, updated_at) VALUES (?, ?, 'PROCESSING', ?, ?, ?)", [resultId, row.id, now, now, now]);
          await finishResult(tx, resultId, 'COMPLETED', ready.summary, ready.samples, now);
          await tx.run('UPDATE catalog_feeds SET signature = ? WHERE id = ?', [ready.signature, row.id]);
          await upsertItems(tx, catalog.id, ready.items, { feedId: row.id, seenIn: resultId, country: row.default_country, language: row.default_locale }, now);
          feedIds.push(row.id);
        }
        await upsertItems(tx, catalog.id, prepared[i].items, { feedId: null, seenIn: null, country: 'US', language: 'en-US' }, now);
        names.record('catalog', fixture.name, catalog.id);
        made.push({ name: fixture.name, id: catalog.id, feeds: feedIds });
      }
      return made;
    },
  });
}
