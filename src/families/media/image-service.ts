import { invalidField } from '../../kernel/errors.js';
import type { Queryable } from '../../storage/database.js';
import type { FetchPolicy } from '../../kernel/outbound/fetch-policy.js';
import { DEFAULT_FETCH_LIMITS, fetchImage, type FetchLimits } from './fetch-image.js';
import { CONTENT_TYPE_OF_EXT, ImageProblem, imageKey, processImage, type ProcessedImage } from './images.js';
import type { ImageStore, StoredImage } from './image-store.js';

/** Pinterest: a base64 image is declared JPEG or PNG (`ContentType` in the spec). */
const BASE64_IMAGE_TYPES = ['image/jpeg', 'image/png'] as const;


function withoutPadding(base64: string): string {
  let end = base64.length;
  while (end > 0 && base64.charCodeAt(end - 1) === 61 /* = */) end--;
  return end === base64.length ? base64 : base64.slice(0, end);
}

/** The content type of a stored picture, from its original's extension. */
function storedType(stored: StoredImage): string {
  return CONTENT_TYPE_OF_EXT[stored.images.originals.url.split('.').pop() ?? ''] ?? 'unknown';
}

function checkDeclaredType(field: string, declaredType: string | null, actualType: string): void {
  if (declaredType && declaredType !== actualType) {
    throw invalidField(field, `holds ${actualType} data, not ${declaredType} as its content_type declares`);
  }
}

/** An image a request brought, read and (unless pinbox has it already) processed, not yet stored. */
export interface LoadedImage {
  key: string;
  bytes: Buffer;
  /** null when pinbox already stores this picture (or, before `lookedUp`, may store it). */
  processed: ProcessedImage | null;
  field: string;
  /** The content type the request declared (base64 images), checked against the picture. */
  declaredType: string | null;
  /**
   * false for an image decoded but not yet looked up (`fromBase64` with `lookUp: false`):
   * `retain` then takes it only if pinbox stores it already, and otherwise throws
   * `PictureNotStored` so the caller can `lookUp` (process) it outside its transaction.
   */
  lookedUp: boolean;
}

/** `retain` met a decoded picture pinbox does not store: it must be processed first (`lookUp`). */
export class PictureNotStored extends Error {
  constructor(readonly key: string) {
    super(`picture ${key} is not stored yet`);
  }
}

/**
 * Images for Pins: fetched by URL or decoded from base64, checked, processed into
 * Pinterest's sizes, and stored once per distinct picture.
 */
export class ImageService {
  constructor(
    private readonly store: ImageStore,
    private readonly fetchPolicy: FetchPolicy,
    private readonly fetchLimits: FetchLimits = DEFAULT_FETCH_LIMITS,
  ) {}

  get maxBytes(): number {
    return this.fetchLimits.maxBytes;
  }

  /** Fetches and reads the image at `url`; problems are 400s naming `field`. */
  async fromUrl(url: string, field: string): Promise<LoadedImage> {
    let bytes: Buffer;
    try {
      bytes = await fetchImage(url, this.fetchPolicy, this.fetchLimits);
    } catch (error) {
      if (!(error instanceof ImageProblem)) throw error;
      const refusal = invalidField(field, error.message);
      refusal.logDetail = error.logDetail && `${url}: ${error.logDetail}`;
      throw refusal;
    }
    return this.load(bytes, field, null);
  }

  /**
   * Decodes and reads a base64 image declared as `contentType`. The fields are
   * named `<field>.content_type` and `<field>.data`, or as `fields` says.
   */
  async fromBase64(
    contentType: unknown,
    data: unknown,
    field: string,
    fields = { contentType: `${field}.content_type`, data: `${field}.data` },
    options: { lookUp?: boolean } = {},
  ): Promise<LoadedImage> {
    if (typeof contentType !== 'string' || !(BASE64_IMAGE_TYPES as readonly string[]).includes(contentType)) {
      throw invalidField(fields.contentType, `must be one of ${BASE64_IMAGE_TYPES.join(', ')}`);
    }
    if (typeof data !== 'string' || data.length === 0) throw invalidField(fields.data, 'is required');
    // base64 carries 3 bytes in 4 characters; refuse before decoding what is surely too big.
    if ((data.length / 4) * 3 > this.maxBytes + 3) throw invalidField(fields.data, `must decode to at most ${this.maxBytes} bytes`);
    const bytes = Buffer.from(data, 'base64');
    // Node's decoder skips characters that are not base64; encoding the result again
    // must give the text back. (A regular expression over megabytes of text would
    // hold the event loop for tens of milliseconds.)
    if (withoutPadding(bytes.toString('base64')) !== withoutPadding(data)) throw invalidField(fields.data, 'is not valid base64');
    if (bytes.length === 0) throw invalidField(fields.data, 'is empty');
    if (options.lookUp === false) return { key: imageKey(bytes), bytes, processed: null, field: fields.data, declaredType: contentType, lookedUp: false };
    return this.load(bytes, fields.data, contentType);
  }

  /** Looks up (and, when new, processes) an image decoded with `lookUp: false`. */
  lookUp(image: LoadedImage): Promise<LoadedImage> {
    return image.lookedUp ? Promise.resolve(image) : this.load(image.bytes, image.field, image.declaredType);
  }

  /** Reads image bytes pinbox made itself (a frame taken from a video). */
  fromBytes(bytes: Buffer, field: string): Promise<LoadedImage> {
    return this.load(bytes, field, null);
  }

  private async load(bytes: Buffer, field: string, declaredType: string | null): Promise<LoadedImage> {
    const key = imageKey(bytes);
    const known = await this.store.find(key);
    let processed: ProcessedImage | null = null;
    let actualType: string;
    if (known) {
      actualType = storedType(known);
    } else {
      try {
        processed = await processImage(bytes);
      } catch (error) {
        throw error instanceof ImageProblem ? invalidField(field, error.message) : error;
      }
      actualType = processed.renditions[0].contentType;
    }
    checkDeclaredType(field, declaredType, actualType);
    return { key, bytes, processed, field, declaredType, lookedUp: true };
  }

  /**
   * Stores (or takes one more reference to) a loaded image inside the caller's
   * transaction. An image not yet looked up is only taken if stored already: its
   * declared type is checked then, and otherwise `PictureNotStored` is thrown.
   */
  async retain(q: Queryable, image: LoadedImage): Promise<StoredImage> {
    const stored = await this.store.retain(q, image.key, image.processed);
    if (stored) {
      if (!image.lookedUp) checkDeclaredType(image.field, image.declaredType, storedType(stored));
      return stored;
    }
    if (!image.lookedUp) throw new PictureNotStored(image.key);
    // Swept since it was read: process it again, now that nothing else holds it.
    return (await this.store.retain(q, image.key, await processImage(image.bytes)))!;
  }
}
