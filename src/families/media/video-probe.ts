/**
 * mediabunny, loaded on the first video: a process that never sees one (and its
 * start-up) does not pay for the module.
 */
let mediabunny: Promise<typeof import('mediabunny')> | null = null;
function loadMediabunny(): Promise<typeof import('mediabunny')> {
  mediabunny ??= import('mediabunny').then((module) => {
    // A file mediabunny cannot read is a client's upload pinbox refuses with a reason,
    // not something for the server's console.
    module.Logging.level = module.LogLevel.Silent;
    return module;
  });
  return mediabunny;
}

/**
 * Pinterest's rules for a video Pin's file.
 * Pinterest: help.pinterest.com "Video Pins" creative specs and business.pinterest.com
 * "Pinterest product specs": .mp4, .mov or .m4v; H.264 or H.265; 2 GB at most;
 * 4 seconds to 15 minutes.
 */
export const VIDEO_LIMITS = {
  maxBytes: 2 * 1024 ** 3,
  minDurationMs: 4_000,
  maxDurationMs: 15 * 60_000,
} as const;

/** The containers pinbox keeps, by the extension it serves them with, and their media types. */
export const VIDEO_CONTENT_TYPES = { mp4: 'video/mp4', mov: 'video/quicktime' } as const;
export type VideoExt = keyof typeof VIDEO_CONTENT_TYPES;

/** Codecs Pinterest encodes video Pins from, as mediabunny names them. */
const ACCEPTED_CODECS: Readonly<Record<string, string>> = { avc: 'H.264', hevc: 'H.265' };

export interface VideoFacts {
  /** `video/mp4` or `video/quicktime`. */
  contentType: string;
  /** File extension the video is served with. */
  ext: VideoExt;
  durationMs: number;
  width: number;
  height: number;
}

export type VideoProbe = { ok: true; facts: VideoFacts } | { ok: false; reason: string };

/**
 * Reads the container of the file at `path` (mediabunny, pure TypeScript: nothing
 * is decoded, and only the parts it needs are read, through a small cache, so a
 * 2 GB file costs no more memory than a small one) and checks it against
 * Pinterest's rules. The reason of a refusal completes "the uploaded file …".
 */
export async function probeVideo(path: string): Promise<VideoProbe> {
  const { ALL_FORMATS, FilePathSource, Input, MP4, QTFF } = await loadMediabunny();
  // A read failing between reads is answered by the read that meets it, never an unhandled rejection.
  const input = new Input({ source: new FilePathSource(path, { handleUnhandledError: () => undefined }), formats: ALL_FORMATS });
  try {
    let format;
    try {
      format = await input.getFormat();
    } catch {
      return { ok: false, reason: 'is not a video file (no container pinbox recognizes: send an .mp4, .mov or .m4v)' };
    }
    if (format !== MP4 && format !== QTFF) {
      return { ok: false, reason: `is a ${format.name} file; Pinterest takes .mp4, .mov or .m4v videos` };
    }
    const track = await input.getPrimaryVideoTrack();
    if (!track) return { ok: false, reason: 'has no video track' };
    if (!track.codec || !ACCEPTED_CODECS[track.codec]) {
      return { ok: false, reason: `is encoded as ${track.codec ?? 'an unknown codec'}; Pinterest takes ${Object.values(ACCEPTED_CODECS).join(' or ')}` };
    }
    if (!(await track.getFirstTimestamp().then(() => true, () => false))) return { ok: false, reason: 'has a video track with no frames' };
    const durationMs = Math.round((await input.computeDuration()) * 1000);
    const width = track.displayWidth;
    const height = track.displayHeight;
    if (!width || !height) return { ok: false, reason: 'has a video track with no picture size' };
    if (durationMs < VIDEO_LIMITS.minDurationMs) return { ok: false, reason: `lasts ${durationMs / 1000} s; a video Pin lasts at least 4 seconds` };
    if (durationMs > VIDEO_LIMITS.maxDurationMs) return { ok: false, reason: `lasts ${durationMs / 1000} s; a video Pin lasts at most 15 minutes` };
    const ext: VideoExt = format === QTFF ? 'mov' : 'mp4';
    return { ok: true, facts: { contentType: VIDEO_CONTENT_TYPES[ext], ext, durationMs, width, height } };
  } catch (error) {
    return { ok: false, reason: `could not be read as a video: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    input.dispose();
  }
}
