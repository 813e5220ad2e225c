import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Encrypts `plaintext` with AES-256-GCM under `key` (32 bytes), binding `aad` (authenticated, not
 * stored): returns nonce ‖ ciphertext ‖ tag. The nonce is random per seal; at 96 bits that is safe
 * far beyond the number of keys one gateway will ever seal under one master key.
 */
export function sealBox(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array {
  assertKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return new Uint8Array(Buffer.concat([nonce, ciphertext, cipher.getAuthTag()]));
}

/**
 * Decrypts what `sealBox` returned. null when it does not authenticate: another key, other `aad`, or
 * altered bytes; GCM cannot tell these apart, so the caller says which it suspects.
 */
export function openBox(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null {
  assertKey(key);
  if (sealed.length < NONCE_BYTES + TAG_BYTES) return null;
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const ciphertext = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  try {
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]));
  } catch {
    return null;
  }
}

function assertKey(key: Uint8Array): void {
  if (key.length !== KEY_BYTES)
    throw new RangeError(`an AES-256-GCM key is ${KEY_BYTES} bytes, got ${key.length}`);
}
