/**
 * Which addresses pinbox may fetch from: the one policy every outbound fetch obeys
 * (image URLs now; catalog feeds and webhooks to come), checked by `guardedFetch`
 * on every address a host resolves to and on every redirect.
 *
 * An address is internal unless it is global unicast as IANA's special-purpose
 * registries (through ipaddr.js) classify it: loopback (127.0.0.0/8, ::1), private
 * (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10),
 * unspecified (0.0.0.0/8, ::), CGNAT (100.64/10), multicast, broadcast, the reserved
 * and documentation ranges, and IPv6's transition forms (6to4, Teredo). IPv4 inside
 * IPv6 (mapped `::ffff:a.b.c.d`, compatible `::a.b.c.d`, NAT64 `64:ff9b::a.b.c.d`) is
 * judged as the IPv4 address it carries. Integer host forms (`2130706433`,
 * `0x7f000001`, `0177.0.0.1`, `127.1`) never get here as such: WHATWG URL parsing
 * turns them into the dotted address they mean.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** One `--fetch-allow` or `--fetch-deny` entry. */
export type FetchRule =
  | { kind: 'range'; text: string; range: [Address, number] }
  /** A host name: matches it and every name under it (`example.com` matches `img.example.com`). */
  | { kind: 'host'; text: string; host: string };

/** Letters, digits and hyphens in dot-separated labels (a leading `*.` is allowed and means the same as without). */
const HOST_NAME = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?$/;

/**
 * Reads `--fetch-allow` / `--fetch-deny` entries: an address (`127.0.0.2`, `::1`),
 * a CIDR range (`10.0.0.0/8`, `fd00::/8`) or a host name (`images.corp.example`).
 * @throws Error naming the flag and the entry that is none of them.
 * @example parseFetchRules(['10.0.0.0/8', 'images.corp.example'], '--fetch-allow')
 */
export function parseFetchRules(entries: readonly string[], flag: string): FetchRule[] {
  return entries.map((entry) => {
    const text = entry.trim();
    const bare = text.replace(/^\[(.*)\]$/, '$1');
    if (bare.includes('/')) {
      if (ipaddr.isValidCIDR(bare)) {
        const [address, bits] = ipaddr.parseCIDR(bare);
        return { kind: 'range', text, range: [address, bits] };
      }
    } else if (ipaddr.isValid(bare)) {
      const address = ipaddr.parse(bare);
      return { kind: 'range', text, range: [address, address.kind() === 'ipv4' ? 32 : 128] };
    } else {
      const host = bare.toLowerCase().replace(/^\*\./, '').replace(/\.$/, '');
      if (HOST_NAME.test(host) && !/^[0-9.]+$/.test(host)) return { kind: 'host', text, host };
    }
    throw new Error(`${flag} '${entry}' must be an address (127.0.0.2), a CIDR range (10.0.0.0/8, fd00::/8) or a host name (images.example.com)`);
  });
}

/**
 * The IPv4 address an IPv6 address stands for, if it is one of the forms that
 * carry one (mapped, compatible, NAT64); otherwise the address itself.
 */
function unwrapped(address: Address): Address {
  if (address.kind() === 'ipv4') return address;
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  if (range === 'ipv4Mapped') return v6.toIPv4Address();
  const p = v6.parts;
  const embeddedV4 = (): ipaddr.IPv4 => new ipaddr.IPv4([p[6] >> 8, p[6] & 0xff, p[7] >> 8, p[7] & 0xff]);
  // RFC 6052 NAT64 (64:ff9b::/96): a DNS64 resolver hands these out for IPv4-only hosts.
  if (range === 'rfc6052') return embeddedV4();
  // IPv4-compatible (::a.b.c.d, deprecated by RFC 4291); :: and ::1 are themselves.
  if (p.slice(0, 6).every((part) => part === 0) && (p[6] !== 0 || p[7] > 1)) return embeddedV4();
  return address;
}

/**
 * Parses an IP address as a URL hostname or a resolver gives it (IPv6 with or
 * without brackets, with a zone id or not); null when it is not an address.
 */
export function parseAddress(text: string): Address | null {
  const bare = text.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  return ipaddr.isValid(bare) ? ipaddr.parse(bare) : null;
}

/**
 * Whether an address is internal: anything but global unicast (see the file's comment).
 * @example isInternalAddress('::ffff:127.0.0.1') // true
 * @example isInternalAddress('93.184.215.14') // false
 */
export function isInternalAddress(text: string): boolean {
  const address = parseAddress(text);
  if (!address) throw new Error(`not an IP address: ${text}`);
  return unwrapped(address).range() !== 'unicast';
}

/**
 * Whether pinbox listening on `host` can be reached only from this machine:
 * 127.0.0.0/8, ::1 or `localhost`. `0.0.0.0`, `::` and the machine's other
 * addresses are reachable from others.
 * @example listensOnLoopback('127.0.0.1') // true
 * @example listensOnLoopback('0.0.0.0') // false
 */
export function listensOnLoopback(host: string): boolean {
  if (host.toLowerCase() === 'localhost') return true;
  const address = parseAddress(host);
  return address !== null && unwrapped(address).range() === 'loopback';
}

function matchesHost(rule: FetchRule, hostname: string): boolean {
  return rule.kind === 'host' && (hostname === rule.host || hostname.endsWith(`.${rule.host}`));
}

function matchesAddress(rule: FetchRule, address: Address): boolean {
  if (rule.kind !== 'range') return false;
  // An IPv4 rule also covers the IPv6 forms of its addresses, and an IPv6 rule such as
  // ::ffff:0:0/96 the IPv4 addresses it holds; ipaddr.js matches only like with like.
  for (const candidate of new Set([address, unwrapped(address)])) {
    if (candidate.kind() === rule.range[0].kind() && candidate.match(rule.range)) return true;
    if (candidate.kind() === 'ipv4' && rule.range[0].kind() === 'ipv6' && (candidate as ipaddr.IPv4).toIPv4MappedAddress().match(rule.range)) return true;
  }
  return false;
}

/** What the policy says of one address a URL's host resolved to. */
export interface AddressVerdict {
  allowed: boolean;
  /** Internal by its range (whatever the rules said): its failures are kept from remote callers. */
  internal: boolean;
  /** Why, for the log: the rule that decided, or the default. */
  reason: string;
}

export interface FetchPolicySettings {
  /** The interface pinbox listens on (default 127.0.0.1): loopback admits internal targets by default. */
  listenHost?: string;
  /** `--fetch-allow` entries: admitted even if internal (unless denied). */
  allow?: readonly string[];
  /** `--fetch-deny` entries: refused whatever else says; deny wins over allow. */
  deny?: readonly string[];
}

/**
 * The fetch policy of one pinbox. Deny entries win, then allow entries; otherwise an
 * internal address is fetched only while pinbox listens on loopback (a laptop,
 * where every caller could reach those addresses itself), and refused when it
 * listens where other machines reach it (a team's server, where a caller would
 * otherwise reach what only the server can).
 * @example
 * const policy = FetchPolicy.create({ listenHost: '0.0.0.0', allow: ['127.0.0.2'] });
 * policy.judge('127.0.0.1', '127.0.0.1').allowed // false
 * policy.judge('127.0.0.2', '127.0.0.2').allowed // true
 */
export class FetchPolicy {
  private constructor(
    /** Internal addresses are fetched when no rule says otherwise. */
    readonly internalByDefault: boolean,
    readonly allow: readonly FetchRule[],
    readonly deny: readonly FetchRule[],
  ) {}

  /** @throws Error naming a bad `--fetch-allow` / `--fetch-deny` entry. */
  static create(settings: FetchPolicySettings = {}): FetchPolicy {
    return new FetchPolicy(
      listensOnLoopback(settings.listenHost ?? '127.0.0.1'),
      parseFetchRules(settings.allow ?? [], '--fetch-allow'),
      parseFetchRules(settings.deny ?? [], '--fetch-deny'),
    );
  }

  /**
   * Whether the failures of an internal target may be told to callers: only when
   * every caller is on this machine and could have asked that address itself.
   */
  get revealsInternalFailures(): boolean {
    return this.internalByDefault;
  }

  /** A host name denied before it is even resolved (an IP literal is judged by its address). */
  deniesHost(hostname: string): FetchRule | undefined {
    const name = normalHost(hostname);
    return this.deny.find((rule) => matchesHost(rule, name));
  }

  /** Judges one address `hostname` resolved to (for an IP literal, the address itself). */
  judge(hostname: string, addressText: string): AddressVerdict {
    const address = parseAddress(addressText);
    if (!address) return { allowed: false, internal: true, reason: `${addressText} is not an IP address` };
    const name = normalHost(hostname);
    const internal = unwrapped(address).range() !== 'unicast';
    const denied = this.deny.find((rule) => matchesHost(rule, name) || matchesAddress(rule, address));
    if (denied) return { allowed: false, internal, reason: `--fetch-deny ${denied.text}` };
    const allowed = this.allow.find((rule) => matchesHost(rule, name) || matchesAddress(rule, address));
    if (allowed) return { allowed: true, internal, reason: `--fetch-allow ${allowed.text}` };
    if (!internal) return { allowed: true, internal, reason: 'a public address' };
    return this.internalByDefault
      ? { allowed: true, internal, reason: 'an internal address, fetched while pinbox listens on loopback' }
      : { allowed: false, internal, reason: 'an internal address, refused while pinbox listens beyond loopback' };
  }
}

function normalHost(hostname: string): string {
  return hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
}
