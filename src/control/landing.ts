/**
 * The landing page at `/`: what is running (version, store, clock), how to call it
 * (the dev identity's curl line), where the rest is (the OAuth pages, the control
 * plane), and which of Pinterest's operations pinbox serves, by tag. `Accept:
 * application/json` gets the same as JSON. The dev token is shown to loopback
 * callers only, as the control plane answers only them by default.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { escapeHtml, page } from '../families/oauth/html.js';
import { DEV_USERNAME } from '../families/oauth/dev-identity.js';
import { publicBase } from '../kernel/http.js';
import { PINTEREST_OPERATIONS } from '../kernel/operations.js';
import type { Control } from './control.js';
import { isLoopback } from './loopback.js';

export interface Landing {
  pinbox: string;
  api: string;
  store: string;
  clock: { now: number; at: string; frozen: boolean };
  dev: { username: string; token: string | null; curl: string } | null;
  links: { oauth: string; control: string; console: string | null };
  operations: { served: number; total: number; by_tag: { tag: string; served: string[]; not_served: string[] }[] };
}

function landingOf(app: FastifyInstance, control: Control, store: string, request: FastifyRequest): Landing {
  const base = publicBase(request);
  const served = new Set(app.v5Routes.map((route) => `${route.method} ${route.url.replace(/:([a-z_]+)/g, '{$1}')}`));
  const byTag = new Map<string, { tag: string; served: string[]; not_served: string[] }>();
  for (const op of PINTEREST_OPERATIONS) {
    const entry = byTag.get(op.tag) ?? { tag: op.tag, served: [], not_served: [] };
    (served.has(`${op.method} ${op.path}`) ? entry.served : entry.not_served).push(op.operationId);
    byTag.set(op.tag, entry);
  }
  const dev = control.dev;
  // The token is a secret: shown on this machine only (the banner shows it there too).
  const token = dev && isLoopback(request.socket.remoteAddress) ? dev.token : null;
  const { now, at, frozen } = control.clockState();
  return {
    pinbox: control.options.version,
    api: `${base}/v5`,
    store,
    clock: { now, at, frozen },
    dev: dev && { username: dev.username ?? DEV_USERNAME, token, curl: `curl -H 'Authorization: Bearer ${token ?? '$TOKEN'}' ${base}/v5/user_account` },
    links: { oauth: `${base}/oauth/`, control: `${base}/_pinbox/`, console: `${base}/console/` },
    operations: {
      served: [...byTag.values()].reduce((n, t) => n + t.served.length, 0),
      total: PINTEREST_OPERATIONS.length,
      by_tag: [...byTag.values()].sort((a, b) => b.served.length - a.served.length || a.tag.localeCompare(b.tag)),
    },
  };
}

function html(landing: Landing): string {
  const tags = landing.operations.by_tag
    .map(
      (t) =>
        `<tr><td>${escapeHtml(t.tag)}</td><td>${t.served.length} of ${t.served.length + t.not_served.length}</td><td class="small">${t.served.map(escapeHtml).join(', ')}${
          t.not_served.length ? `${t.served.length ? '<br>' : ''}<span class="muted">not yet: ${t.not_served.map(escapeHtml).join(', ')}</span>` : ''
        }</td></tr>`,
    )
    .join('\n');
  return page(
    'Pinterest API v5',
    `<h1>pinbox ${escapeHtml(landing.pinbox)}</h1>
<p>Pinterest API v5 at <code>${escapeHtml(landing.api)}</code></p>
<dl>
<dt>store</dt><dd>${escapeHtml(landing.store)}</dd>
<dt>clock</dt><dd>${escapeHtml(landing.clock.at)} (${landing.clock.frozen ? 'frozen' : 'running'})</dd>
${landing.dev ? `<dt>dev user</dt><dd>${escapeHtml(landing.dev.username)}</dd><dt>try it</dt><dd><code>${escapeHtml(landing.dev.curl)}</code></dd>` : ''}
</dl>
<p><a href="${escapeHtml(landing.links.oauth)}">OAuth pages</a> · <a href="${escapeHtml(landing.links.control)}">control plane</a> (admin key) · <a href="${escapeHtml(landing.links.console ?? '')}">console</a> (the link pinbox start prints, or the admin key)</p>
<h2>Operations served: ${landing.operations.served} of ${landing.operations.total}</h2>
<table>
<tr><th>tag</th><th>served</th><th>operations</th></tr>
${tags}
</table>`,
    960,
  );
}

/** Registers `GET /`. */
export function landingPage(control: Control, store: string) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/', async (request, reply) => {
      const landing = landingOf(app, control, store, request);
      const wantsJson = /\bapplication\/json\b/.test(request.headers.accept ?? '') && !/\btext\/html\b/.test(request.headers.accept ?? '');
      reply.header('cache-control', 'no-store');
      if (wantsJson) return landing;
      return reply.type('text/html; charset=utf-8').send(html(landing));
    });
  };
}
