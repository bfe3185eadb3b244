import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { readBearer } from '../kernel/auth.js';
import { ALL_SCOPES } from '../kernel/scopes.js';
import type { AuditLog } from './audit.js';
import type { Gateway } from './gateway.js';
import type { AgentService } from './service.js';

/** The path of the MCP endpoint (Streamable HTTP). */
export const MCP_PATH = '/mcp';
const METADATA_PATH = '/.well-known/oauth-protected-resource';
/** The bridge `pinbox mcp` labels its calls with this header, so the log says stdio. */
export const MCP_TRANSPORT_HEADER = 'x-pinbox-mcp-transport';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The base URL a client reached pinbox at (for the metadata's resource). */
function baseOf(request: FastifyRequest): string {
  return `${request.protocol}://${request.headers.host ?? '127.0.0.1'}`;
}

/**
 * Whether a browser page at `origin` may call the MCP endpoint: only pages of this
 * same host, or of loopback while pinbox listens on loopback (DNS rebinding: a
 * page of evil.example resolving to 127.0.0.1 sends its own Origin).
 */
function originAllowed(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    const url = new URL(origin);
    if (host && url.host === host) return true;
    return LOOPBACK_HOSTS.has(url.hostname) && (host === undefined || LOOPBACK_HOSTS.has(host.replace(/:\d+$/, '')));
  } catch {
    return false;
  }
}

function jsonRpcError(reply: FastifyReply, status: number, code: number, message: string) {
  return reply.code(status).type('application/json').send({ jsonrpc: '2.0', error: { code, message }, id: null });
}

/** The agents' routes outside `/v5`: the MCP endpoint and its metadata; the audit log written out on close. */
export function agentPages(deps: { gateway: Gateway; audit: AuditLog; agents: AgentService }) {
  return (app: FastifyInstance): void => {
    app.decorateRequest('agentCall', null);
    // The last batch of audit entries is written before the store closes.
    app.addHook('onClose', async () => {
      await deps.audit.flush();
    });

    // RFC 9728: the protected resource's metadata, where a 401 points.
    const metadata = async (request: FastifyRequest) => ({
      resource: `${baseOf(request)}${MCP_PATH}`,
      bearer_methods_supported: ['header'],
      resource_name: 'pinbox MCP server',
      resource_documentation: 'https://github.com/pinbox/pinbox#for-agent-builders',
      // pinbox:agent is what any agent key holds; the Pinterest scopes are its identity's, named in a 403 for step-up.
      scopes_supported: ['pinbox:agent', ...ALL_SCOPES],
    });
    app.get(METADATA_PATH, metadata);
    app.get(`${METADATA_PATH}${MCP_PATH}`, metadata);

    const challenge = (request: FastifyRequest, reply: FastifyReply, error?: string) => {
      const parts = [`resource_metadata="${baseOf(request)}${METADATA_PATH}${MCP_PATH}"`, 'scope="pinbox:agent"', ...(error ? [`error="${error}"`] : [])];
      reply.header('www-authenticate', `Bearer ${parts.join(', ')}`);
      return jsonRpcError(reply, 401, -32001, error ? 'The agent key is unknown or revoked: ask for a new one (pinbox agents rotate NAME).' : 'An agent key (pbx_…) is needed, as Authorization: Bearer.');
    };

    app.post(MCP_PATH, async (request, reply) => {
      if (!originAllowed(request.headers.origin, request.headers.host)) return jsonRpcError(reply, 403, -32000, `Forbidden: Origin ${request.headers.origin} may not call this MCP server.`);
      const key = readBearer(request.headers.authorization);
      if (!key) return challenge(request, reply);
      // A Pinterest token is never taken as an agent key (and no agent key is passed on).
      const agent = deps.gateway.isAgentKey(key) ? await deps.gateway.liveAgent(key) : null;
      if (!agent) return challenge(request, reply, 'invalid_token');
      const transport = request.headers[MCP_TRANSPORT_HEADER] === 'stdio' ? 'mcp-stdio' : 'mcp-http';
      const { mcpServer, scopesLacking } = await import('./mcp/server.js');
      // The key is good but its identity lacks what the tool needs: 403 insufficient_scope, for step-up (SEP-835).
      const lacking = scopesLacking(deps.agents, agent, request.body);
      if (lacking.length > 0) {
        const needed = ['pinbox:agent', ...agent.scopes, ...lacking].filter((scope, i, all) => all.indexOf(scope) === i).join(' ');
        reply.header('www-authenticate', `Bearer error="insufficient_scope", scope="${needed}", resource_metadata="${baseOf(request)}${METADATA_PATH}${MCP_PATH}", error_description="the agent's identity lacks ${lacking.join(' ')}"`);
        const body = request.body as { id?: unknown } | undefined;
        const id = body && !Array.isArray(body) && (typeof body.id === 'string' || typeof body.id === 'number') ? body.id : null;
        return reply.code(403).type('application/json').send({ jsonrpc: '2.0', error: { code: -32003, message: `insufficient_scope: this agent's identity lacks ${lacking.join(', ')}; ask for a key whose identity holds them.` }, id });
      }
      const { StreamableHTTPServerTransport } = await import('@modelcontextprotocol/sdk/server/streamableHttp.js');
      const server = mcpServer({ app, gateway: deps.gateway, agents: deps.agents, audit: deps.audit }, agent, key, transport);
      // Stateless: one server and transport per request, answers as JSON.
      const http = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      reply.hijack();
      reply.raw.on('close', () => {
        void http.close();
        void server.close();
      });
      await server.connect(http);
      await http.handleRequest(request.raw, reply.raw, request.body);
    });
    const notAllowed = async (_request: FastifyRequest, reply: FastifyReply) =>
      reply.code(405).header('allow', 'POST').send({ jsonrpc: '2.0', error: { code: -32000, message: 'Method not allowed: this MCP server is stateless; POST each message.' }, id: null });
    app.get(MCP_PATH, notAllowed);
    app.delete(MCP_PATH, notAllowed);
  };
}
