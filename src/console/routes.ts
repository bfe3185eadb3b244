/**
 * The console's pages under `/console`: sign-in (the printed link, or the admin key
 * typed into a form), sign-out, the session the page reads its CSRF token from, and
 * the built single-page app (`dist/console-app`, made by `npm run build`). Nothing of
 * the app is served before sign-in. Everything the app then does goes through the
 * control plane (`/_pinbox`, which takes the session cookie in place of the admin
 * key, with the CSRF token on every change) and the v5 API, as the CLI does.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import formbody from '@fastify/formbody';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { safeEqual } from '../kernel/auth.js';
import { escapeHtml, page } from '../families/oauth/html.js';
import { isLoopback } from '../control/loopback.js';
import { CONSOLE_COOKIE, CSRF_HEADER, SESSION_LIFETIME_MS, type ConsoleSession, type ConsoleSessions } from './sessions.js';

export const CONSOLE_PATH = '/console';

/** Where the built console is: `dist/console-app` of the package this file belongs to (from src/ under tsx, or dist/). */
export function consoleAssetsDir(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i += 1) {
    if (existsSync(join(dir, 'package.json'))) {
      const built = join(dir, 'dist', 'console-app');
      return existsSync(join(built, 'index.html')) ? built : null;
    }
    dir = dirname(dir);
  }
  return null;
}

const COOKIE_PATTERN = new RegExp(`(?:^|;)\\s*${CONSOLE_COOKIE}=([^;]*)`);

/** The session a request's console cookie stands for, or null. */
export function sessionOf(sessions: ConsoleSessions, request: FastifyRequest): ConsoleSession | null {
  const header = request.headers.cookie;
  if (typeof header !== 'string' || !header.includes(CONSOLE_COOKIE)) return null;
  const value = COOKIE_PATTERN.exec(header)?.[1];
  return value === undefined ? null : sessions.session(decodeURIComponent(value));
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The built files, read once: a few hundred kilobytes, served from memory. */
function readAssets(dir: string): Map<string, { type: string; body: Buffer }> {
  const files = new Map<string, { type: string; body: Buffer }>();
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else files.set(`/${relative(dir, path).split('\\').join('/')}`, { type: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream', body: readFileSync(path) });
    }
  };
  walk(dir);
  return files;
}

/** What the console's page may load: its own files, pinbox's images and videos, calls to this origin. */
export const CONSOLE_PAGE_HEADERS = {
  'x-frame-options': 'DENY',
  'content-security-policy':
    "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
} as const;

/**
 * Whether a cookie-authenticated request may change state: it carries the
 * session's CSRF token, and a browser's Origin (when sent) is this host's.
 */
export function sameOriginWithCsrf(sessions: ConsoleSessions, session: ConsoleSession, request: FastifyRequest): boolean {
  const header = request.headers[CSRF_HEADER];
  return sessions.csrfMatches(session, typeof header === 'string' ? header : undefined) && originIsOurs(request);
}

function originIsOurs(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host === request.host;
  } catch {
    return false;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
export const isSafeMethod = (method: string) => SAFE_METHODS.has(method);

function signInPage(message: string | null, status: number, reply: FastifyReply) {
  const body = `<h1>Sign in to the pinbox console</h1>
${message ? `<p role="alert" id="sign-in-error" class="error">${escapeHtml(message)}</p>` : ''}
<p>Open the console link <code>pinbox start</code> printed (it signs this browser in once), or give the admin key.
<code>pinbox ctl console-link</code> prints a new link.</p>
<form method="post" action="${CONSOLE_PATH}/sign-in">
<label for="admin-key">Admin key</label>
<input id="admin-key" name="admin_key" type="password" autocomplete="off" required>
<button id="sign-in" type="submit">Sign in</button>
</form>`;
  return reply.code(status).headers(CONSOLE_PAGE_HEADERS).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(page('Console sign-in', body));
}

/** The console's routes; `adminKey` is what the sign-in form takes, `remote` whether other hosts may come in. */
export function consoleRoutes(deps: { sessions: ConsoleSessions; adminKey: string; remote: boolean; version: string }) {
  return async (app: FastifyInstance): Promise<void> => {
    // Loaded as the app is readied, outside the CLI's bundle (as the OAuth pages do).
    await app.register((await import('@fastify/cookie')).default);
    await app.register(formbody);
    const { sessions } = deps;

    const signIn = (request: FastifyRequest, reply: FastifyReply, cookieValue: string) =>
      reply
        .setCookie(CONSOLE_COOKIE, cookieValue, {
          path: '/',
          httpOnly: true,
          sameSite: 'strict',
          secure: request.protocol === 'https',
          maxAge: SESSION_LIFETIME_MS / 1000,
        })
        .header('cache-control', 'no-store')
        // The ticket leaves the address bar: the app's URL carries nothing secret.
        .redirect(`${CONSOLE_PATH}/`, 303);

    // The console is the control plane's: loopback only unless --control-remote.
    app.addHook('onRequest', async (request, reply) => {
      if (!deps.remote && !isLoopback(request.socket.remoteAddress)) {
        return reply.code(403).send({ code: 403, message: 'The pinbox console answers only on loopback; start pinbox with --control-remote to reach it from other hosts.' });
      }
    });

    app.get('/sign-in', async (request, reply) => {
      const { ticket } = request.query as { ticket?: string };
      if (ticket === undefined) return signInPage(null, 200, reply);
      const value = sessions.redeem(ticket);
      if (!value) return signInPage('This sign-in link is not valid: it was used already, has lapsed, or belongs to another pinbox. Give the admin key, or print a new link with pinbox ctl console-link.', 401, reply);
      return signIn(request, reply, value);
    });

    app.post('/sign-in', async (request, reply) => {
      if (!originIsOurs(request)) return signInPage('Sign-in refused: the form was sent from another site.', 403, reply);
      const given = (request.body as { admin_key?: unknown } | undefined)?.admin_key;
      if (typeof given !== 'string' || given === '') return signInPage('Give the admin key pinbox start printed.', 400, reply);
      if (safeEqual(given, deps.adminKey)) return signIn(request, reply, sessions.open());
      if (given.startsWith('pina_') || given.startsWith('pinr_') || given.startsWith('pbx_')) {
        return signInPage('That is an API token or an agent key: the console takes the admin key only.', 403, reply);
      }
      return signInPage('Wrong admin key.', 401, reply);
    });

    const signedIn = (request: FastifyRequest) => sessionOf(sessions, request);

    app.post('/sign-out', async (request, reply) => {
      const session = signedIn(request);
      if (session) {
        if (!sameOriginWithCsrf(sessions, session, request)) return reply.code(403).send({ code: 403, message: `Sign-out needs the session's CSRF token as ${CSRF_HEADER}.` });
        sessions.signOut(session);
      }
      return reply.clearCookie(CONSOLE_COOKIE, { path: '/' }).code(204).send();
    });

    app.get('/session', async (request, reply) => {
      const session = signedIn(request);
      reply.header('cache-control', 'no-store');
      if (!session) return reply.code(401).send({ code: 2, message: 'Not signed in to the console: open the link pinbox start printed.' });
      return { csrf: session.csrf, expires_at: new Date(session.expires).toISOString(), version: deps.version, csrf_header: CSRF_HEADER };
    });

    // The app itself, for signed-in browsers only.
    let assets: Map<string, { type: string; body: Buffer }> | null | undefined;
    const serve = async (request: FastifyRequest, reply: FastifyReply) => {
      if (!signedIn(request)) {
        // A page load goes to the sign-in form; anything else is refused outright.
        if (/^\/console\/?(index\.html)?(\?|$)/.test(request.url)) return reply.redirect(`${CONSOLE_PATH}/sign-in`, 303);
        return reply.code(401).send({ code: 2, message: 'Not signed in to the console.' });
      }
      if (assets === undefined) {
        const dir = consoleAssetsDir();
        assets = dir ? readAssets(dir) : null;
      }
      if (assets === null) {
        return reply.code(503).headers(CONSOLE_PAGE_HEADERS).type('text/html; charset=utf-8').send(page('Console not built', '<h1>The console is not built</h1><p>Run <code>npm run build</code>: it builds the console into dist/console-app.</p>'));
      }
      const wanted = (request.params as { '*'?: string })['*'] ?? '';
      const file = assets.get(`/${wanted || 'index.html'}`);
      if (!file) return reply.code(404).send({ code: 404, message: `The console has no file ${wanted}.` });
      // Hashed file names: a bundle never changes under its name; the page itself always revalidates.
      reply.headers(CONSOLE_PAGE_HEADERS).header('cache-control', file.type.startsWith('text/html') ? 'no-store' : 'private, max-age=31536000, immutable');
      return reply.type(file.type).send(file.body);
    };
    app.get('/', serve);
    app.get('/*', serve);
  };
}
