import { availableParallelism } from 'node:os';
import { sha256Hex } from '../../kernel/sha256.js';
import type SharpFactory from 'sharp';
import type { Metadata, Sharp } from 'sharp';

/**
 * sharp (libvips), loaded on the first picture to process: start-up and the calls
 * that bring a picture pinbox stores already do not pay for loading it.
 */
let sharpModule: Promise<typeof SharpFactory> | null = null;
function loadSharp(): Promise<typeof SharpFactory> {
  sharpModule ??= import('sharp').then(({ default: sharp }) => {
    // One libvips thread per image, and at most one image per core but one: the core
    // left over keeps the event loop answering other requests while a burst of large
    // images is processed (unbounded, libvips' threads would crowd it out).
    sharp.concurrency(1);
    return sharp;
  });
  return sharpModule;
}
const IMAGE_WORKERS = Math.max(1, availableParallelism() - 1);
let running = 0;
const waiting: (() => void)[] = [];

async function withImageWorker<T>(work: () => Promise<T>): Promise<T> {
  // A finishing job hands its slot straight to the next waiter.
  if (running >= IMAGE_WORKERS) await new Promise<void>((resolve) => waiting.push(resolve));
  else running++;
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/**
 * The sizes Pinterest returns in `media.images`: two cropped to fit exactly, two
 * that keep the aspect at a fixed width (never enlarged), and the original.
 */
export const IMAGE_SIZES = ['150x150', '400x300', '600x', '1200x'] as const;
export type ImageSize = (typeof IMAGE_SIZES)[number] | 'originals';

/** Formats pinbox reads, as sharp names them, with the media type and file extension each is served with. */
const READABLE_FORMATS: Record<string, { contentType: string; ext: string }> = {
  jpeg: { contentType: 'image/jpeg', ext: 'jpg' },
  png: { contentType: 'image/png', ext: 'png' },
  webp: { contentType: 'image/webp', ext: 'webp' },
  gif: { contentType: 'image/gif', ext: 'gif' },
  tiff: { contentType: 'image/tiff', ext: 'tiff' },
};

/** The media type of each extension pinbox serves pictures with. */
export const CONTENT_TYPE_OF_EXT: Readonly<Record<string, string>> = Object.fromEntries(
  Object.values(READABLE_FORMATS).map(({ ext, contentType }) => [ext, contentType]),
);

/** Pixels pinbox agrees to decode (about 16k x 16k): a decompression bomb is refused, not decoded. */
const MAX_INPUT_PIXELS = 268_402_689;

export interface Rendition {
  size: ImageSize;
  width: number;
  height: number;
  contentType: string;
  ext: string;
  bytes: Buffer;
}

export interface ProcessedImage {
  /** SHA-256 of the source bytes: one picture is processed and stored once, whatever Pins use it. */
  key: string;
  /** `#RRGGBB`, from the pixels. */
  dominantColor: string;
  /** Every size, `originals` first. */
  renditions: Rendition[];
}

/** What is wrong with bytes that were meant to be an image; the message completes "… <field> …". */
export class ImageProblem extends Error {
  constructor(
    message: string,
    /** What the log may add that the caller is not told (an internal host's answer). */
    readonly logDetail?: string,
  ) {
    super(message);
  }
}

export function imageKey(bytes: Buffer): string {
  return sha256Hex(bytes);
}

/**
 * Reads an image and makes the sizes Pinterest serves. sharp (libvips) does the
 * work on libuv's thread pool, so the event loop keeps serving other requests.
 * @throws ImageProblem when the bytes are not an image pinbox can read.
 */
export function processImage(bytes: Buffer): Promise<ProcessedImage> {
  return withImageWorker(() => readAndResize(bytes));
}

async function readAndResize(bytes: Buffer): Promise<ProcessedImage> {
  const sharp = await loadSharp();
  const source = () => sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error' });
  let metadata: Metadata;
  try {
    metadata = await source().metadata();
  } catch {
    throw new ImageProblem(`is not an image pinbox can read (it reads ${Object.keys(READABLE_FORMATS).join(', ')})`);
  }
  const format = metadata.format ? READABLE_FORMATS[metadata.format] : undefined;
  if (!format) throw new ImageProblem(`is a ${metadata.format ?? 'unknown'} file, not one of ${Object.keys(READABLE_FORMATS).join(', ')}`);
  if (!metadata.width || !metadata.height) throw new ImageProblem('has no width or height');

  try {
    // The large size is made from the source; the smaller ones from it, which is
    // cheaper than decoding a big source four times. EXIF orientation is applied.
    const large = await jpeg(source().rotate().resize({ width: 1200, withoutEnlargement: true }));
    const fromLarge = () => sharp(large.bytes);
    const [medium, card, square, sample] = await Promise.all([
      jpeg(fromLarge().resize({ width: 600, withoutEnlargement: true })),
      jpeg(fromLarge().resize(400, 300, { fit: 'cover' })),
      jpeg(fromLarge().resize(150, 150, { fit: 'cover' })),
      source().rotate().resize(64, 64, { fit: 'inside' }).flatten({ background: '#ffffff' }).removeAlpha().raw().toBuffer(),
    ]);
    // EXIF orientations 5 to 8 turn the picture a quarter: the original's sides swap.
    const turned = (metadata.orientation ?? 1) >= 5;
    const original: Rendition = {
      size: 'originals',
      width: turned ? metadata.height : metadata.width,
      height: turned ? metadata.width : metadata.height,
      ...format,
      bytes,
    };
    return {
      key: imageKey(bytes),
      dominantColor: dominantColor(sample),
      renditions: [
        original,
        { size: '150x150', ...square },
        { size: '400x300', ...card },
        { size: '600x', ...medium },
        { size: '1200x', ...large },
      ],
    };
  } catch (error) {
    if (error instanceof ImageProblem) throw error;
    throw new ImageProblem(`could not be decoded as ${metadata.format}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
  }
}

/**
 * The most common color of packed RGB pixels: the pixels are grouped by color
 * (16 levels a channel), and the fullest group's average is the answer, so a
 * one-color image gives exactly its color.
 */
function dominantColor(rgb: Buffer): string {
  const counts = new Uint32Array(4096);
  const sums = new Float64Array(4096 * 3);
  for (let i = 0; i + 2 < rgb.length; i += 3) {
    const bin = ((rgb[i] >> 4) << 8) | ((rgb[i + 1] >> 4) << 4) | (rgb[i + 2] >> 4);
    counts[bin]++;
    sums[bin * 3] += rgb[i];
    sums[bin * 3 + 1] += rgb[i + 1];
    sums[bin * 3 + 2] += rgb[i + 2];
  }
  let best = 0;
  for (let bin = 1; bin < counts.length; bin++) if (counts[bin] > counts[best]) best = bin;
  const channel = (offset: number) => Math.round(sums[best * 3 + offset] / Math.max(counts[best], 1));
  return `#${[channel(0), channel(1), channel(2)].map((c) => c.toString(16).padStart(2, '0')).join('').toUpperCase()}`;
}

async function jpeg(pipeline: Sharp): Promise<Omit<Rendition, 'size'>> {
  // JPEG has no transparency: transparent pixels become white, as on Pinterest's pages.
  const { data, info } = await pipeline.flatten({ background: '#ffffff' }).jpeg({ quality: 85 }).toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, contentType: 'image/jpeg', ext: 'jpg', bytes: data };
}
