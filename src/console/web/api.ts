/**
 * How the console talks to pinbox: the control plane (`/_pinbox`, signed in by the
 * session cookie, the CSRF token on every change) and the v5 API as a user (with a
 * short-lived token of that user the control plane issues, kept in memory only).
 * The same calls the CLI makes; errors keep Pinterest's `{code, message}`.
 */

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | string | null,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
  }
}

interface Session {
  csrf: string;
  csrf_header: string;
  expires_at: string;
  version: string;
}

let session: Session | null = null;

/** Reads the session (and its CSRF token); sends the browser to sign in when there is none. */
export async function loadSession(): Promise<Session> {
  const response = await fetch('/console/session', { credentials: 'same-origin', cache: 'no-store' });
  if (response.status === 401) {
    location.assign('/console/sign-in');
    throw new ApiError(401, 2, 'Not signed in', null);
  }
  session = (await response.json()) as Session;
  return session;
}

async function answer<T>(response: Response): Promise<T> {
  if (response.status === 204) return undefined as T;
  const type = response.headers.get('content-type') ?? '';
  const body: unknown = type.includes('json') ? await response.json() : await response.text();
  if (!response.ok) {
    const error = body as { code?: number | string; message?: string } | string;
    const message = typeof error === 'string' ? error : (error?.message ?? `${response.status} ${response.statusText}`);
    if (response.status === 401) {
      // The session lapsed: sign in again.
      if (response.url.includes('/_pinbox/')) location.assign('/console/sign-in');
    }
    throw new ApiError(response.status, typeof error === 'object' ? (error?.code ?? null) : null, message, body);
  }
  return body as T;
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function headersFor(method: string, body: unknown, extra?: Record<string, string>): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', ...extra };
  if (body !== undefined && !(body instanceof Blob) && typeof body !== 'string') headers['content-type'] = 'application/json';
  if (UNSAFE.has(method) && session) headers[session.csrf_header] = session.csrf;
  return headers;
}

function encode(body: unknown): BodyInit | undefined {
  if (body === undefined) return undefined;
  if (body instanceof Blob || typeof body === 'string') return body;
  return JSON.stringify(body);
}

/**
 * Calls the control plane.
 * @example await control('POST', '/clock/advance', { by: '1d' })
 */
export async function control<T = unknown>(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<T> {
  const response = await fetch(`/_pinbox${path}`, { method, credentials: 'same-origin', headers: headersFor(method, body, headers), body: encode(body) });
  return answer<T>(response);
}

const tokens = new Map<string, { token: string; expires: number }>();

/** A token of `username` (asked for once an hour). */
async function tokenOf(username: string): Promise<string> {
  const held = tokens.get(username);
  if (held && held.expires - Date.now() > 60_000) return held.token;
  const issued = await control<{ token: string; expires_at: string }>('POST', `/users/${encodeURIComponent(username)}/token`);
  tokens.set(username, { token: issued.token, expires: Date.parse(issued.expires_at) });
  return issued.token;
}

/**
 * Calls the v5 API as `username`, as any Pinterest client would.
 * @example const boards = await v5<{ items: Board[] }>('alice', 'GET', '/boards')
 */
export async function v5<T = unknown>(username: string, method: string, path: string, body?: unknown): Promise<T> {
  const token = await tokenOf(username);
  const headers: Record<string, string> = { accept: 'application/json', authorization: `Bearer ${token}` };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`/v5${path}`, { method, headers, body: encode(body) });
  return answer<T>(response);
}

/** Every page of a bookmark-paginated v5 list (up to `max` items). */
export async function v5All<T>(username: string, path: string, max = 1000): Promise<T[]> {
  const items: T[] = [];
  let bookmark: string | null = null;
  do {
    const join = path.includes('?') ? '&' : '?';
    const page: { items: T[]; bookmark?: string | null } = await v5(username, 'GET', `${path}${join}page_size=100${bookmark ? `&bookmark=${encodeURIComponent(bookmark)}` : ''}`);
    items.push(...page.items);
    bookmark = page.bookmark ?? null;
  } while (bookmark && items.length < max);
  return items;
}

/**
 * Listens to a control-plane stream of server-sent events (the journal, the audit
 * log); returns the function that stops it. The browser reconnects by itself.
 * @example const stop = listen('/journal/stream', (entry) => rows.push(entry))
 */
export function listen<T>(path: string, onEvent: (data: T) => void, onOpen?: () => void): () => void {
  const source = new EventSource(`/_pinbox${path}`, { withCredentials: true });
  source.onmessage = (event) => onEvent(JSON.parse(event.data) as T);
  if (onOpen) source.onopen = onOpen;
  return () => source.close();
}

export async function signOut(): Promise<void> {
  await fetch('/console/sign-out', { method: 'POST', credentials: 'same-origin', headers: session ? { [session.csrf_header]: session.csrf } : {} });
  location.assign('/console/sign-in');
}
