import { parseArgs } from 'node:util';
import type { PinboxOptions } from './server.js';

/** Default port of `pinbox start`. */
export const DEFAULT_PORT = 3000;

/**
 * One place that reads flags and the environment for `pinbox start`.
 * Flags win over environment variables, which win over defaults.
 */
export function readStartConfig(argv: string[], env: NodeJS.ProcessEnv): PinboxOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      data: { type: 'string' },
      token: { type: 'string' },
      'client-secret': { type: 'string' },
      username: { type: 'string' },
      password: { type: 'string' },
      'redirect-uri': { type: 'string', multiple: true },
      'log-level': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const portText = values.port ?? env.PORT ?? String(DEFAULT_PORT);
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, got '${portText}'`);
  return {
    port,
    host: values.host ?? env.HOST ?? '127.0.0.1',
    data: values.data ?? env.PINBOX_DATA ?? undefined,
    token: values.token ?? env.PINBOX_TOKEN ?? undefined,
    clientSecret: values['client-secret'] ?? env.PINBOX_CLIENT_SECRET ?? undefined,
    username: values.username ?? env.PINBOX_USERNAME ?? undefined,
    password: values.password ?? env.PINBOX_PASSWORD ?? undefined,
    // The environment takes several URIs separated by spaces or commas (a URI has neither unescaped).
    redirectUris: values['redirect-uri'] ?? (env.PINBOX_REDIRECT_URIS ? env.PINBOX_REDIRECT_URIS.split(/[\s,]+/).filter(Boolean) : undefined),
    logLevel: values['log-level'] ?? env.PINBOX_LOG_LEVEL ?? 'info',
  };
}
