import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Takes one frame of a video as a PNG with ffmpeg (Debian's package), for
 * `cover_image_key_frame_time`. Decoding H.264/H.265 needs a real decoder; no
 * well-kept pure-JavaScript one exists, so this is the one part of the video
 * pipeline that needs a program on the host.
 */
export class KeyFrameExtractor {
  private available: Promise<boolean> | null = null;

  constructor(private readonly ffmpeg: string = process.env.PINBOX_FFMPEG ?? 'ffmpeg') {}

  /** Whether ffmpeg can be run here (asked once). */
  isAvailable(): Promise<boolean> {
    this.available ??= run(this.ffmpeg, ['-hide_banner', '-version']).then(
      () => true,
      () => false,
    );
    return this.available;
  }

  /**
   * The frame at `seconds` of the video file at `input` (ffmpeg reads what it needs
   * of it); at or past `durationMs`, the last frame.
   * Pinterest: "If entered time exceeds video duration, the last frame is used" (`PinMediaSourceVideoID`).
   */
  async frameAt(input: string, seconds: number, durationMs: number): Promise<Buffer> {
    const dir = await mkdtemp(join(tmpdir(), 'pinbox-frame-'));
    try {
      const output = join(dir, 'frame.png');
      const seek =
        seconds * 1000 < durationMs
          ? ['-ss', String(seconds), '-i', input, '-frames:v', '1']
          : // Seek near the end and keep overwriting one picture: the last frame decoded stays.
            ['-sseof', '-1', '-i', input, '-update', '1'];
      await run(this.ffmpeg, ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...seek, '-an', output]);
      return await readFile(output);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { timeout: 30_000, maxBuffer: 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`${command} failed: ${stderr.toString().trim().split('\n').at(-1) ?? error.message}`));
      else resolve();
    });
  });
}
