/**
 * Real videos for tests, encoded by Debian's ffmpeg (scripts/ensure-debian-tools.sh
 * installs it), and the upload step a client runs against `upload_url`.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface VideoSpec {
  /** Each segment's color (ffmpeg color syntax, e.g. `red` or `0x3366CC`) and seconds. */
  segments: { color: string; seconds: number }[];
  width?: number;
  height?: number;
  /** Container and extension; default mp4. */
  container?: 'mp4' | 'mov' | 'webm';
  /** ffmpeg encoder; default libx264. */
  codec?: string;
  /** An audio track beside the picture. */
  audio?: boolean;
}

/** Encodes a small video of one-color segments. */
export async function makeVideo(spec: VideoSpec): Promise<Buffer> {
  const { width = 64, height = 96, container = 'mp4', codec = container === 'webm' ? 'libvpx' : 'libx264' } = spec;
  const dir = await mkdtemp(join(tmpdir(), 'pinbox-video-'));
  try {
    const output = join(dir, `video.${container}`);
    const inputs = spec.segments.flatMap(({ color, seconds }) => ['-f', 'lavfi', '-i', `color=c=${color}:s=${width}x${height}:r=10:d=${seconds}`]);
    const total = spec.segments.reduce((sum, segment) => sum + segment.seconds, 0);
    const audio = spec.audio ? ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${total}`] : [];
    const concat = spec.segments.map((_, index) => `[${index}:v]`).join('') + `concat=n=${spec.segments.length}:v=1:a=0[v]`;
    const maps = ['-map', '[v]', ...(spec.audio ? ['-map', `${spec.segments.length}:a`, '-c:a', container === 'webm' ? 'libvorbis' : 'aac'] : [])];
    const pixels = codec === 'libx264' ? ['-pix_fmt', 'yuv420p', '-preset', 'ultrafast'] : [];
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...inputs, ...audio, '-filter_complex', concat, ...maps, '-c:v', codec, ...pixels, output]);
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Encodes a sound with no picture, in an .m4a (MP4) file. */
export async function makeAudioOnly(seconds: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'pinbox-audio-'));
  try {
    const output = join(dir, 'sound.m4a');
    await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', '-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}`, '-c:a', 'aac', output]);
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Posts a file to an upload URL the way Pinterest tells clients to: every upload
 * parameter as a form field, then the file as `file`.
 */
export async function uploadFile(
  uploadUrl: string,
  parameters: Record<string, string>,
  bytes: Buffer,
  filename = 'video.mp4',
): Promise<{ status: number; text: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(parameters)) form.append(name, value);
  form.append('file', new Blob([bytes]), filename);
  const response = await fetch(uploadUrl, { method: 'POST', body: form });
  return { status: response.status, text: await response.text() };
}

/**
 * An ISO BMFF `free` box of `size` bytes (header included): players and parsers
 * skip it, so a video followed by one is still that video, only bigger.
 */
export function freeBoxHeader(size: number): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(size, 0);
  header.write('free', 4, 'latin1');
  return header;
}

/** `video` with a `free` box after it, `padding` bytes in all. */
export function paddedVideo(video: Buffer, padding: number): Buffer {
  return Buffer.concat([video, freeBoxHeader(padding), Buffer.alloc(padding - 8)]);
}

/**
 * The bytes of an upload form around its file, for a client that streams the file
 * itself: send `head`, then the file's bytes, then `tail`, with `contentType`.
 */
export function uploadFormAround(parameters: Record<string, string>, filename = 'video.mp4'): { head: Buffer; tail: Buffer; contentType: string } {
  const boundary = `pinbox-test-${Math.random().toString(16).slice(2)}`;
  let head = '';
  for (const [name, value] of Object.entries(parameters)) head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`;
  return { head: Buffer.from(head), tail: Buffer.from(`\r\n--${boundary}--\r\n`), contentType: `multipart/form-data; boundary=${boundary}` };
}
