import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthContext } from './auth.js';
import type { RoutePolicy } from './route-policy.js';

/**
 * The kernel's hook for the agent gateway (src/agents): a bearer token shaped as an
 * agent key is resolved here instead of by the token store; the agent's policy is
 * checked once the request is read (its body included) and before the handler, in
 * place of the kernel's own scope check; and each call's answer is recorded.
 */
export interface AgentGateway {
  isAgentKey(token: string): boolean;
  /** The identity the agent acts as; null for an unknown or revoked key (401). */
  resolve(key: string, request: FastifyRequest): AuthContext | null | Promise<AuthContext | null>;
  /**
   * Judges the call against the agent's policy; throws (or rejects with) Pinterest's
   * 403 naming the rule on a denial. Returns nothing when it decided in this tick.
   */
  check(request: FastifyRequest, reply: FastifyReply, policy: RoutePolicy): void | Promise<void>;
  /**
   * onSend: what the answer says (its Pinterest code, the names it read), then the
   * call's audit entry; answers the payload to send (a list cut to the agent's resource scopes).
   */
  answered(request: FastifyRequest, reply: FastifyReply, payload: unknown): unknown;
}
