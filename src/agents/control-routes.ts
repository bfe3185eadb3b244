import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { openEventStream } from '../control/event-stream.js';
import { ApiError } from '../kernel/errors.js';
import { OPERATIONS_BY_TAG } from '../kernel/operations-table.js';
import type { ApprovalStore } from './approvals.js';
import { auditMatches, type AuditLog, type AuditQuery } from './audit.js';
import { ACTION_ALIASES, AREA_GROUPS, AREAS } from './policy.js';
import type { AgentService } from './service.js';

export interface AgentControl {
  agents: AgentService;
  audit: AuditLog;
  approvals: ApprovalStore;
}

function bodyOf(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new ApiError('invalid_parameters', 'Invalid parameters: the body must be a JSON object.');
  return body as Record<string, unknown>;
}

/** The audit log's filters from a query string. */
export function auditQueryOf(query: Record<string, string | undefined>): AuditQuery {
  let limit: number | undefined;
  if (query.limit !== undefined) {
    if (!/^\d+$/.test(query.limit)) throw new ApiError('invalid_parameters', "Invalid parameters: 'limit' must be a whole number.");
    limit = Number(query.limit);
  }
  let since: number | undefined;
  if (query.since !== undefined) {
    since = /^\d+$/.test(query.since) ? Number(query.since) : Date.parse(query.since);
    if (!Number.isFinite(since)) throw new ApiError('invalid_parameters', "Invalid parameters: 'since' must be milliseconds or ISO 8601.");
  }
  if (query.after !== undefined && !/^\d+$/.test(query.after)) throw new ApiError('invalid_parameters', "Invalid parameters: 'after' must be an entry's seq.");
  return { agent: query.agent, decision: query.decision, operation: query.operation, transport: query.transport, after: query.after, since, limit };
}

/**
 * The agents under the control plane (`/_pinbox/agents…`, behind the admin key):
 * agents and their keys, policy files, explain, approvals and the audit log (JSON,
 * JSON lines, a live stream of server-sent events).
 */
export function agentControlRoutes(control: AgentControl) {
  return async (app: FastifyInstance): Promise<void> => {
    const streams = new Set<ServerResponse>();
    app.addHook('preClose', (done) => {
      for (const stream of streams) stream.end();
      done();
    });
    const name = (request: FastifyRequest) => (request.params as { name: string }).name;

    app.get('/agents', async () => ({ items: await control.agents.list() }));
    // What a policy can name, for the console's policy editor: the areas (the spec's tags,
    // each with its operations), the groups of areas, and the tool names actions may use.
    app.get('/agent-areas', async () => ({
      areas: AREAS.map((area) => ({
        area,
        operations: OPERATIONS_BY_TAG[area].map((entry) => {
          const [method, path, operation_id] = entry.split(' ');
          return { operation_id, method, path };
        }),
      })),
      groups: AREA_GROUPS,
      aliases: ACTION_ALIASES,
    }));
    app.post('/agents', async (request, reply) => reply.code(201).send(await control.agents.create(bodyOf(request) as never)));
    app.get('/agents/:name', async (request) => {
      const agent = await control.agents.get(name(request));
      return control.agents.view(agent);
    });
    app.patch('/agents/:name', async (request) => control.agents.update(name(request), bodyOf(request) as never));
    app.delete('/agents/:name', async (request, reply) => {
      await control.agents.delete(name(request));
      return reply.code(204).send();
    });
    app.post('/agents/:name/rotate', async (request) => control.agents.rotate(name(request)));
    app.post('/agents/:name/revoke', async (request) => control.agents.revoke(name(request)));
    app.post('/agents/:name/explain', async (request) => {
      const { method, path, body } = bodyOf(request);
      if (typeof method !== 'string' || typeof path !== 'string') throw new ApiError('invalid_parameters', "Invalid parameters: 'method' and 'path' are required (e.g. DELETE, /v5/boards/123).");
      return control.agents.explain(name(request), method, path, body);
    });
    // A policy file (YAML or JSON) as the body's text: `{ "file": "version: 1\n…" }`.
    app.post('/agents/apply', async (request) => {
      const { file } = bodyOf(request);
      if (typeof file !== 'string') throw new ApiError('invalid_parameters', "Invalid parameters: 'file' must be the policy file's text (YAML or JSON).");
      return control.agents.apply(file);
    });

    app.get('/agents/approvals', async (request) => {
      const { status } = request.query as { status?: string };
      return { items: await control.approvals.list(status as never) };
    });
    const decide = (decision: 'approved' | 'rejected') => async (request: FastifyRequest) => {
      const { id } = request.params as { id: string };
      const { note } = bodyOf(request);
      const approval = await control.approvals.get(id);
      if (!approval) throw new ApiError('route_not_found', `No approval has the id ${id}.`);
      if (!(await control.approvals.decide(id, decision, typeof note === 'string' ? note : undefined))) {
        throw new ApiError('invalid_parameters', `Invalid parameters: approval ${id} is ${approval.status}, not pending.`);
      }
      return control.approvals.get(id);
    };
    app.post('/agents/approvals/:id/approve', decide('approved'));
    app.post('/agents/approvals/:id/reject', decide('rejected'));

    app.get('/agents/audit', async (request, reply) => {
      const query = request.query as Record<string, string>;
      const items = await control.audit.query(auditQueryOf(query));
      if (query.format === 'jsonl') return reply.type('application/x-ndjson').send(items.map((entry) => JSON.stringify(entry)).join('\n') + (items.length ? '\n' : ''));
      if (query.format === 'text') return reply.type('text/plain; charset=utf-8').send(items.map((entry) => entry.sentence).join('\n') + (items.length ? '\n' : ''));
      return { items };
    });
    // Server-sent events: every entry from now on (with ?after=SEQ, those after it first).
    app.get('/agents/audit/stream', async (request, reply) => {
      const query = auditQueryOf(request.query as Record<string, string>);
      const matches = auditMatches(query);
      const backlog = query.after !== undefined ? await control.audit.query({ ...query, limit: 1000 }) : [];
      openEventStream(request, reply, streams, 'pinbox agents audit', (write) => {
        for (const entry of backlog) write(entry.seq, entry);
        return control.audit.subscribe((entry) => {
          if (matches(entry)) write(entry.seq, entry);
        });
      });
    });
  };
}
