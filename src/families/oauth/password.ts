import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Passwords at rest: scrypt (memory-hard, in Node's own crypto) with a random salt
 * per password, stored as `scrypt$N$r$p$salt$hash` so the cost can be raised later
 * without breaking stored hashes.
 */
const COST = { N: 16384, r: 8, p: 1 } as const;
const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, KEY_BYTES, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/**
 * Hashes a password for storage.
 * @example await hashPassword('correct horse') // 'scrypt$16384$8$1$…$…'
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, COST);
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/**
 * True when `password` matches `stored`; constant-time. A missing or malformed
 * hash still costs one derivation, so timing does not tell which users exist.
 */
export async function verifyPassword(password: string, stored: string | null | undefined): Promise<boolean> {
  const parts = (stored ?? '').split('$');
  const valid = parts.length === 6 && parts[0] === 'scrypt';
  const options = valid ? { N: Number(parts[1]), r: Number(parts[2]), p: Number(parts[3]) } : COST;
  const salt = valid ? Buffer.from(parts[4], 'base64url') : randomBytes(16);
  const expected = valid ? Buffer.from(parts[5], 'base64url') : randomBytes(KEY_BYTES);
  const key = await derive(password, salt, options);
  return valid && key.length === expected.length && timingSafeEqual(key, expected);
}

/** A password for the seeded dev user: 16 characters, easy to copy from a terminal. */
export function newPassword(): string {
  return randomBytes(12).toString('base64url');
}
