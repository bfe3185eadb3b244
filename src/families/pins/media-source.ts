import type { AuthContext } from '../../kernel/auth.js';
import { ApiError, invalidField } from '../../kernel/errors.js';
import type { ImageService, LoadedImage } from '../media/image-service.js';
import type { ImageDetails, StoredImage } from '../media/image-store.js';
import type { KeyFrameExtractor } from '../media/key-frame.js';
import type { MediaUploadService, ReadyVideo } from '../media/upload-service.js';

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
    }
  | {
      media_type: 'video';
      /** The cover's sizes. */
      images: ImageSet;
      cover_image_url: string;
      video_url: string;
      duration: number;
      width: number;
      height: number;
    };

/** A media source read and checked, with its images loaded but not yet stored. */
export interface ResolvedMedia {
  creativeType: 'REGULAR' | 'CAROUSEL' | 'VIDEO';
  images: LoadedImage[];
  /** The media JSON once `images` are stored, in the same order. */
  build(stored: StoredImage[]): StoredMedia;
  /** `media_source.is_standard` when given (video Pins). */
  isStandard?: boolean;
  /** The upload a video Pin is made from. */
  videoMediaId?: string;
}

/** What reading a media source needs besides the source itself. */
export interface MediaSources {
  images: ImageService;
  uploads: MediaUploadService;
  keyFrames: KeyFrameExtractor;
}

type Json = Record<string, unknown>;

/** Sources whose every image comes in the request (base64): reading them needs neither the network nor the store. */
export function isInlineImageSource(source: Json): boolean {
  return source.source_type === 'image_base64' || source.source_type === 'multiple_image_base64';
}

/**
 * Reads a Pin's `media_source`: checks its fields, fetches or decodes every image
 * and processes it (outside any transaction: this is the slow part). Every problem
 * is a 400 naming the field. With `deferLookups`, base64 images are only decoded and
 * checked (`lookedUp: false`): `ImageService.retain` takes them in the transaction if
 * pinbox stores them already, and `ImageService.lookUp` processes them otherwise.
 */
export async function resolveMediaSource(auth: AuthContext, source: Json, sources: MediaSources, options: { deferLookups?: boolean } = {}): Promise<ResolvedMedia> {
  const { images } = sources;
  const type = source.source_type;
  const lookUp = !options.deferLookups;
  switch (type) {
    case 'image_url':
    case 'image_base64': {
      const image =
        type === 'image_url'
          ? await images.fromUrl(checkedUrl(source.url, 'media_source.url'), 'media_source.url')
          : await images.fromBase64(source.content_type, source.data, 'media_source', undefined, { lookUp });
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
        items.map(({ item, field, url }) => (url !== null ? images.fromUrl(url, `${field}.url`) : images.fromBase64(item.content_type, item.data, field, undefined, { lookUp }))),
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
      return resolveVideo(auth, source, sources);
    case 'pin_url':
      // Pinterest: "Currently the field is only available to a list of beta users" (`PinMediaSourcePinURL`).
      throw new ApiError('not_permitted', "Creating Pins from 'pin_url' is available only to Pinterest's beta users.");
    default:
      throw invalidField(
        'media_source.source_type',
        'must be one of image_url, image_base64, multiple_image_urls, multiple_image_base64, video_id, pin_url',
      );
  }
}

/**
 * A video Pin: a succeeded upload of the caller's, and a cover from a URL, base64
 * data, or a frame of the video.
 * Pinterest: `PinMediaSourceVideoID`; a video Pin needs a cover image.
 */
async function resolveVideo(auth: AuthContext, source: Json, sources: MediaSources): Promise<ResolvedMedia> {
  const mediaId = source.media_id;
  if (typeof mediaId !== 'string' || !/^\d+$/.test(mediaId)) throw invalidField('media_source.media_id', 'is required and must be a numeric string');
  if (source.is_standard !== undefined && typeof source.is_standard !== 'boolean') throw invalidField('media_source.is_standard', 'must be true or false');
  const covers = (['cover_image_url', 'cover_image_data', 'cover_image_key_frame_time'] as const).filter((name) => source[name] !== undefined && source[name] !== null);
  if (covers.length === 0) {
    throw invalidField('media_source.cover_image_url', 'is required for a video Pin: send cover_image_url, cover_image_data (with cover_image_content_type) or cover_image_key_frame_time');
  }
  if (covers.length > 1) throw invalidField(`media_source.${covers[1]}`, `cannot be sent with media_source.${covers[0]}: give one cover`);
  const frameTime = source.cover_image_key_frame_time;
  if (frameTime !== undefined && (!Number.isInteger(frameTime) || (frameTime as number) < 0)) {
    throw invalidField('media_source.cover_image_key_frame_time', 'must be a whole number of seconds, 0 or more');
  }
  const video = await sources.uploads.readyVideo(auth, mediaId, 'media_source.media_id');
  let cover: LoadedImage;
  if (covers[0] === 'cover_image_url') cover = await sources.images.fromUrl(checkedUrl(source.cover_image_url, 'media_source.cover_image_url'), 'media_source.cover_image_url');
  else if (covers[0] === 'cover_image_data') {
    cover = await sources.images.fromBase64(source.cover_image_content_type, source.cover_image_data, 'media_source', {
      contentType: 'media_source.cover_image_content_type',
      data: 'media_source.cover_image_data',
    });
  } else cover = await frameCover(video, frameTime as number, sources);
  return {
    creativeType: 'VIDEO',
    images: [cover],
    isStandard: source.is_standard as boolean | undefined,
    videoMediaId: video.mediaId,
    build: ([stored]) => ({
      media_type: 'video',
      images: stored.images,
      cover_image_url: stored.images.originals.url,
      // The upload's blob key, a reference: the URL served is written from it on each read (MediaUrls).
      video_url: `/media/${video.blobKey}`,
      duration: video.durationMs,
      width: video.width,
      height: video.height,
    }),
  };
}

async function frameCover(video: ReadyVideo, seconds: number, sources: MediaSources): Promise<LoadedImage> {
  const field = 'media_source.cover_image_key_frame_time';
  if (!(await sources.keyFrames.isAvailable())) {
    throw new ApiError('unavailable_here', `'${field}' needs ffmpeg on the pinbox host (apt-get install ffmpeg); send cover_image_url or cover_image_data instead.`);
  }
  const frame = await sources.uploads.withVideoFile(video, (path) => sources.keyFrames.frameAt(path, seconds, video.durationMs));
  if (!frame) throw new ApiError('media_not_found');
  return sources.images.fromBytes(frame, field);
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

/** One size of a Pin's (first) image, for board covers (400x300) and thumbnails (150x150). */
export function firstImageUrl(media: string, base: string, size: '150x150' | '400x300'): string | null {
  // Pictures only: their stored URLs need just the origin (a video's name is signed by MediaUrls).
  const parsed = JSON.parse(media.replaceAll('"/media/', `"${base}/media/`)) as StoredMedia;
  const images: Partial<Record<string, ImageDetails>> | undefined = parsed.media_type === 'multiple_images' ? parsed.items[0]?.images : parsed.images;
  // Pins stored before images were processed hold their original only.
  return images?.[size]?.url ?? images?.originals?.url ?? null;
}
