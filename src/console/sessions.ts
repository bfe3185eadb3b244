/**
 * Who may use the console: sign-in links, session cookies and CSRF tokens.
 *
 * Everything is signed with a key derived from the admin key, so any process of an
 * instance (they share the admin key) accepts a cookie another one issued, and
 * nothing of it is kept in the store (a reset or a snapshot load never signs the
 * console out). A sign-in link is single-use in the process that redeems it and
 * lapses after a day; a session lasts twelve hours; signing out forgets the session
 * in this process (another process forgets it when its cookie lapses). The admin key
 * itself never reaches the page: the link carries a ticket, the cookie a signature.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { safeEqual } from '../kernel/auth.js';

export const CONSOLE_COOKIE = 'pinbox_console';
/** The header every state-changing console request carries (double-checked against the session). */
export const CSRF_HEADER = 'x-pinbox-csrf';
const TICKET_LIFETIME_MS = 24 * 60 * 60 * 1000;
export const SESSION_LIFETIME_MS = 12 * 60 * 60 * 1000;

interface Signed {
  /** What kind of thing was signed: a sign-in ticket or a session. */
  kind: 'ticket' | 'session';
  nonce: string;
  expires: number;
}

export interface ConsoleSession {
  nonce: string;
  expires: number;
  /** The token the page sends back as X-Pinbox-CSRF on every change. */
  csrf: string;
}

export class ConsoleSessions {
  private readonly key: Buffer;
  private readonly redeemed = new Map<string, number>();
  private readonly signedOut = new Map<string, number>();

  /** `now` is wall-clock time: sessions lapse in real time, not on pinbox's clock (a test may move that by years). */
  constructor(
    adminKey: string,
    private readonly now: () => number = Date.now,
  ) {
    this.key = createHmac('sha256', adminKey).update('pinbox console v1').digest();
  }

  private sign(value: Signed): string {
    const body = `${value.kind}.${value.nonce}.${value.expires.toString(36)}`;
    return `${body}.${createHmac('sha256', this.key).update(body).digest('base64url')}`;
  }

  private verify(text: string | undefined, kind: Signed['kind']): Signed | null {
    if (typeof text !== 'string' || text.length > 200) return null;
    const parts = text.split('.');
    if (parts.length !== 4 || parts[0] !== kind) return null;
    const [, nonce, expiresText, mac] = parts;
    const expected = createHmac('sha256', this.key).update(`${kind}.${nonce}.${expiresText}`).digest('base64url');
    if (!safeEqual(mac, expected)) return null;
    const expires = parseInt(expiresText, 36);
    if (!Number.isFinite(expires) || expires <= this.now()) return null;
    return { kind, nonce, expires };
  }

  private forgetLapsed(): void {
    const now = this.now();
    for (const map of [this.redeemed, this.signedOut]) for (const [nonce, expires] of map) if (expires <= now) map.delete(nonce);
  }

  /** A new sign-in ticket, for the link `pinbox start` prints (or `pinbox ctl console-link`). */
  ticket(): string {
    return this.sign({ kind: 'ticket', nonce: randomBytes(18).toString('base64url'), expires: this.now() + TICKET_LIFETIME_MS });
  }

  /** Redeems a ticket once: the session cookie's value, or null for a bad, lapsed or used ticket. */
  redeem(ticket: string | undefined): string | null {
    const signed = this.verify(ticket, 'ticket');
    if (!signed || this.redeemed.has(signed.nonce)) return null;
    this.forgetLapsed();
    this.redeemed.set(signed.nonce, signed.expires);
    return this.open();
  }

  /** A new session cookie value (after the admin key was given on the sign-in form). */
  open(): string {
    return this.sign({ kind: 'session', nonce: randomBytes(18).toString('base64url'), expires: this.now() + SESSION_LIFETIME_MS });
  }

  /** The session a cookie value stands for, or null. */
  session(cookie: string | undefined): ConsoleSession | null {
    const signed = this.verify(cookie, 'session');
    if (!signed || this.signedOut.has(signed.nonce)) return null;
    return { nonce: signed.nonce, expires: signed.expires, csrf: this.csrfOf(signed.nonce) };
  }

  /** Whether `given` is the session's CSRF token (constant time). */
  csrfMatches(session: ConsoleSession, given: string | undefined): boolean {
    return typeof given === 'string' && safeEqual(given, session.csrf);
  }

  signOut(session: ConsoleSession): void {
    this.forgetLapsed();
    this.signedOut.set(session.nonce, session.expires);
  }

  private csrfOf(nonce: string): string {
    return createHmac('sha256', this.key).update(`csrf.${nonce}`).digest('base64url');
  }
}
