import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { readBearer, safeEqual, type TokenResolver } from '../kernel/auth.js';
import { ApiError } from '../kernel/errors.js';
import { publicBase } from '../kernel/http.js';
import { agentControlRoutes } from '../agents/control-routes.js';
import type { Control } from './control.js';
import { openEventStream } from './event-stream.js';
import type { FaultRuleInput } from './faults.js';
import { isLoopback } from './loopback.js';
import cookie from '@fastify/cookie';
import { isSafeMethod, sameOriginWithCsrf, sessionOf } from '../console/routes.js';
import { CSRF_HEADER } from '../console/sessions.js';
import { journalFilter, type JournalEntry, type JournalQuery, type JournalSettings } from './journal.js';

/** Snapshots and fixtures carry images: far larger bodies than the API takes. */
const CONTROL_BODY_LIMIT = 1024 * 1024 * 1024;

type Body = Record<string, unknown> | undefined;

function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body as Body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ApiError('invalid_parameters', 'Invalid parameters: the body must be a JSON object.');
  return body;
}

/** Reads the journal filters from a query string. */
function journalQueryOf(query: Record<string, string | undefined>): JournalQuery {
  const number = (name: string) => {
    const value = query[name];
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value)) throw new ApiError('invalid_parameters', `Invalid parameters: '${name}' must be a whole number.`);
    return Number(value);
  };
  return { path: query.path, method: query.method, status: query.status, since: query.since, after: number('after'), limit: number('limit'), app: query.app, user: query.user, agent: query.agent };
}

/**
 * The control plane's HTTP API, under `/_pinbox`: outside `/v5`, with its own key.
 * An API token is refused here, and by default only loopback callers are answered.
 * Errors have Pinterest's `{ code, message }` shape.
 */
export function controlRoutes(control: Control, tokens: TokenResolver) {
  return async (app: FastifyInstance): Promise<void> => {
    const streams = new Set<ServerResponse>();

    // The console's session cookie stands in for the admin key (its page never holds the key).
    await app.register(cookie);

    app.addHook('onRequest', async (request) => {
      if (!control.options.remote && !isLoopback(request.socket.remoteAddress)) {
        throw new ApiError('not_permitted', 'The pinbox control plane answers only on loopback; start pinbox with --control-remote to reach it from other hosts.');
      }
      const header = request.headers['x-pinbox-admin-key'];
      const given = typeof header === 'string' ? header : readBearer(request.headers.authorization);
      if (!given) {
        const session = sessionOf(control.consoleSessions, request);
        if (session) {
          // A cookie rides along on any request the browser makes: a change needs the page's CSRF token too.
          if (isSafeMethod(request.method) || sameOriginWithCsrf(control.consoleSessions, session, request)) return;
          throw new ApiError('not_permitted', `A console request that changes state needs the session's CSRF token as ${CSRF_HEADER}, from this origin.`);
        }
        throw new ApiError('authentication_failed', 'The pinbox control plane needs the admin key printed on start: send it as X-Pinbox-Admin-Key (or Authorization: Bearer).');
      }
      if (safeEqual(given, control.options.adminKey)) return;
      if (given.startsWith('pina_') || (await tokens.resolve(given))) {
        throw new ApiError('not_permitted', 'The pinbox control plane does not take API access tokens: send the admin key printed on start as X-Pinbox-Admin-Key.');
      }
      throw new ApiError('authentication_failed', 'Wrong admin key for the pinbox control plane.');
    });

    // Hijacked event streams would hold a closing server open; they end first.
    app.addHook('preClose', (done) => {
      for (const stream of streams) stream.end();
      done();
    });

    // A new single-use sign-in link for the console (pinbox ctl console-link).
    app.post('/console/links', async (request, reply) =>
      reply.code(201).send({ url: `${publicBase(request)}/console/sign-in?ticket=${control.consoleSessions.ticket()}`, expires_in_hours: 24 }),
    );

    app.get('/instance', async () => control.instance());

    app.get('/', async () => ({
      pinbox: control.options.version,
      clock: control.clockState(),
      faults: (await control.faults.list()).length,
      journal: control.journal.config,
    }));

    // The users and a short-lived token of one, for the console's views of their content.
    app.get('/users', async () => ({ items: await control.users() }));
    app.post('/users/:username/token', async (request, reply) => reply.code(201).send(await control.consoleToken((request.params as { username: string }).username)));

    app.get('/clock', async () => control.clockState());
    app.post('/clock/freeze', async (request) => {
      const { at } = bodyOf(request);
      await control.clock.freeze(at === undefined ? undefined : (at as string | number));
      return control.clockState();
    });
    app.post('/clock/unfreeze', async () => {
      await control.clock.unfreeze();
      return control.clockState();
    });
    app.post('/clock/advance', async (request) => {
      const { by } = bodyOf(request);
      if (by === undefined) throw new ApiError('invalid_parameters', "Invalid parameters: 'by' is required (milliseconds or a duration like 2d, 90m).");
      await control.clock.advance(by as string | number);
      return control.clockState();
    });
    app.post('/clock/set', async (request) => {
      const { at } = bodyOf(request);
      if (at === undefined) throw new ApiError('invalid_parameters', "Invalid parameters: 'at' is required (milliseconds or ISO 8601).");
      await control.clock.set(at as string | number);
      return control.clockState();
    });

    app.post('/reset', async (request) => {
      const { user } = bodyOf(request);
      if (user !== undefined && typeof user !== 'string') throw new ApiError('invalid_parameters', "Invalid parameters: 'user' must be a username.");
      await control.reset({ user });
      return { reset: user === undefined ? 'all' : user };
    });

    app.post('/fixtures', { bodyLimit: CONTROL_BODY_LIMIT }, async (request, reply) => {
      const { base_dir } = request.query as { base_dir?: string };
      const result = await control.seed((request.body ?? {}) as object, { baseDir: base_dir });
      return reply.code(201).send(result);
    });

    app.get('/snapshot', async (request, reply) => {
      const snapshot = await control.snapshot();
      return reply.header('content-disposition', `attachment; filename="pinbox-snapshot.json"`).send(snapshot);
    });
    app.put('/snapshot', { bodyLimit: CONTROL_BODY_LIMIT }, async (request) => control.restore(request.body));

    // Business Access roles on ad accounts, and ad review (the ads family).
    const roleGrant = (request: FastifyRequest) => {
      const { user, role } = bodyOf(request);
      if (typeof user !== 'string') throw new ApiError('invalid_parameters', "Invalid parameters: 'user' must be a username.");
      if (typeof role !== 'string') throw new ApiError('invalid_parameters', "Invalid parameters: 'role' must be a Business Access role such as ADMIN or ANALYST.");
      return { adAccountId: (request.params as { id: string }).id, user, role };
    };
    app.post('/ad_accounts/:id/roles', async (request, reply) => {
      const { adAccountId, user, role } = roleGrant(request);
      await control.grantAdAccountRole(adAccountId, user, role);
      return reply.code(201).send({ ad_account_id: adAccountId, user, role });
    });
    app.delete('/ad_accounts/:id/roles', async (request, reply) => {
      const { adAccountId, user, role } = roleGrant(request);
      if (!(await control.revokeAdAccountRole(adAccountId, user, role))) throw new ApiError('route_not_found', `${user} holds no ${role} role on ad account ${adAccountId}.`);
      return reply.code(204).send();
    });
    app.post('/ads/:id/review', async (request) => {
      const { id } = request.params as { id: string };
      await control.reviewAd(id, bodyOf(request) as Parameters<Control['reviewAd']>[1]);
      return { ad_id: id, ...bodyOf(request) };
    });
    app.put('/ads/:id/metrics', async (request) => {
      const { id } = request.params as { id: string };
      const body = bodyOf(request) as { dates: string[]; metrics: Record<string, number> };
      await control.setAdMetrics(id, body);
      return { ad_id: id, dates: body.dates, metrics: body.metrics };
    });
    app.post('/ads/:id/leads', async (request, reply) => {
      const { answers } = bodyOf(request);
      if (!Array.isArray(answers) || answers.some((answer) => typeof answer !== 'string')) {
        throw new ApiError('invalid_parameters', "Invalid parameters: 'answers' must be the answers to the ad's lead form, in its question order.");
      }
      return reply.code(201).send(await control.simulateLead((request.params as { id: string }).id, answers as string[]));
    });
    app.get('/ad_accounts/:id/lead_deliveries', async (request) => ({ items: await control.leadDeliveries((request.params as { id: string }).id) }));
    app.get('/ad_accounts/:id/requests', async (request) => control.adAccountRequests((request.params as { id: string }).id));
    app.get('/ad_accounts/:id/conversion_events', async (request) => ({
      items: await control.conversionEvents((request.params as { id: string }).id, Number((request.query as { limit?: string }).limit ?? 100)),
    }));
    app.put('/ads/review_time', async (request) => ({ seconds: await control.setAdReviewTime(bodyOf(request).seconds as number) }));

    // Agents, their policies, approvals and the audit log (src/agents).
    await agentControlRoutes(control.agents)(app);

    app.get('/faults', async () => ({ items: await control.faults.list() }));
    app.post('/faults', async (request, reply) => reply.code(201).send(await control.faults.add(bodyOf(request) as unknown as FaultRuleInput)));
    app.delete('/faults', async (_request, reply) => {
      await control.faults.clear();
      return reply.code(204).send();
    });
    app.delete('/faults/:id', async (request, reply) => {
      const { id } = request.params as { id: string };
      if (!(await control.faults.remove(id))) throw new ApiError('route_not_found', `No fault rule has the id ${id}.`);
      return reply.code(204).send();
    });

    app.get('/journal', async (request) => ({ items: await control.named(control.journal.query(journalQueryOf(request.query as Record<string, string>))) }));
    app.delete('/journal', async (_request, reply) => {
      control.journal.clear();
      return reply.code(204).send();
    });
    app.get('/journal/settings', async () => control.journal.config);
    app.patch('/journal/settings', async (request) => control.journal.configure(bodyOf(request) as Partial<JournalSettings>));

    // Server-sent events: every entry from now on (and, with ?after=ID, those after ID first).
    app.get('/journal/stream', async (request, reply) => {
      const query = journalQueryOf(request.query as Record<string, string>);
      const backlog = query.after !== undefined ? control.journal.query({ ...query, limit: control.journal.config.size }) : [];
      // Checked before the stream opens, so bad filters get a 400.
      const matches = journalFilter({ ...query, after: undefined });
      openEventStream(request, reply, streams, 'pinbox journal', (write) => {
        // Entries go out in order, each with its username (looked up once per user).
        let sending = Promise.resolve();
        const send = (entries: JournalEntry[]) => {
          sending = sending
            .then(() => control.named(entries))
            .then((named) => named.forEach((entry) => write(entry.id, entry)))
            .catch(() => undefined);
        };
        send(backlog);
        return control.journal.subscribe((entry) => {
          if (matches(entry)) send([entry]);
        });
      });
    });
  };
}
