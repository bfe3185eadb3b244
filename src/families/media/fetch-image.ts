import type { FetchPolicy } from '../../kernel/outbound/fetch-policy.js';
import { guardedFetch, OutboundFetchError, type OutboundLimits } from '../../kernel/outbound/guarded-fetch.js';
import { ImageProblem } from './images.js';

export type FetchLimits = OutboundLimits;

/** Pinterest: images up to 20 MB; pinbox gives a slow host 10 seconds and follows up to 5 redirects. */
export const DEFAULT_FETCH_LIMITS: FetchLimits = { timeoutMs: 10_000, maxBytes: 20 * 1024 * 1024, maxRedirects: 5 };

/** URLs are named in messages, up to this many characters. */
const URL_SHOWN = 200;

/**
 * Fetches the image at `url` as Pinterest does when a Pin is made from an image
 * URL: http(s) only, redirects bounded, a time-out, a size cap, and an image
 * Content-Type, through the fetch policy (`guardedFetch`).
 *
 * What the caller is told: a refusal by the policy says so (no connection was
 * made, so there is nothing of the host's to tell). A failure at a public address
 * says what failed (the status, the Content-Type, the socket error), as does one at
 * an internal address while pinbox listens on loopback (its callers could ask that
 * address themselves). Behind a pinbox others reach, a failure at an internal
 * address says only that the URL could not be fetched: its status code, Content-Type
 * or socket error would map what only pinbox reaches. The log has the detail.
 * @throws ImageProblem naming what went wrong, for a 400 that names the field.
 */
export async function fetchImage(url: string, policy: FetchPolicy, limits: FetchLimits = DEFAULT_FETCH_LIMITS): Promise<Buffer> {
  const shown = url.length > URL_SHOWN ? `${url.slice(0, URL_SHOWN)}…` : url;
  let fetched: { body: Buffer; confidential: boolean };
  try {
    fetched = await guardedFetch(url, {
      policy,
      limits,
      headers: { accept: 'image/*', 'user-agent': 'pinbox (Pinterest API emulator)' },
      inspect: ({ status, headers, confidential }) => {
        const problem = (message: string, detail: string) => (confidential ? hidden(shown, detail) : new ImageProblem(message, detail));
        if (status < 200 || status > 299) throw problem(`could not be fetched: HTTP ${status}`, `HTTP ${status}`);
        const contentType = (headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        if (!contentType.startsWith('image/')) {
          throw problem(`is not an image: the server sent Content-Type ${contentType || '(none)'}`, `Content-Type ${contentType || '(none)'}`);
        }
      },
    });
  } catch (error) {
    if (!(error instanceof OutboundFetchError)) throw error;
    if (error.failure === 'refused') {
      throw new ImageProblem(`could not be fetched: ${shown} leads to an address this pinbox does not fetch from (internal or denied; see --fetch-allow)`, error.detail);
    }
    if (error.confidential) throw hidden(shown, error.detail);
    if (error.failure === 'too_large') throw new ImageProblem(`is larger than ${limits.maxBytes} bytes`, error.detail);
    throw new ImageProblem(`could not be fetched: ${error.detail}`, error.detail);
  }
  if (fetched.body.length === 0) throw fetched.confidential ? hidden(shown, 'an empty body') : new ImageProblem('is empty', 'an empty body');
  return fetched.body;
}

/** The one message of a failure at an internal address that callers must not learn more of. */
function hidden(shown: string, detail: string): ImageProblem {
  return new ImageProblem(`could not be fetched: ${shown} failed at an internal address (pinbox's log says why)`, detail);
}
