import { ImageProblem } from './images.js';

export interface FetchLimits {
  /** The whole fetch, redirects and body included. */
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
}

/** Pinterest: images up to 20 MB; pinbox gives a slow host 10 seconds and follows up to 5 redirects. */
export const DEFAULT_FETCH_LIMITS: FetchLimits = { timeoutMs: 10_000, maxBytes: 20 * 1024 * 1024, maxRedirects: 5 };

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Fetches the image at `url` as Pinterest does when a Pin is made from an image
 * URL: http(s) only, redirects bounded, a time-out, a size cap, and an image
 * Content-Type. Redirects are followed by hand so each hop is checked.
 * @throws ImageProblem naming what went wrong, for a 400 that names the field.
 */
export async function fetchImage(url: string, limits: FetchLimits = DEFAULT_FETCH_LIMITS): Promise<Buffer> {
  const signal = AbortSignal.timeout(limits.timeoutMs);
  let current = new URL(url);
  for (let hop = 0; ; hop++) {
    if (current.protocol !== 'http:' && current.protocol !== 'https:') throw new ImageProblem(`led to ${current.protocol} URL, not http or https`);
    let response: Response;
    try {
      response = await fetch(current, { redirect: 'manual', signal, headers: { accept: 'image/*', 'user-agent': 'pinbox (Pinterest API emulator)' } });
    } catch (error) {
      throw new ImageProblem(`could not be fetched: ${describeFailure(error, limits)}`);
    }
    if (REDIRECTS.has(response.status)) {
      await response.body?.cancel();
      const location = response.headers.get('location');
      if (!location) throw new ImageProblem(`could not be fetched: HTTP ${response.status} without a Location`);
      if (hop >= limits.maxRedirects) throw new ImageProblem(`could not be fetched: more than ${limits.maxRedirects} redirects`);
      current = new URL(location, current);
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new ImageProblem(`could not be fetched: HTTP ${response.status}`);
    }
    const contentType = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (!contentType.startsWith('image/')) {
      await response.body?.cancel();
      throw new ImageProblem(`is not an image: the server sent Content-Type ${contentType || '(none)'}`);
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (declared > limits.maxBytes) {
      await response.body?.cancel();
      throw new ImageProblem(`is larger than ${limits.maxBytes} bytes`);
    }
    return readCapped(response, limits);
  }
}

async function readCapped(response: Response, limits: FetchLimits): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body ?? []) {
      size += chunk.byteLength;
      if (size > limits.maxBytes) {
        await response.body?.cancel().catch(() => undefined);
        throw new ImageProblem(`is larger than ${limits.maxBytes} bytes`);
      }
      chunks.push(Buffer.from(chunk));
    }
  } catch (error) {
    if (error instanceof ImageProblem) throw error;
    throw new ImageProblem(`could not be fetched: ${describeFailure(error, limits)}`);
  }
  if (size === 0) throw new ImageProblem('is empty');
  return Buffer.concat(chunks, size);
}

function describeFailure(error: unknown, limits: FetchLimits): string {
  const err = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (err.name === 'TimeoutError' || err.name === 'AbortError') return `no answer within ${limits.timeoutMs / 1000} s`;
  return err.cause?.code ?? err.cause?.message ?? err.message ?? String(error);
}
