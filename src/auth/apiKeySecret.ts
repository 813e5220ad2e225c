import { createHash, randomBytes } from "node:crypto";

// The prefix lets a person (and a secret scanner) recognise a leaked value-gateway key at a glance.
const PREFIX = "vg_";

/** A new tenant API key secret: `vg_` and 32 random bytes, base64url. Shown once; only its hash is stored. */
export function generateApiKeySecret(): string {
  return `${PREFIX}${randomBytes(32).toString("base64url")}`;
}

/**
 * SHA-256 of a secret, hex: what the store keeps and looks keys up by. A fast hash is enough here
 * because the secret carries 256 random bits; there is nothing to brute-force.
 */
export function hashApiKeySecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}
