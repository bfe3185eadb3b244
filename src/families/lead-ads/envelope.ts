/**
 * AES-256-GCM as pinbox uses it for leads. Pinterest: a subscription's leads are
 * encrypted with its `cryptographic_key` (base64, 32 bytes), algorithm
 * "AES-256-GCM"; the envelope itself is not public. pinbox's: base64 of
 * IV (12 bytes) ‖ ciphertext ‖ tag (16 bytes), no additional data.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';

export const LEAD_CIPHER = 'AES-256-GCM';

/** A new subscription key: 32 random bytes. */
export function newLeadKey(): Buffer {
  return randomBytes(32);
}

/**
 * Encrypts `plaintext` under a 32-byte key into pinbox's envelope.
 * @example seal(key, JSON.stringify(leads)) // 'q1w2...=='
 */
export function seal(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64');
}

/** Opens pinbox's envelope; throws when the key is wrong or the text was changed. */
export function open(key: Buffer, envelope: string): string {
  const bytes = Buffer.from(envelope, 'base64');
  if (bytes.length < 28) throw new Error('an envelope holds at least its IV and tag');
  const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
  decipher.setAuthTag(bytes.subarray(bytes.length - 16));
  return Buffer.concat([decipher.update(bytes.subarray(12, bytes.length - 16)), decipher.final()]).toString('utf8');
}

/** Keeps subscription keys sealed at rest, under a key derived from the store's secret. */
export class KeySealer {
  private key: Buffer;

  constructor(instanceSecret: Buffer) {
    this.key = KeySealer.derive(instanceSecret);
  }

  private static derive(secret: Buffer): Buffer {
    return createHmac('sha256', secret).update('lead subscription keys').digest();
  }

  /** After a restore brought another store's secret: the keys in it were sealed under that one. */
  rekey(instanceSecret: Buffer): void {
    this.key = KeySealer.derive(instanceSecret);
  }

  sealKey(leadKey: Buffer): string {
    return seal(this.key, leadKey.toString('base64'));
  }

  openKey(sealed: string): Buffer {
    return Buffer.from(open(this.key, sealed), 'base64');
  }
}
