/**
 * `pinbox mcp`: the MCP server over stdio, for a desktop client that starts it. It
 * bridges each message to the running pinbox's `/mcp` (Streamable HTTP) with the
 * agent key from the environment, so the one server, its policy and its audit log
 * answer both transports; the log says `mcp-stdio` for these calls. Only MCP
 * messages go to stdout; what goes wrong goes to stderr.
 */
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import { MCP_PATH, MCP_TRANSPORT_HEADER } from '../pages.js';

/**
 * Bridges stdio to `base`/mcp until stdin closes.
 * @example await bridgeStdio('http://127.0.0.1:3000', process.env.PINBOX_AGENT_KEY!)
 */
export async function bridgeStdio(base: string, key: string, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<void> {
  const stdio = new StdioServerTransport();
  const http = new StreamableHTTPClientTransport(new URL(`${base.replace(/\/+$/, '')}${MCP_PATH}`), {
    requestInit: { headers: { authorization: `Bearer ${key}`, [MCP_TRANSPORT_HEADER]: 'stdio' } },
  });
  const closed = new Promise<void>((resolve) => {
    stdio.onclose = () => resolve();
  });
  http.onmessage = (message) => void stdio.send(message);
  http.onerror = (error) => log(`pinbox mcp: ${error.message}`);
  stdio.onmessage = (message: JSONRPCMessage) => {
    http.send(message).catch((error: unknown) => {
      const text = error instanceof Error ? error.message : String(error);
      log(`pinbox mcp: ${text}`);
      // A request the bridge could not deliver still gets its answer: an error naming the cause.
      if ('id' in message && 'method' in message) {
        void stdio.send({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: `pinbox at ${base} did not answer: ${text}` } });
      }
    });
  };
  await http.start();
  await stdio.start();
  await closed;
  await http.close();
}
