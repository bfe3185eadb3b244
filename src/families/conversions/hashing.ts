/**
 * How Pinterest normalises and hashes the people data it matches (the Conversions
 * API's `user_data`, customer list records), and whom pinbox matches it against.
 */
import { createHash } from 'node:crypto';

/** A SHA-256 digest in lower-case hex, as Pinterest takes hashed fields. */
export const SHA256_HEX = /^[0-9a-f]{64}$/;
const SHA1_HEX = /^[0-9a-f]{40}$/;
const MD5_HEX = /^[0-9a-f]{32}$/;
/** Loose on purpose: Pinterest checks only that an unhashed email looks like one. */
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Pinterest: emails are trimmed and lower-cased before they are hashed.
 * @example normalizeEmail('  Ann@Example.COM ') // 'ann@example.com'
 */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function looksLikeEmail(text: string): boolean {
  return EMAIL.test(text.trim());
}

/**
 * pinbox: the email of a pinbox user, for matching (pinbox users carry none of
 * their own): `<username>@users.pinbox.test`.
 */
export function userEmail(username: string): string {
  return `${username.toLowerCase()}@users.pinbox.test`;
}

/**
 * pinbox: the seeded population beside pinbox's users, people who exist only to be
 * matched: `member-<n>@population.pinbox.test` for n from 0 to 99,999. A customer
 * list or an event naming them (plain or hashed) matches.
 */
export const POPULATION_SIZE = 100_000;
export function populationEmail(n: number): string {
  return `member-${n}@population.pinbox.test`;
}

export type EmailDigest = 'sha256' | 'sha1' | 'md5';

/** The population's digests, made on first use (a few hundred milliseconds, once per process). */
let populationDigests: Map<string, number> | null = null;
function populationByDigest(): Map<string, number> {
  if (!populationDigests) {
    populationDigests = new Map();
    for (let n = 0; n < POPULATION_SIZE; n++) {
      const email = populationEmail(n);
      populationDigests.set(sha256(email), n);
      populationDigests.set(createHash('sha1').update(email).digest('hex'), n);
      populationDigests.set(createHash('md5').update(email).digest('hex'), n);
    }
  }
  return populationDigests;
}

/** What a record or an email field holds: a plain email (hashed here), a digest, or neither. */
export type EmailRecord = { kind: 'plain'; sha256: string } | { kind: 'digest'; digest: string } | { kind: 'invalid' };

/**
 * Reads one email as Pinterest takes it: a plain address (normalised and hashed),
 * or an SHA-256, SHA-1 or MD5 hex digest of the normalised address.
 */
export function readEmail(value: string): EmailRecord {
  const text = value.trim();
  const lower = text.toLowerCase();
  if (SHA256_HEX.test(lower) || SHA1_HEX.test(lower) || MD5_HEX.test(lower)) return { kind: 'digest', digest: lower };
  if (looksLikeEmail(text)) return { kind: 'plain', sha256: sha256(normalizeEmail(text)) };
  return { kind: 'invalid' };
}

/**
 * Whom a digest of an email names: `user:<id>` for a pinbox user, `member:<n>`
 * for one of the seeded population, or null. `users` maps the digests of pinbox
 * users' emails (`userDigests`) to their ids.
 */
export function matchDigest(digest: string, users: ReadonlyMap<string, string>): string | null {
  const userId = users.get(digest);
  if (userId !== undefined) return `user:${userId}`;
  const n = populationByDigest().get(digest);
  return n === undefined ? null : `member:${n}`;
}

/** The SHA-256, SHA-1 and MD5 digests of each user's email, to their ids. */
export function userDigests(users: readonly { id: string; username: string }[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const { id, username } of users) {
    const email = userEmail(username);
    out.set(sha256(email), id);
    out.set(createHash('sha1').update(email).digest('hex'), id);
    out.set(createHash('md5').update(email).digest('hex'), id);
  }
  return out;
}

/** Pinterest's HASHED_PINNER_ID: the SHA-256 of a user's id; pinbox maps each user's to the id. */
export function pinnerIdDigests(users: readonly { id: string }[]): Map<string, string> {
  return new Map(users.map(({ id }) => [sha256(id), id]));
}

/** Every pinbox user, as matching needs them. */
export async function matchableUsers(q: { all<T>(sql: string, params?: readonly []): Promise<T[]> }): Promise<{ id: string; username: string }[]> {
  return q.all<{ id: string; username: string }>('SELECT id, username FROM users');
}
