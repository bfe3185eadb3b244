import { isIPv4 } from 'node:net';

/**
 * Whether a peer address is this machine's loopback: all of 127.0.0.0/8 (also as an
 * IPv4-mapped IPv6 address) and ::1.
 * @example isLoopback('127.0.0.2') // true
 */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  if (address === '::1') return true;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return isIPv4(v4) && v4.startsWith('127.');
}
