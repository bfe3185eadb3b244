/**
 * Drives pinbox's OAuth pages over real HTTP without a browser: a tiny cookie jar,
 * the sign-in and consent forms read from the HTML, redirects read from Location.
 * (The browser test drives the same pages in Chromium.)
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { ApiResponse, Client } from './harness.js';

export interface PageResponse {
  status: number;
  html: string;
  location: string | null;
  headers: Headers;
}

/** One browser's worth of cookies, and requests that never follow redirects. */
export class PageSession {
  private readonly cookies = new Map<string, string>();

  constructor(readonly baseUrl: string) {}

  private remember(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  async request(method: 'GET' | 'POST', path: string, form?: Record<string, string>): Promise<PageResponse> {
    const headers: Record<string, string> = {};
    if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (form) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: form ? new URLSearchParams(form).toString() : undefined,
      redirect: 'manual',
    });
    this.remember(response);
    return { status: response.status, html: await response.text(), location: response.headers.get('location'), headers: response.headers };
  }
}

/** The value of a hidden input in a page (the CSRF token, the carried `next`). */
export function hiddenValue(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  assert.ok(match, `no hidden '${name}' in page:\n${html.slice(0, 2000)}`);
  return match[1].replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>');
}

/** Every hidden input of the form that posts to `action`. */
export function formFields(html: string, action: string): Record<string, string> {
  const start = html.indexOf(`<form method="post" action="${action}">`);
  assert.ok(start >= 0, `no form posting to ${action}:\n${html.slice(0, 2000)}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const fields: Record<string, string> = {};
  for (const match of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[match[1]] = hiddenValue(match[0], match[1]);
  return fields;
}

export interface AuthorizeParams {
  client_id: string;
  redirect_uri: string;
  scope: string;
  response_type?: string;
  state?: string;
  code_challenge?: string;
  code_challenge_method?: string;
}

export function authorizePath(params: AuthorizeParams): string {
  const query = new URLSearchParams({ response_type: 'code', ...params } as Record<string, string>);
  return `/oauth/?${query}`;
}

/** Signs in on the page the authorize URL shows; returns the consent page. */
export async function signIn(session: PageSession, params: AuthorizeParams, username: string, password: string): Promise<PageResponse> {
  const signInPage = await session.request('GET', authorizePath(params));
  assert.equal(signInPage.status, 200, signInPage.html.slice(0, 500));
  const posted = await session.request('POST', '/oauth/login', { ...formFields(signInPage.html, '/oauth/login'), username, password });
  assert.equal(posted.status, 303, posted.html.slice(0, 800));
  const consent = await session.request('GET', posted.location!);
  assert.equal(consent.status, 200, consent.html.slice(0, 500));
  return consent;
}

/**
 * The whole front channel: sign in, then Allow (or Deny). Returns the URL the
 * browser is sent back to (the redirect URI with `code` and `state`, or `error`).
 */
export async function authorize(
  baseUrl: string,
  params: AuthorizeParams,
  user: { username: string; password: string },
  decision: 'allow' | 'deny' = 'allow',
): Promise<URL> {
  const session = new PageSession(baseUrl);
  const consent = await signIn(session, params, user.username, user.password);
  const answered = await session.request('POST', '/oauth/authorize', { ...formFields(consent.html, '/oauth/authorize'), decision });
  assert.equal(answered.status, 303, answered.html.slice(0, 800));
  return new URL(answered.location!);
}

/** A PKCE pair: a random verifier and its S256 challenge. */
export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(48).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export function basic(clientId: string, secret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
}

/** POSTs a form to a `/v5/oauth/...` endpoint with the app's credentials, through the checked client. */
export function postForm(api: Client, path: string, form: Record<string, string>, credentials: { id: string; secret: string } | null): Promise<ApiResponse> {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (credentials) headers.authorization = basic(credentials.id, credentials.secret);
  return api.request('POST', path, { rawBody: new URLSearchParams(form).toString(), headers, token: null });
}
