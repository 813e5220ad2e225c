import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { KeyPair } from "./keys.ts";

export interface NodeKeys {
  producer: KeyPair;
  faucet: KeyPair;
}

/**
 * The producer's and the faucet's keys, generated once into DATA_DIR/node-keys.json (mode 0600).
 * A reference chain keeps them beside its data; a production deployment would hold them in an HSM.
 */
export function loadOrCreateNodeKeys(dataDir: string): NodeKeys {
  const path = join(dataDir, "node-keys.json");
  if (existsSync(path)) {
    const saved = JSON.parse(readFileSync(path, "utf8")) as { producer: string; faucet: string };
    return {
      producer: KeyPair.fromSeed(Buffer.from(saved.producer, "hex")),
      faucet: KeyPair.fromSeed(Buffer.from(saved.faucet, "hex")),
    };
  }
  const keys = { producer: KeyPair.generate(), faucet: KeyPair.generate() };
  const hex = (k: KeyPair) => Buffer.from(k.seed()).toString("hex");
  writeFileSync(path, JSON.stringify({ producer: hex(keys.producer), faucet: hex(keys.faucet) }), {
    mode: 0o600,
  });
  return keys;
}
