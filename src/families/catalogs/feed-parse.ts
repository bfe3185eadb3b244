/**
 * Reads a feed file as it downloads: gzip is detected by its magic bytes, the text
 * must be UTF-8, and CSV/TSV (csv-parse) or XML, RSS 2.0 or Atom with the `g:`
 * namespace (saxes), is parsed as a stream, row by row, so a large file never sits
 * in memory. File-level problems end the parse with Pinterest's code.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { parse as parseCsv, CsvError } from 'csv-parse';
import { SaxesParser } from 'saxes';

export type FeedFormat = 'CSV' | 'TSV' | 'XML';

/** A problem with the whole file: the ingestion fails with this validation error code. */
export class FeedFileError extends Error {
  constructor(
    readonly code: 'FETCH_ERROR' | 'ENCODING_ERROR' | 'MALFORMED_XML' | 'REQUIRED_COLUMNS_MISSING' | 'DELIMITER_ERROR',
    message: string,
  ) {
    super(message);
  }
}

/** One row of the file, by its place among the items (0 is the first). */
export type FeedRow = { itemNumber: number; row: Record<string, string> } | { itemNumber: number; parseError: string };

/** What was read besides the rows: the file's signature once it ended, the header's warnings. */
export interface FeedReading {
  rows: AsyncGenerator<FeedRow>;
  /** SHA-256 of the bytes as they came (set when `rows` is done). */
  signature(): string;
  /** File-level warnings (DUPLICATE_HEADERS), known once the header is read. */
  warnings: string[];
}

const GZIP_MAGIC = [0x1f, 0x8b];

/** Pipes `source` into `target`, passing on the source's failure (`pipe` alone would leave it unhandled). */
function piped<T extends NodeJS.ReadWriteStream & { destroy(error?: Error): unknown }>(source: AsyncIterable<unknown>, target: T): T {
  const readable = Readable.from(source);
  readable.once('error', (error) => target.destroy(error));
  readable.pipe(target);
  return target;
}

/** The bytes, hashed as they pass, gunzipped when they start with gzip's magic. */
async function* decompressed(source: AsyncIterable<Buffer>, hash: ReturnType<typeof createHash>): AsyncGenerator<Buffer> {
  const iterator = source[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const rest = async function* (): AsyncGenerator<Buffer> {
    hash.update(first.value);
    yield first.value;
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      hash.update(next.value);
      yield next.value;
    }
  };
  if (first.value[0] === GZIP_MAGIC[0] && first.value[1] === GZIP_MAGIC[1]) {
    const gunzip = piped(rest(), createGunzip());
    try {
      for await (const chunk of gunzip) yield chunk as Buffer;
    } catch (error) {
      if ((error as { code?: string }).code?.startsWith('Z_')) throw new FeedFileError('ENCODING_ERROR', 'the file starts as gzip but does not decompress');
      throw error;
    }
    return;
  }
  yield* rest();
}

/** UTF-8 text, refused at the first invalid byte. */
async function* utf8(source: AsyncIterable<Buffer>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of source) {
      const text = decoder.decode(chunk, { stream: true });
      if (text) yield text;
    }
    const tail = decoder.decode();
    if (tail) yield tail;
  } catch (error) {
    if (error instanceof TypeError) throw new FeedFileError('ENCODING_ERROR', 'the file is not valid UTF-8');
    throw error;
  }
}

/**
 * Parses `source` as `format`; `requiredColumns` are checked against a CSV/TSV
 * header (an XML item names its attributes itself).
 */
export function readFeed(source: AsyncIterable<Buffer>, format: FeedFormat, requiredColumns: readonly string[]): FeedReading {
  const hash = createHash('sha256');
  let signature: string | null = null;
  const warnings: string[] = [];
  const text = utf8(decompressed(source, hash));
  const inner = format === 'XML' ? xmlRows(text) : delimitedRows(text, format === 'TSV' ? '\t' : ',', requiredColumns, warnings);
  async function* rows(): AsyncGenerator<FeedRow> {
    yield* inner;
    signature = hash.digest('hex');
  }
  return {
    rows: rows(),
    signature: () => {
      if (signature === null) throw new Error('the feed has not been read to its end');
      return signature;
    },
    warnings,
  };
}

/** Pinterest accepts `item_id` for `id`; headers are matched without case or surrounding space. */
function columnName(header: string): string {
  const name = header.trim().toLowerCase().replace(/^g:/, '');
  return name === 'item_id' ? 'id' : name;
}

async function* delimitedRows(text: AsyncGenerator<string>, delimiter: string, requiredColumns: readonly string[], warnings: string[]): AsyncGenerator<FeedRow> {
  const parser = piped(
    text,
    parseCsv({ delimiter, bom: true, relax_column_count: true, relax_quotes: true, skip_empty_lines: true, quote: delimiter === '\t' ? false : '"' }),
  );
  let header: string[] | null = null;
  let itemNumber = 0;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (!header) {
        header = record.map(columnName);
        if (new Set(header).size !== header.length) warnings.push('DUPLICATE_HEADERS');
        const missing = requiredColumns.filter((column) => !header!.includes(column));
        if (missing.length > 0) throw new FeedFileError('REQUIRED_COLUMNS_MISSING', `the header lacks ${missing.join(', ')}`);
        continue;
      }
      const number = itemNumber++;
      if (record.length !== header.length) {
        yield { itemNumber: number, parseError: `has ${record.length} fields where the header has ${header.length}` };
        continue;
      }
      const row: Record<string, string> = {};
      header.forEach((column, i) => {
        if (row[column] === undefined || row[column] === '') row[column] = record[i];
      });
      yield { itemNumber: number, row };
    }
  } catch (error) {
    if (error instanceof CsvError) throw new FeedFileError('DELIMITER_ERROR', error.message);
    throw error;
  }
  if (!header) throw new FeedFileError('REQUIRED_COLUMNS_MISSING', 'the file is empty: it has no header');
}

/** RSS 2.0 `<item>` or Atom `<entry>` elements; each child's local name (g:price → price) is an attribute. */
async function* xmlRows(text: AsyncGenerator<string>): AsyncGenerator<FeedRow> {
  const parser = new SaxesParser({ xmlns: false });
  const ready: FeedRow[] = [];
  let failure: Error | null = null;
  let rootSeen = false;
  let depthInItem = -1;
  let current: Record<string, string> | null = null;
  let field: string | null = null;
  let value = '';
  let itemNumber = 0;
  const local = (name: string) => name.slice(name.indexOf(':') + 1).toLowerCase();
  parser.on('error', (error) => {
    failure ??= new FeedFileError('MALFORMED_XML', error.message);
  });
  parser.on('opentag', (tag) => {
    if (!rootSeen) {
      rootSeen = true;
      if (!['rss', 'feed'].includes(local(tag.name))) failure ??= new FeedFileError('MALFORMED_XML', `the root element is <${tag.name}>, not an RSS 2.0 <rss> or an Atom <feed>`);
      return;
    }
    if (current === null) {
      if (tag.name === 'item' || tag.name === 'entry') {
        current = {};
        depthInItem = 0;
      }
      return;
    }
    depthInItem++;
    if (depthInItem === 1) {
      field = columnName(local(tag.name));
      value = '';
      const href = tag.attributes.href;
      if (field === 'link' && typeof href === 'string') value = href;
    }
  });
  parser.on('text', (chunk) => {
    if (field !== null && depthInItem === 1) value += chunk;
  });
  parser.on('cdata', (chunk) => {
    if (field !== null && depthInItem === 1) value += chunk;
  });
  parser.on('closetag', () => {
    if (current === null) return;
    if (depthInItem === 0) {
      ready.push({ itemNumber: itemNumber++, row: current });
      current = null;
      depthInItem = -1;
      return;
    }
    if (depthInItem === 1 && field !== null) {
      const trimmed = value.trim();
      // Repeated elements (additional_image_link) are joined as a feed column lists them.
      current[field] = current[field] ? `${current[field]},${trimmed}` : trimmed;
      field = null;
    }
    depthInItem--;
  });
  for await (const chunk of text) {
    parser.write(chunk);
    if (failure) throw failure;
    yield* ready.splice(0);
  }
  parser.close();
  if (failure) throw failure;
  if (!rootSeen) throw new FeedFileError('MALFORMED_XML', 'the file holds no XML element');
  yield* ready.splice(0);
}
