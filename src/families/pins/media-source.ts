import { invalidField } from '../../kernel/errors.js';

/** Limits on a Pin's media source. Pinterest: `PinMediaSource*` in the official spec; 20 MB per image (Pinterest's image guidelines). */
export const MEDIA_LIMITS = {
  carouselMinItems: 2,
  carouselMaxItems: 5,
  imageMaxBytes: 20 * 1024 * 1024,
  urlMaxLength: 2048,
} as const;

const IMAGE_CONTENT_TYPES = ['image/jpeg', 'image/png'] as const;

export interface NewBlob {
  id: string;
  contentType: string;
  data: Buffer;
}

export interface ImageRef {
  url: string;
  width: number | null;
  height: number | null;
}

export type StoredMedia =
  | { media_type: 'image'; images: { originals: ImageRef } }
  | {
      media_type: 'multiple_images';
      items: { item_type: 'image'; title: string | null; description: string | null; link: string | null; images: { originals: ImageRef } }[];
    };

export interface ResolvedMedia {
  media: StoredMedia;
  creativeType: 'REGULAR' | 'CAROUSEL';
  blobs: NewBlob[];
}

/** Where pinbox serves a stored upload; relative, made absolute per request. */
export function blobPath(id: string): string {
  return `/media/blobs/${id}`;
}

type Json = Record<string, unknown>;

/**
 * Turns a Pin's `media_source` into the media pinbox stores and returns.
 * Until real image processing arrives, the stored source is what is returned:
 * the URL given, or the uploaded bytes served back by pinbox; sizes are unknown
 * (null), never made up.
 */
export function resolveMediaSource(source: Json, newId: () => string): ResolvedMedia {
  const type = source.source_type;
  switch (type) {
    case 'image_url':
      return { media: { media_type: 'image', images: { originals: imageFromUrl(source.url, 'media_source.url') } }, creativeType: 'REGULAR', blobs: [] };
    case 'image_base64': {
      const blob = blobFromBase64(source.content_type, source.data, 'media_source', newId);
      return {
        media: { media_type: 'image', images: { originals: { url: blobPath(blob.id), width: null, height: null } } },
        creativeType: 'REGULAR',
        blobs: [blob],
      };
    }
    case 'multiple_image_urls':
    case 'multiple_image_base64': {
      const items = carouselItems(source);
      const blobs: NewBlob[] = [];
      const resolved = items.map((item, index) => {
        const field = `media_source.items[${index}]`;
        let image: ImageRef;
        if (type === 'multiple_image_urls') image = imageFromUrl(item.url, `${field}.url`);
        else {
          const blob = blobFromBase64(item.content_type, item.data, field, newId);
          blobs.push(blob);
          image = { url: blobPath(blob.id), width: null, height: null };
        }
        return {
          item_type: 'image' as const,
          title: optionalText(item.title, `${field}.title`, 100),
          description: optionalText(item.description, `${field}.description`, 800),
          link: optionalText(item.link, `${field}.link`, MEDIA_LIMITS.urlMaxLength),
          images: { originals: image },
        };
      });
      return { media: { media_type: 'multiple_images', items: resolved }, creativeType: 'CAROUSEL', blobs };
    }
    case 'video_id':
    case 'pin_url':
      throw invalidField('media_source.source_type', `'${type}' needs the media upload flow, which this pinbox does not provide yet`);
    default:
      throw invalidField(
        'media_source.source_type',
        'must be one of image_url, image_base64, multiple_image_urls, multiple_image_base64, video_id, pin_url',
      );
  }
}

function carouselItems(source: Json): Json[] {
  const items = source.items;
  if (!Array.isArray(items)) throw invalidField('media_source.items', 'is required and must be an array');
  if (items.length < MEDIA_LIMITS.carouselMinItems || items.length > MEDIA_LIMITS.carouselMaxItems) {
    throw invalidField('media_source.items', `must hold ${MEDIA_LIMITS.carouselMinItems} to ${MEDIA_LIMITS.carouselMaxItems} images`);
  }
  if (source.index !== undefined && (!Number.isInteger(source.index) || (source.index as number) < 0)) {
    throw invalidField('media_source.index', 'must be a non-negative integer');
  }
  return items.map((item, index) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) throw invalidField(`media_source.items[${index}]`, 'must be an object');
    return item as Json;
  });
}

function imageFromUrl(value: unknown, field: string): ImageRef {
  if (typeof value !== 'string' || value.length === 0) throw invalidField(field, 'is required');
  if (value.length > MEDIA_LIMITS.urlMaxLength) throw invalidField(field, `must be at most ${MEDIA_LIMITS.urlMaxLength} characters`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalidField(field, 'must be an absolute http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidField(field, 'must be an absolute http or https URL');
  return { url: value, width: null, height: null };
}

function blobFromBase64(contentType: unknown, data: unknown, field: string, newId: () => string): NewBlob {
  if (typeof contentType !== 'string' || !(IMAGE_CONTENT_TYPES as readonly string[]).includes(contentType)) {
    throw invalidField(`${field}.content_type`, `must be one of ${IMAGE_CONTENT_TYPES.join(', ')}`);
  }
  if (typeof data !== 'string' || data.length === 0) throw invalidField(`${field}.data`, 'is required');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 === 1) throw invalidField(`${field}.data`, 'is not valid base64');
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length === 0) throw invalidField(`${field}.data`, 'is empty');
  if (bytes.length > MEDIA_LIMITS.imageMaxBytes) throw invalidField(`${field}.data`, `must decode to at most ${MEDIA_LIMITS.imageMaxBytes} bytes`);
  return { id: newId(), contentType, data: bytes };
}

function optionalText(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidField(field, 'must be a string');
  if (value.length > max) throw invalidField(field, `must be at most ${max} characters`);
  return value;
}

/** The stored media JSON, with pinbox-served URLs made absolute for this request. */
export function mediaJson(media: string, base: string): string {
  return media.includes('"/media/blobs/') ? media.replaceAll('"/media/blobs/', `"${base}/media/blobs/`) : media;
}

/** The URL of a Pin's (first) image, for board covers and thumbnails. */
export function firstImageUrl(media: string, base: string): string | null {
  const parsed = JSON.parse(mediaJson(media, base)) as StoredMedia;
  const url = parsed.media_type === 'image' ? parsed.images.originals.url : parsed.items[0]?.images.originals.url;
  return url ?? null;
}
