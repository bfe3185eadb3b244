/** `pinbox agents …` (through a running pinbox's control plane) and `pinbox mcp` (the stdio MCP server). */
import { readFile } from 'node:fs/promises';
import { parseCommandArgs, UsageError, type CliCommand } from '../cli/command.js';
import { controlCommand, print } from '../control/cli.js';
import type { AuditEntry } from './audit.js';

const agentCommand = (...args: Parameters<typeof controlCommand> extends [string, ...infer Rest] ? Rest : never): CliCommand => controlCommand('agents', ...args);

function one(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? `needs ${what}` : `unexpected argument '${positionals[1]}'`);
  return positionals[0];
}

const agentLine = (agent: { name: string; user: string; key_id: string; revoked: boolean; policy: { areas: Record<string, string> } }) =>
  `${agent.name.padEnd(24)} as ${agent.user.padEnd(16)} key …${agent.key_id.slice(-4)}${agent.revoked ? ' REVOKED' : ''}  ${Object.entries(agent.policy.areas).map(([area, level]) => `${area}:${level}`).join(' ') || '(everything Off)'}`;
const madeLine = (made: { agent: { name: string }; key: string }) => `agent ${made.agent.name}\nkey: ${made.key}\n(shown once; only its hash is stored)`;

async function policyOf(text: string | undefined): Promise<unknown> {
  if (text === undefined) return undefined;
  const source = text.startsWith('@') ? await readFile(text.slice(1), 'utf8') : text;
  try {
    return JSON.parse(source);
  } catch {
    throw new UsageError('--body must be the policy as JSON (or @FILE)');
  }
}

export const AGENT_COMMANDS: readonly CliCommand[] = [
  agentCommand('list', 'list', 'Lists the agents: whom each acts as, its key id, its areas.', async (client, _values, positionals, context) => {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const { items } = (await client.json('GET', '/agents')) as { items: Parameters<typeof agentLine>[0][] };
    print(context, items, () => items.map(agentLine).join('\n') || '(no agents)');
  }),
  agentCommand(
    'create',
    'create NAME --user USERNAME [--body POLICY_JSON|@FILE]',
    'Makes an agent acting as USERNAME, denied everything its policy does not grant; prints its key once.',
    async (client, values, positionals, context) => {
      const name = one(positionals, 'a NAME');
      if (!values.user) throw new UsageError('needs --user USERNAME, the identity the agent acts as');
      const made = (await client.json('POST', '/agents', { name, user: values.user, policy: await policyOf(values.body) })) as Parameters<typeof madeLine>[0];
      print(context, made, madeLine);
    },
    '  e.g. --body \'{"areas":{"pins":"full","boards":"read"},"actions":{"delete_pin":"ask"},"limits":{"writes_per_day":50}}\'',
  ),
  agentCommand('apply', 'apply FILE', 'Makes or updates every agent of a policy file (YAML or JSON) in one go; a mistake names its line.', async (client, _values, positionals, context) => {
    const file = await readFile(one(positionals, 'a FILE'), 'utf8');
    const result = (await client.json('POST', '/agents/apply', { file })) as { created: { name: string; key: string }[]; updated: string[] };
    print(context, result, () => [...result.created.map((c) => `created ${c.name}, key ${c.key} (shown once)`), ...result.updated.map((u) => `updated ${u}`)].join('\n'));
  }),
  agentCommand('show', 'show NAME', 'Shows an agent and its policy.', async (client, _values, positionals, context) => {
    const agent = await client.json('GET', `/agents/${encodeURIComponent(one(positionals, 'a NAME'))}`);
    print(context, agent, (a) => `${agentLine(a)}\n${JSON.stringify(a.policy, null, 2)}`);
  }),
  agentCommand('update', 'update NAME --body POLICY_JSON|@FILE', "Replaces an agent's policy; its next call is judged by it.", async (client, values, positionals, context) => {
    const name = one(positionals, 'a NAME');
    if (values.body === undefined) throw new UsageError('needs --body, the new policy as JSON (or @FILE)');
    print(context, await client.json('PATCH', `/agents/${encodeURIComponent(name)}`, { policy: await policyOf(values.body) }), agentLine);
  }),
  agentCommand('rotate', 'rotate NAME', 'Gives an agent a new key (printed once); the old one stops at once.', async (client, _values, positionals, context) => {
    print(context, await client.json('POST', `/agents/${encodeURIComponent(one(positionals, 'a NAME'))}/rotate`, {}), madeLine);
  }),
  agentCommand('revoke', 'revoke NAME', "Revokes an agent's key: its next call is refused, in every process.", async (client, _values, positionals, context) => {
    print(context, await client.json('POST', `/agents/${encodeURIComponent(one(positionals, 'a NAME'))}/revoke`, {}), agentLine);
  }),
  agentCommand('delete', 'delete NAME', 'Deletes an agent (its audit entries stay).', async (client, _values, positionals, context) => {
    const name = one(positionals, 'a NAME');
    await client.json('DELETE', `/agents/${encodeURIComponent(name)}`);
    print(context, { deleted: name }, () => `deleted ${name}`);
  }),
  agentCommand('explain', 'explain NAME METHOD PATH [--body JSON]', 'What a call would get from the agent\'s policy, and the rule; nothing is called.', async (client, values, positionals, context) => {
    const [name, method, path, ...extra] = positionals;
    if (!name || !method || !path || extra.length) throw new UsageError('needs NAME METHOD PATH, e.g. explain bot DELETE /v5/boards/123');
    const body = values.body === undefined ? undefined : JSON.parse(values.body);
    print(context, await client.json('POST', `/agents/${encodeURIComponent(name)}/explain`, { method, path, body }), (v) => `${v.decision} (rule ${v.rule})${v.reason ? `: ${v.reason}` : ''}`);
  }),
  agentCommand('approvals', 'approvals [--status pending]', 'Lists the calls waiting for (or given) a person\'s approval.', async (client, values, positionals, context) => {
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const { items } = (await client.json('GET', `/agents/approvals${values.status ? `?status=${encodeURIComponent(values.status)}` : ''}`)) as { items: { id: string; status: string; request: { sentence: string; method: string; path: string }; expires_at: number }[] };
    print(context, items, () => items.map((a) => `${a.id}  ${a.status.padEnd(8)} ${a.request.method} ${a.request.path}  until ${new Date(a.expires_at).toISOString()}`).join('\n') || '(none)');
  }),
  agentCommand('approve', 'approve ID', 'Approves a pending call: the agent may make it once, with the same arguments, before it expires.', async (client, _values, positionals, context) => {
    print(context, await client.json('POST', `/agents/approvals/${encodeURIComponent(one(positionals, 'an approval ID'))}/approve`, {}), (a) => `${a.id} approved until ${new Date(a.expires_at).toISOString()}`);
  }),
  agentCommand('reject', 'reject ID', 'Rejects a pending call.', async (client, _values, positionals, context) => {
    print(context, await client.json('POST', `/agents/approvals/${encodeURIComponent(one(positionals, 'an approval ID'))}/reject`, {}), (a) => `${a.id} rejected`);
  }),
  agentCommand(
    'audit',
    'audit [--agent NAME] [--decision D] [--since T] [--limit N] [-f]',
    'The audit log as sentences (JSON lines with --json); -f follows it live.',
    async (client, values, positionals, context) => {
      if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
      const query = new URLSearchParams();
      for (const name of ['agent', 'decision', 'since', 'limit'] as const) {
        const value = (values as Record<string, unknown>)[name];
        if (typeof value === 'string') query.set(name, value);
      }
      const write = (entry: AuditEntry) => context.out.write(context.json ? `${JSON.stringify(entry)}\n` : `${entry.sentence}\n`);
      const { items } = (await client.json('GET', `/agents/audit?${query}`)) as { items: AuditEntry[] };
      items.forEach(write);
      if (!values.follow) return;
      const after = items.at(-1)?.seq;
      if (after) query.set('after', after);
      const response = await client.call('GET', `/agents/audit/stream?${query}`);
      const decoder = new TextDecoder();
      let buffer = '';
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event.split('\n').find((line) => line.startsWith('data: '));
          if (data) write(JSON.parse(data.slice(6)) as AuditEntry);
        }
      }
    },
    '  --agent NAME, --decision allowed|denied|asked|approved|rejected|dry-run, --since (ms or ISO 8601), --limit N',
  ),
  {
    words: ['mcp'],
    synopsis: 'mcp [--url URL]',
    summary: "The MCP server over stdio, as the agent whose key is in PINBOX_AGENT_KEY: bridged to the running pinbox's /mcp, under the agent's policy.",
    help: `  --url URL  the running pinbox (env PINBOX_URL; default http://127.0.0.1:3000)
  PINBOX_AGENT_KEY  the agent's key (pbx_…), from the environment only (never an argument)`,
    run: async ({ args }) => {
      const { values } = parseCommandArgs({ args, options: { url: { type: 'string' } }, strict: true });
      const key = process.env.PINBOX_AGENT_KEY;
      if (!key) throw new UsageError("needs the agent's key in PINBOX_AGENT_KEY");
      const base = (values.url ?? process.env.PINBOX_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`).replace(/\/+$/, '');
      const { bridgeStdio } = await import('./mcp/stdio.js');
      await bridgeStdio(base, key);
    },
  },
];
