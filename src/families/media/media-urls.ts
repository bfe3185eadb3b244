import { createHmac, timingSafeEqual } from 'node:crypto';
import { VIDEO_CONTENT_TYPES, type VideoExt } from './video-probe.js';

/** Where the bytes of videos are served. */
export const VIDEO_PATH = '/media/videos';

/**
 * How a Pin's stored media JSON names its video: the blob key of the upload
 * (`/media/videos/<media_id>.<ext>`), a reference only; the URL a client sees is
 * written from it when the Pin is read (see MediaUrls.at).
 */
const STORED_VIDEO_URL = /\/media\/videos\/(\d+)\.(mp4|mov)"/g;

/** A served video's file name: `<media_id>-<64 hex digits of its HMAC>.<ext>`. */
const SERVED_VIDEO_NAME = /^(\d+)-([0-9a-f]{64})\.([a-z0-9]+)$/;

/** The URLs of one request's answers, from the stored media JSON of Pins. */
export interface ServedMedia {
  /** The origin the client reached pinbox at, e.g. `http://127.0.0.1:3000`. */
  readonly base: string;
  /** The stored media JSON with every pinbox URL made absolute and each video's name signed. */
  json(storedMedia: string): string;
}

/**
 * The names videos are served under. Image URLs carry the SHA-256 of their bytes,
 * so knowing one means having seen the picture; a media id is a timestamp and a
 * counter, found in a hundred guesses. A video is therefore served under its id
 * and an HMAC of it with a key derived from the instance secret, which only a Pin's
 * `video_url` tells. Pinterest serves video Pins from its CDN under names nobody
 * guesses either.
 *
 * @example
 * const urls = new MediaUrls(instanceSecret);
 * urls.videoName('1234', 'mp4') // '1234-9f2c….mp4'
 * urls.at('http://127.0.0.1:3000').json('{"video_url":"/media/videos/1234.mp4"}')
 * // '{"video_url":"http://127.0.0.1:3000/media/videos/1234-9f2c….mp4"}'
 */
export class MediaUrls {
  private readonly videoKey: Buffer;

  constructor(instanceSecret: Buffer) {
    this.videoKey = createHmac('sha256', instanceSecret).update('media-video-names').digest();
  }

  private mac(mediaId: string): Buffer {
    return createHmac('sha256', this.videoKey).update(mediaId).digest();
  }

  /** The file name the upload `mediaId`'s video is served under. */
  videoName(mediaId: string, ext: VideoExt): string {
    return `${mediaId}-${this.mac(mediaId).toString('hex')}.${ext}`;
  }

  /** The upload a served file name stands for, or null when the name is not one pinbox gave (compared in constant time). */
  parseVideoName(file: string): { mediaId: string; ext: VideoExt } | null {
    const match = SERVED_VIDEO_NAME.exec(file);
    if (!match || !Object.hasOwn(VIDEO_CONTENT_TYPES, match[3])) return null;
    const given = Buffer.from(match[2], 'hex');
    return timingSafeEqual(given, this.mac(match[1])) ? { mediaId: match[1], ext: match[3] as VideoExt } : null;
  }

  /** The URLs of answers to a client that reached pinbox at `base`. */
  at(base: string): ServedMedia {
    const absolute = `"${base}/media/`;
    return {
      base,
      json: (storedMedia) => {
        const json = storedMedia.replaceAll('"/media/', absolute);
        // Only a video Pin's media holds a video: most Pins are left after one search.
        if (!json.includes('/media/videos/')) return json;
        return json.replace(STORED_VIDEO_URL, (_whole, mediaId: string, ext: VideoExt) => `${VIDEO_PATH}/${this.videoName(mediaId, ext)}"`);
      },
    };
  }
}
