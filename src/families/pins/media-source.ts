import { invalidField } from '../../kernel/errors.js';
import type { ImageService, LoadedImage } from '../media/image-service.js';
import type { ImageDetails, StoredImage } from '../media/image-store.js';

/** Limits on a Pin's media source. Pinterest: `PinMediaSource*` in the official spec. */
const MEDIA_LIMITS = {
  carouselMinItems: 2,
  carouselMaxItems: 5,
  urlMaxLength: 2048,
} as const;

type ImageSet = StoredImage['images'];

export type StoredMedia =
  | { media_type: 'image'; images: ImageSet }
  | {
      media_type: 'multiple_images';
      items: { item_type: 'image'; title: string | null; description: string | null; link: string | null; images: ImageSet }[];
    };

/** A media source read and checked, with its images loaded but not yet stored. */
export interface ResolvedMedia {
  creativeType: 'REGULAR' | 'CAROUSEL';
  images: LoadedImage[];
  /** The media JSON once `images` are stored, in the same order. */
  build(stored: StoredImage[]): StoredMedia;
}

type Json = Record<string, unknown>;

/**
 * Reads a Pin's `media_source`: checks its fields, fetches or decodes every image
 * and processes it (outside any transaction: this is the slow part). Every problem
 * is a 400 naming the field.
 */
export async function resolveMediaSource(source: Json, images: ImageService): Promise<ResolvedMedia> {
  const type = source.source_type;
  switch (type) {
    case 'image_url':
    case 'image_base64': {
      const image =
        type === 'image_url'
          ? await images.fromUrl(checkedUrl(source.url, 'media_source.url'), 'media_source.url')
          : await images.fromBase64(source.content_type, source.data, 'media_source');
      return { creativeType: 'REGULAR', images: [image], build: ([stored]) => ({ media_type: 'image', images: stored.images }) };
    }
    case 'multiple_image_urls':
    case 'multiple_image_base64': {
      const items = carouselItems(source).map((item, index) => {
        const field = `media_source.items[${index}]`;
        return {
          item,
          field,
          text: {
            title: optionalText(item.title, `${field}.title`, 100),
            description: optionalText(item.description, `${field}.description`, 800),
            link: optionalText(item.link, `${field}.link`, MEDIA_LIMITS.urlMaxLength),
          },
          url: type === 'multiple_image_urls' ? checkedUrl(item.url, `${field}.url`) : null,
        };
      });
      // Every field is checked before any image is fetched; then the images load in parallel.
      const loaded = await Promise.all(
        items.map(({ item, field, url }) => (url !== null ? images.fromUrl(url, `${field}.url`) : images.fromBase64(item.content_type, item.data, field))),
      );
      return {
        creativeType: 'CAROUSEL',
        images: loaded,
        build: (stored) => ({
          media_type: 'multiple_images',
          items: items.map(({ text }, index) => ({ item_type: 'image', ...text, images: stored[index].images })),
        }),
      };
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

function checkedUrl(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw invalidField(field, 'is required');
  if (value.length > MEDIA_LIMITS.urlMaxLength) throw invalidField(field, `must be at most ${MEDIA_LIMITS.urlMaxLength} characters`);
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw invalidField(field, 'must be an absolute http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalidField(field, 'must be an absolute http or https URL');
  return value;
}

function optionalText(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalidField(field, 'must be a string');
  if (value.length > max) throw invalidField(field, `must be at most ${max} characters`);
  return value;
}

/** The stored media JSON, with pinbox-served URLs (stored relative) made absolute for this request. */
export function mediaJson(media: string, base: string): string {
  return media.includes('"/media/') ? media.replaceAll('"/media/', `"${base}/media/`) : media;
}

/** One size of a Pin's (first) image, for board covers (400x300) and thumbnails (150x150). */
export function firstImageUrl(media: string, base: string, size: '150x150' | '400x300'): string | null {
  const parsed = JSON.parse(mediaJson(media, base)) as StoredMedia;
  const images: Partial<Record<string, ImageDetails>> | undefined = parsed.media_type === 'image' ? parsed.images : parsed.items[0]?.images;
  // Pins stored before images were processed hold their original only.
  return images?.[size]?.url ?? images?.originals?.url ?? null;
}
