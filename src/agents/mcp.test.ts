/**
 * The MCP server, driven by the SDK's own Client over Streamable HTTP and over
 * stdio (the built CLI's `pinbox mcp`): tools per policy, output schemas, denials
 * as isError naming the rule, dry runs, ask → approve → run, approvals bound to
 * their arguments and expiring, explicit annotations, and the audit trail.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { createBoard, createPin, unique, useServer } from '../../test/harness.js';
import { ControlClient } from '../../test/control.js';
import { makeVideo } from '../../test/videos.js';
import { ALL_TOOLS } from './mcp/tools.js';

// Videos process for 200 ms of pinbox's clock here (5 s by default).
const server = useServer({ videoUploads: { processingMs: 200 } });
const control = () => new ControlClient(server().pinbox.url, server().pinbox.adminKey);
const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const ajv = new Ajv({ strict: false, validateSchema: false });

async function makeAgent(policy: unknown, scopes?: string[]): Promise<{ name: string; key: string }> {
  const name = unique('mcp').toLowerCase();
  const made = await control().ok<{ key: string }>('POST', '/agents', { name, user: 'pinbox_dev', policy, scopes });
  return { name, key: made.key };
}

async function connectHttp(key: string): Promise<McpClient> {
  const client = new McpClient({ name: 'pinbox-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server().pinbox.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }));
  return client;
}

async function toolNames(client: McpClient): Promise<string[]> {
  return (await client.listTools()).tools.map((tool) => tool.name);
}

/** Calls a tool; its structuredContent must conform to the listed output schema (checked here as well as by the SDK). */
async function call(client: McpClient, name: string, args: Record<string, unknown> = {}): Promise<{ isError?: boolean; structuredContent?: any; content: any[] }> {
  const result = (await client.callTool({ name, arguments: args })) as { isError?: boolean; structuredContent?: any; content: any[] };
  if (!result.isError) {
    const tool = (await client.listTools()).tools.find((t) => t.name === name) ?? ALL_TOOLS.find((t) => t.name === name)!;
    const validate = ajv.compile(tool.outputSchema as object);
    assert.ok(validate(result.structuredContent), `${name}: structuredContent violates its outputSchema: ${ajv.errorsText(validate.errors)}`);
    assert.deepEqual(JSON.parse(result.content[0].text), result.structuredContent, 'the same JSON is in a text block');
  } else {
    assert.equal(typeof result.structuredContent?.code, 'number');
    assert.equal(typeof result.structuredContent?.message, 'string');
  }
  return result;
}

async function auditOf(agent: string): Promise<any[]> {
  return (await control().ok<{ items: any[] }>('GET', `/agents/audit?agent=${agent}`)).items;
}

test('every tool states all four annotations, an input and an output schema, and a valid name', () => {
  const names = new Set<string>();
  for (const tool of ALL_TOOLS) {
    assert.match(tool.name, /^[A-Za-z0-9_.-]{1,128}$/);
    assert.ok(!names.has(tool.name), `${tool.name} twice`);
    names.add(tool.name);
    for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
      assert.equal(typeof tool.annotations[hint], 'boolean', `${tool.name} lacks ${hint}`);
    }
    assert.equal(tool.inputSchema.type, 'object', `${tool.name} inputSchema`);
    assert.equal(tool.outputSchema.type, 'object', `${tool.name} outputSchema`);
    if (tool.annotations.readOnlyHint) assert.equal(tool.annotations.destructiveHint, false, `${tool.name}: a read cannot be destructive`);
    if (tool.write && tool.name !== 'reset' && tool.name !== 'advance_clock' && tool.name !== 'inject_fault') assert.ok('dry_run' in (tool.inputSchema.properties as object), `${tool.name} takes dry_run`);
  }
  assert.ok(ALL_TOOLS.length >= 25, `about 25 curated tools and more (${ALL_TOOLS.length})`);
});

test('over HTTP: tools/list shows what the policy allows, with explicit annotations; each read answers its output schema', async () => {
  const board = await createBoard(server().api);
  const pin = await createPin(server().api, board.id, { title: 'Peach cobbler' });
  const reader = await makeAgent({ areas: { pins: 'read', boards: 'read', user_account: 'read' } });
  const client = await connectHttp(reader.key);
  try {
    const listed = (await client.listTools()).tools;
    const names = listed.map((tool) => tool.name);
    for (const name of ['get_user_account', 'list_boards', 'get_board', 'list_board_pins', 'list_pins', 'get_pin', 'list_operations', 'call_operation', 'my_permissions']) assert.ok(names.includes(name), `${name} listed`);
    for (const name of ['create_board', 'delete_board', 'create_pin', 'delete_pin', 'update_pin', 'list_ad_accounts', 'reset', 'advance_clock']) assert.ok(!names.includes(name), `${name} not listed`);
    for (const tool of listed) {
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) assert.equal(typeof tool.annotations?.[hint], 'boolean', `${tool.name} ${hint} on the wire`);
      assert.ok(tool.outputSchema, `${tool.name} has an outputSchema on the wire`);
    }
    assert.equal((await call(client, 'get_user_account')).structuredContent.username, 'pinbox_dev');
    const boards = await call(client, 'list_boards', { page_size: 1 });
    assert.equal(boards.structuredContent.items.length, 1);
    // Bookmarks stay ordinary arguments.
    if (boards.structuredContent.bookmark) assert.equal((await call(client, 'list_boards', { page_size: 1, bookmark: boards.structuredContent.bookmark })).isError, undefined);
    assert.equal((await call(client, 'get_board', { board_id: board.id })).structuredContent.id, board.id);
    assert.equal((await call(client, 'list_board_pins', { board_id: board.id })).structuredContent.items[0].id, pin.id);
    assert.equal((await call(client, 'get_pin', { pin_id: pin.id })).structuredContent.title, 'Peach cobbler');
    assert.ok((await call(client, 'list_pins')).structuredContent.items.length >= 1);
    const operations = (await call(client, 'list_operations', { area: 'boards' })).structuredContent.items;
    assert.ok(operations.some((op: any) => op.operationId === 'boards/delete' && op.write === true));
    const viaCatalogue = await call(client, 'call_operation', { operation_id: 'boards/get', params: { board_id: board.id } });
    assert.equal(viaCatalogue.structuredContent.name, board.name);
    const permissions = (await call(client, 'my_permissions', { area: 'boards' })).structuredContent.items;
    assert.deepEqual(permissions.find((p: any) => p.operationId === 'boards/delete'), { operationId: 'boards/delete', decision: 'denied', rule: 'boards.read' });
    // Bad arguments are an isError naming the field, never a protocol error.
    const bad = await call(client, 'get_pin', {});
    assert.equal(bad.isError, true);
    assert.match(bad.structuredContent.message, /'pin_id' is required/);
    // An unknown tool is a protocol error (-32602).
    await assert.rejects(client.callTool({ name: 'no_such_tool', arguments: {} }), (error: any) => error.code === -32602);
    const entries = await auditOf(reader.name);
    assert.ok(entries.length >= 7);
    assert.ok(entries.every((entry) => entry.transport === 'mcp-http'));
    assert.ok(entries.some((entry) => entry.tool === 'get_pin' && /via MCP tool get_pin get Pin "Peach cobbler": allowed \(rule pins\.read\)/.test(entry.sentence)), JSON.stringify(entries.map((e) => e.sentence)));
  } finally {
    await client.close();
  }
});

test('a denied call is isError naming the rule, checked on the server even for a tool not listed', async () => {
  const reader = await makeAgent({ areas: { boards: 'read' } });
  const client = await connectHttp(reader.key);
  try {
    const denied = await call(client, 'create_board', { name: unique('nope') });
    assert.equal(denied.isError, true);
    assert.equal(denied.structuredContent.code, 29);
    assert.equal(denied.structuredContent.rule, 'boards.read');
    assert.match(denied.content[0].text, /\(rule boards\.read\)/);
    assert.match(denied.structuredContent.hint, /do not retry/);
    const admin = await call(client, 'reset', {});
    assert.equal(admin.isError, true);
    assert.equal(admin.structuredContent.rule, 'control_plane.off');
    const [entry] = (await auditOf(reader.name)).filter((e) => e.operation_id === 'boards/create');
    assert.equal(entry.decision, 'denied');
  } finally {
    await client.close();
  }
});

test('a dry run answers the exact request and the change, and changes nothing', async () => {
  const board = await createBoard(server().api, { name: unique('Keep me') });
  const agent = await makeAgent({ areas: { boards: 'full' } });
  const client = await connectHttp(agent.key);
  try {
    const dry = await call(client, 'delete_board', { board_id: board.id, dry_run: true });
    assert.equal(dry.isError, undefined);
    assert.equal(dry.structuredContent.dry_run, true);
    assert.deepEqual(dry.structuredContent.request, { method: 'DELETE', path: `/v5/boards/${board.id}`, query: {}, body: null });
    assert.equal(dry.structuredContent.before.name, board.name);
    assert.equal(dry.structuredContent.after, null);
    assert.equal(dry.structuredContent.decision.decision, 'allowed');
    const rename = await call(client, 'update_board', { board_id: board.id, name: 'Renamed', dry_run: true });
    assert.equal(rename.structuredContent.after.name, 'Renamed');
    assert.equal(rename.structuredContent.before.name, board.name);
    assert.equal((await server().api.get(`/boards/${board.id}`)).body.name, board.name, 'nothing changed');
    const entries = await auditOf(agent.name);
    assert.deepEqual(entries.map((e) => e.decision), ['dry-run', 'dry-run'], 'one entry per dry run; its reads are not separate calls');
    assert.match(entries[0].sentence, /tried to delete board .*: dry run, nothing changed \(rule boards\.full\)\.$/);
  } finally {
    await client.close();
  }
});

test('ask → approve → run; an approval does not cover changed arguments; an approval expires on pinbox\'s clock', async () => {
  const board = await createBoard(server().api);
  const pin = await createPin(server().api, board.id);
  const other = await createPin(server().api, board.id);
  const agent = await makeAgent({ areas: { pins: 'full', boards: 'read' }, actions: { delete_pin: 'ask' } });
  const client = await connectHttp(agent.key);
  try {
    const asked = await call(client, 'delete_pin', { pin_id: pin.id });
    assert.equal(asked.isError, true);
    assert.equal(asked.structuredContent.status, 'pending_approval');
    const id = asked.structuredContent.approval_id;
    assert.match(id, /^ap_\d+$/);
    assert.match(asked.content[0].text, /pending approval/);
    await control().ok('POST', `/agents/approvals/${id}/approve`);
    const changed = await call(client, 'delete_pin', { pin_id: other.id, approval_id: id });
    assert.equal(changed.isError, true);
    assert.equal(changed.structuredContent.rule, 'approval.arguments_changed');
    const ran = await call(client, 'delete_pin', { pin_id: pin.id, approval_id: id });
    assert.equal(ran.isError, undefined, JSON.stringify(ran.structuredContent));
    assert.deepEqual(ran.structuredContent, { ok: true, deleted: pin.id });
    assert.equal((await server().api.get(`/pins/${pin.id}`)).status, 404);
    assert.equal((await server().api.get(`/pins/${other.id}`)).status, 200);
    // Expiry: asked, approved, then pinbox's clock passes the approval's end.
    const again = await call(client, 'delete_pin', { pin_id: other.id });
    const late = again.structuredContent.approval_id;
    await control().ok('POST', `/agents/approvals/${late}/approve`);
    await server().pinbox.clock.advance('16m');
    const expired = await call(client, 'delete_pin', { pin_id: other.id, approval_id: late });
    assert.equal(expired.structuredContent.rule, 'approval.expired');
    assert.equal((await server().api.get(`/pins/${other.id}`)).status, 200);
    const decisions = (await auditOf(agent.name)).map((e) => e.decision);
    assert.deepEqual(decisions, ['asked', 'denied', 'approved', 'asked', 'denied']);
  } finally {
    await client.close();
  }
});

test('the HTTP endpoint: a foreign Origin gets 403, a bad key 401 with its challenge, and the metadata names the resource', async () => {
  const agent = await makeAgent({ areas: { boards: 'read' } });
  const post = (headers: Record<string, string>) =>
    fetch(`${server().pinbox.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
  assert.equal((await post({ authorization: `Bearer ${agent.key}`, origin: 'https://evil.example' })).status, 403);
  const bad = await post({ authorization: `Bearer pbx_00000000_${'0'.repeat(40)}` });
  assert.equal(bad.status, 401);
  assert.match(bad.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
  const metadata = await (await fetch(`${server().pinbox.url}/.well-known/oauth-protected-resource/mcp`)).json();
  assert.equal(metadata.resource, `${server().pinbox.url}/mcp`);
  assert.equal((await fetch(`${server().pinbox.url}/mcp`)).status, 405);
});

test('over stdio: `pinbox mcp` with the key from the environment, logged as mcp-stdio', async () => {
  const board = await createBoard(server().api);
  const agent = await makeAgent({ areas: { boards: 'full' }, control_plane: true });
  const client = new McpClient({ name: 'pinbox-test-stdio', version: '1.0.0' });
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'mcp', '--url', server().pinbox.url],
    env: { PATH: process.env.PATH ?? '', PINBOX_AGENT_KEY: agent.key },
    stderr: 'pipe',
  });
  await client.connect(transport);
  try {
    const names = await toolNames(client);
    assert.ok(names.includes('delete_board') && names.includes('advance_clock'), names.join(','));
    assert.ok(!names.includes('list_pins'));
    assert.equal((await call(client, 'get_board', { board_id: board.id })).structuredContent.name, board.name);
    const made = await call(client, 'create_board', { name: unique('from stdio') });
    assert.equal(made.isError, undefined, JSON.stringify(made.structuredContent));
    const before = server().pinbox.clock.now();
    const moved = await call(client, 'advance_clock', { by: '1h' });
    assert.ok(Date.parse(moved.structuredContent.at) >= before + 3_600_000 - 1000, moved.structuredContent.at); // `at` is to the second
    const entries = await auditOf(agent.name);
    assert.ok(entries.length >= 3);
    assert.ok(entries.every((entry) => entry.transport === 'mcp-stdio'), JSON.stringify(entries.map((e) => e.transport)));
  } finally {
    await client.close();
  }
});

test('create_video_pin does the upload flow for the agent: register, upload, wait for processing, pin', async () => {
  const board = await createBoard(server().api);
  const agent = await makeAgent({ areas: { pins: 'full', media: 'full', boards: 'read' } });
  const client = await connectHttp(agent.key);
  try {
    assert.ok((await toolNames(client)).includes('create_video_pin'));
    const video = await makeVideo({ segments: [{ color: 'red', seconds: 4 }] });
    const made = await call(client, 'create_video_pin', { board_id: board.id, title: 'Salad in motion', video_base64: video.toString('base64') });
    assert.equal(made.isError, undefined, JSON.stringify(made.structuredContent));
    assert.equal(made.structuredContent.title, 'Salad in motion');
    assert.equal(made.structuredContent.media.media_type, 'video');
    assert.equal((await server().api.get(`/pins/${made.structuredContent.id}`)).status, 200);
    const operations = (await auditOf(agent.name)).map((e) => e.operation_id);
    assert.deepEqual([operations[0], operations.at(-1)], ['media/create', 'pins/create']);
  } finally {
    await client.close();
  }
});
