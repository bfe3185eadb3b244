import { pinterestTimestamp } from '../../kernel/clock.js';
import type { TokenInspection } from './service.js';

/** What the token inspector says of a token (JSON from `POST /oauth/introspect`, text from `pinbox token inspect`). */
export interface TokenDescription {
  active: boolean;
  token_type?: 'access_token' | 'refresh_token';
  scope?: string;
  user?: { id: string; username: string } | null;
  app?: { id: string; name: string } | null;
  /** How the token was made: a grant type of the token endpoint, or `pinbox` (dev and admin tokens). */
  issued_by?: string;
  issued_at?: string;
  expires_at?: string;
  /** Seconds since the epoch, as `exp` in RFC 7662. */
  exp?: number;
  revoked_at?: string | null;
  /** Refresh tokens: when a refresh spent it (continuous refresh hands out a new one each time). */
  used_at?: string | null;
}

/**
 * Describes an inspected token; an unknown token is `{ active: false }` and nothing
 * more, as RFC 7662 §2.2 answers.
 */
export function describeInspection(inspection: TokenInspection | null): TokenDescription {
  if (!inspection) return { active: false };
  const { record } = inspection;
  const at = (ms: number | null) => (ms === null ? null : pinterestTimestamp(ms));
  return {
    active: inspection.active,
    token_type: record.kind === 'access' ? 'access_token' : 'refresh_token',
    scope: record.scopes.join(','),
    user: inspection.user,
    app: inspection.app ? { id: inspection.app.id, name: inspection.app.name } : null,
    issued_by: record.origin,
    issued_at: pinterestTimestamp(record.createdAt),
    expires_at: pinterestTimestamp(record.expiresAt),
    exp: Math.floor(record.expiresAt / 1000),
    revoked_at: at(record.revokedAt),
    ...(record.kind === 'refresh' ? { used_at: at(record.usedAt) } : {}),
  };
}

/** The description as lines for a terminal. */
export function formatDescription(description: TokenDescription): string {
  if (!description.token_type) return "active:     false (pinbox knows no such token, or it is another app's)\n";
  const lines = [
    ['active', String(description.active)],
    ['type', description.token_type],
    ['user', description.user ? `${description.user.username} (id ${description.user.id})` : '(deleted)'],
    ['app', description.app ? `${description.app.name} (client id ${description.app.id})` : '(deleted)'],
    ['scopes', description.scope || '(none)'],
    ['issued by', description.issued_by ?? ''],
    ['issued at', `${description.issued_at} UTC`],
    ['expires at', `${description.expires_at} UTC`],
    ['revoked at', description.revoked_at ? `${description.revoked_at} UTC` : '-'],
  ];
  if (description.token_type === 'refresh_token') lines.push(['spent at', description.used_at ? `${description.used_at} UTC` : '-']);
  return lines.map(([name, value]) => `${`${name}:`.padEnd(12)}${value}\n`).join('');
}
