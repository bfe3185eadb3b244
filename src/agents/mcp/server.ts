/**
 * The MCP server for one agent (`@modelcontextprotocol/sdk`'s low-level `Server`):
 * `tools/list` gives the tools the agent's policy allows, in a fixed order;
 * `tools/call` checks the arguments against the tool's input schema, runs it
 * through `/v5` with the agent's key (the gateway judges and records each call)
 * and answers `structuredContent` that conforms to the output schema, or an
 * `isError` result carrying Pinterest's `{code, message}` and what to do next.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { FastifyInstance } from 'fastify';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { fromValidation } from '../../kernel/errors.js';
import type { AgentRecord } from '../agent-store.js';
import { argsDigest, type AuditLog, type Transport } from '../audit.js';
import { MCP_CALL_HEADER, APPROVAL_HEADER, isWrite, targetsOf, type Gateway, type Verdict } from '../gateway.js';
import { areaOf } from '../policy.js';
import type { AgentService } from '../service.js';
import { ALL_TOOLS, ToolError, type OperationArgs, type ToolContext, type ToolDefinition } from './tools.js';
import { PINBOX_VERSION } from '../../version.js';

export interface McpDeps {
  app: FastifyInstance;
  gateway: Gateway;
  agents: AgentService;
  audit: AuditLog;
}

/** Tools a page of `tools/list` gives. */
const TOOLS_PAGE = 50;

const ajv = new Ajv({ allErrors: false, strict: false, validateSchema: false, coerceTypes: false, useDefaults: false, removeAdditional: false });
const validators = new Map<string, ValidateFunction>();
function validatorOf(tool: ToolDefinition): ValidateFunction {
  let validate = validators.get(tool.name);
  if (!validate) {
    // Formats (date) are described, not enforced here: Pinterest's own check names the field.
    const { format: _format, ...schema } = tool.inputSchema as { format?: string };
    validate = ajv.compile(schema);
    validators.set(tool.name, validate);
  }
  return validate;
}

function queryString(query: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    if (Array.isArray(value)) for (const item of value) search.append(name, String(item));
    else search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** The path of a served operation with its parameters put in. */
export function pathOf(url: string, params: Record<string, unknown>): string {
  return url.replace(/:([a-z_]+)/g, (_m, name: string) => encodeURIComponent(String(params[name] ?? '')));
}

/** What the tools run with, for one agent over one transport. */
export function toolContext(deps: McpDeps, agent: AgentRecord, key: string, transport: Transport, tool: string): ToolContext {
  const { app, gateway, agents, audit } = deps;
  const judge = (operationId: string, args: OperationArgs): Promise<Verdict> => {
    const served = agents.served.get(operationId);
    return gateway.judge(agent, {
      operationId,
      method: served?.method ?? 'GET',
      params: args.params ?? {},
      query: args.query ?? {},
      body: args.body,
      scopes: served?.scopes ?? [],
    });
  };
  return {
    agentName: agent.name,
    async upload(uploadUrl, parameters, bytes) {
      // The upload host is this pinbox: the form goes in through the app, never over the network.
      const boundary = `pinbox-mcp-${gateway.mcpNonce.slice(0, 12)}`;
      let head = '';
      for (const [name, value] of Object.entries(parameters)) head += `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
      head += `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="video.mp4"\r\nContent-Type: application/octet-stream\r\n\r\n`;
      const response = await app.inject({
        method: 'POST',
        url: new URL(uploadUrl).pathname,
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: Buffer.concat([Buffer.from(head), bytes, Buffer.from(`\r\n--${boundary}--\r\n`)]),
      });
      return { status: response.statusCode, text: response.body };
    },
    pause: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    served: (operationId) => agents.served.get(operationId),
    catalogue: () =>
      [...agents.served.entries()]
        .map(([operationId, { method, url, scopes }]) => ({ operationId, method, path: `/v5${url.replace(/:([a-z_]+)/g, '{$1}')}`, area: areaOf(operationId), write: isWrite(method, scopes) }))
        .sort((a, b) => a.operationId.localeCompare(b.operationId)),
    async call(operationId, args, options = {}) {
      const served = agents.served.get(operationId);
      if (!served) throw new ToolError(501, `pinbox does not serve ${operationId} yet.`, 'Use list_operations to see what pinbox serves.');
      const headers: Record<string, string> = {
        authorization: `Bearer ${key}`,
        [MCP_CALL_HEADER]: `${gateway.mcpNonce} ${transport} ${tool}${options.quiet ? ' quiet' : ''}`,
      };
      if (options.approvalId) headers[APPROVAL_HEADER] = options.approvalId;
      const hasBody = args.body !== undefined && served.method !== 'GET' && served.method !== 'DELETE';
      if (hasBody) headers['content-type'] = 'application/json';
      const response = await app.inject({
        method: served.method as 'GET',
        url: `/v5${pathOf(served.url, args.params ?? {})}${queryString(args.query ?? {})}`,
        headers,
        ...(hasBody ? { payload: JSON.stringify(args.body) } : {}),
      });
      const text = response.body;
      let body: unknown = undefined;
      if (text) {
        try {
          body = JSON.parse(text);
        } catch {
          body = text;
        }
      }
      return { status: response.statusCode, body };
    },
    judge,
    recordDryRun(operationId, args, verdict) {
      audit.record({
        ts: gateway.now(),
        agent: agent.name,
        agent_id: agent.id,
        key_id: agent.keyId,
        transport,
        tool,
        area: verdict.area,
        action: verdict.write ? 'write' : 'read',
        operation_id: operationId,
        targets: targetsOf({ params: args.params ?? {}, query: args.query ?? {}, body: args.body }),
        decision: 'dry-run',
        rule: verdict.rule,
        reason: verdict.decision === 'allowed' ? undefined : `the policy's decision would be ${verdict.decision === 'ask' ? 'to ask a person' : 'a denial'}: ${verdict.reason ?? verdict.rule}`,
        status: null,
        code: null,
        duration_ms: 0,
        request_id: null,
        args_digest: argsDigest(args),
      });
    },
    admin: agent.policy.control_plane ? agents.admin : undefined,
    async auditTail(limit) {
      const entries = await audit.query({ agent: agent.name, limit });
      return entries.map((entry) => ({ sentence: entry.sentence, decision: entry.decision, operation_id: entry.operation_id, at: entry.at }));
    },
  };
}

/** Whether the agent's policy (and its identity's scopes) lets it use a tool; pinbox must serve its operations. */
export async function toolVisible(deps: McpDeps, agent: AgentRecord, tool: ToolDefinition): Promise<boolean> {
  if (tool.adminOnly) return agent.policy.control_plane === true && deps.agents.admin !== undefined;
  for (const operationId of tool.operations) {
    const served = deps.agents.served.get(operationId);
    if (!served) return false;
    const verdict = await deps.gateway.judge(agent, { operationId, method: served.method, params: {}, query: {}, body: undefined, scopes: served.scopes }, { listing: true });
    if (verdict.decision === 'denied') return false;
  }
  return true;
}

/**
 * The Pinterest scopes the agent's identity lacks for the `tools/call`s of a message
 * (one or a batch): the MCP endpoint answers 403 `insufficient_scope` for them
 * (SEP-835 step-up), as no policy can grant what the key's identity does not hold.
 * A tool the agent's policy refuses is not this: its answer is an `isError` naming the rule.
 */
export function scopesLacking(agents: Pick<AgentService, 'served'>, agent: AgentRecord, message: unknown): string[] {
  const missing = new Set<string>();
  for (const item of Array.isArray(message) ? message : [message]) {
    if (!item || typeof item !== 'object' || (item as { method?: unknown }).method !== 'tools/call') continue;
    const params = (item as { params?: { name?: unknown; arguments?: Record<string, unknown> } }).params;
    const tool = ALL_TOOLS.find((each) => each.name === params?.name);
    if (!tool || tool.adminOnly) continue;
    const operations = tool.name === 'call_operation' && typeof params?.arguments?.operation_id === 'string' ? [params.arguments.operation_id] : tool.operations;
    for (const operationId of operations) {
      for (const scope of agents.served.get(operationId)?.scopes ?? []) if (!agent.scopes.includes(scope)) missing.add(scope);
    }
  }
  return [...missing].sort();
}

function errorResult(error: ToolError): CallToolResult {
  const structuredContent = { code: error.code, message: error.message, hint: error.hint, ...error.extra };
  return { isError: true, content: [{ type: 'text', text: `${error.message} ${error.hint}` }], structuredContent };
}

/** A new MCP server for one agent's requests (stateless: one per HTTP request, one per stdio session). */
export function mcpServer(deps: McpDeps, agent: AgentRecord, key: string, transport: Transport): Server {
  const server = new Server(
    { name: 'pinbox', title: 'pinbox: Pinterest API v5 emulator and agent gateway', version: PINBOX_VERSION },
    {
      capabilities: { tools: { listChanged: false } },
      instructions:
        "pinbox serves Pinterest's API v5 under this agent's policy. Tools the policy does not allow are not listed; every call is checked again. Writes take dry_run: true. A call the policy asks about answers 'pending approval' with an approval_id: after a person approves it, call again with the same arguments and that approval_id.",
    },
  );
  server.setRequestHandler(ListToolsRequestSchema, async (request) => {
    const cursor = request.params?.cursor;
    let start = 0;
    if (cursor !== undefined) {
      if (!/^\d+$/.test(cursor)) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor: use the nextCursor a previous tools/list answered.');
      start = Number(cursor);
    }
    const visible: ToolDefinition[] = [];
    for (const tool of ALL_TOOLS) if (await toolVisible(deps, agent, tool)) visible.push(tool);
    if (start > visible.length) throw new McpError(ErrorCode.InvalidParams, 'Invalid cursor: use the nextCursor a previous tools/list answered.');
    const page = visible.slice(start, start + TOOLS_PAGE);
    return {
      tools: page.map((tool) => ({
        name: tool.name,
        title: tool.title,
        description: tool.description,
        inputSchema: tool.inputSchema as { type: 'object' },
        outputSchema: tool.outputSchema as { type: 'object' },
        annotations: { title: tool.title, ...tool.annotations, openWorldHint: tool.annotations.openWorldHint || deps.agents.upstreamed },
      })),
      ...(start + TOOLS_PAGE < visible.length ? { nextCursor: String(start + TOOLS_PAGE) } : {}),
    };
  });
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<CallToolResult> => {
    const tool = ALL_TOOLS.find((each) => each.name === request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}. Call tools/list for the tools this agent may use.`);
    const args = (request.params.arguments ?? {}) as Record<string, unknown>;
    try {
      if (tool.adminOnly && !(agent.policy.control_plane && deps.agents.admin)) {
        throw new ToolError(403, `pinbox agent gateway: denied, because this agent is not granted the control plane (rule control_plane.off).`, 'Only an agent whose policy has control_plane: true may use the admin tools.', { rule: 'control_plane.off' });
      }
      const validate = validatorOf(tool);
      if (!validate(args)) {
        const error = fromValidation('arguments', validate.errors ?? []);
        throw new ToolError(error.code, error.message, `Fix that argument (the tool's inputSchema describes them all) and call ${tool.name} again.`);
      }
      const context = toolContext(deps, agent, key, transport, tool.name);
      const structuredContent = await tool.run(context, args);
      if (tool.adminOnly) recordAdmin(deps, agent, transport, tool, args);
      return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
    } catch (error) {
      if (error instanceof ToolError) return errorResult(error);
      throw error;
    }
  });
  return server;
}

function recordAdmin(deps: McpDeps, agent: AgentRecord, transport: Transport, tool: ToolDefinition, args: Record<string, unknown>): void {
  deps.audit.record({
    ts: deps.gateway.now(),
    agent: agent.name,
    agent_id: agent.id,
    key_id: agent.keyId,
    transport,
    tool: tool.name,
    area: 'pinbox',
    action: 'write',
    operation_id: `pinbox/${tool.name}`,
    targets: [],
    decision: 'allowed',
    rule: 'control_plane.full',
    status: 200,
    code: null,
    duration_ms: 0,
    request_id: null,
    args_digest: argsDigest({ body: args }),
  });
}
