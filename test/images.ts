/**
 * Real images for tests, made with sharp, and a local HTTP host that serves them
 * (there is no internet here, and a test must control what a URL answers).
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** A one-color image of the given size, encoded as `format`. */
export function makeImage(options: { width: number; height: number; color: string; format: ImageFormat }): Promise<Buffer> {
  return sharp({ create: { width: options.width, height: options.height, channels: 3, background: options.color } })
    .toFormat(options.format)
    .toBuffer();
}

/** A color of its own for each name, so differently named images are different pictures. */
export function colorOf(name: string): string {
  return `#${createHash('sha256').update(name).digest('hex').slice(0, 6)}`;
}

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** One HTTP server per test process, answering whatever each path was given. */
class ImageHost {
  private readonly handlers = new Map<string, Handler>();
  private listening: Promise<string> | null = null;

  private base(): Promise<string> {
    this.listening ??= new Promise((resolve) => {
      const server = createServer((request, response) => {
        // No keep-alive: the test process must be free to exit as soon as its tests end.
        response.setHeader('connection', 'close');
        const handler = this.handlers.get((request.url ?? '').split('?')[0]);
        if (handler) return handler(request, response);
        response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      });
      server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
      server.unref();
    });
    return this.listening;
  }

  /** Answers `path` with `handler`; returns its URL. */
  async route(path: string, handler: Handler): Promise<string> {
    this.handlers.set(path, handler);
    return `${await this.base()}${path}`;
  }

  /** Serves `bytes` at `path` as `contentType`; returns the URL. */
  serve(path: string, bytes: Buffer, contentType: string): Promise<string> {
    return this.route(path, (_request, response) => {
      response.writeHead(200, { 'content-type': contentType, 'content-length': bytes.length }).end(bytes);
    });
  }
}

export const imageHost = new ImageHost();

const hosted = new Map<string, Promise<string>>();

/**
 * The URL of a small PNG of its own color for `name`, served by the test's image host.
 * @example createPin(client, board.id, { media_source: await imageUrlSource('cover') })
 */
export function hostedImageUrl(name = 'default'): Promise<string> {
  let url = hosted.get(name);
  if (!url) {
    url = makeImage({ width: 80, height: 60, color: colorOf(name), format: 'png' }).then((bytes) =>
      imageHost.serve(`/generated/${encodeURIComponent(name)}.png`, bytes, 'image/png'),
    );
    hosted.set(name, url);
  }
  return url;
}

/** A `media_source` that makes an image Pin from a hosted PNG. */
export async function imageUrlSource(name = 'default'): Promise<{ source_type: 'image_url'; url: string }> {
  return { source_type: 'image_url', url: await hostedImageUrl(name) };
}
