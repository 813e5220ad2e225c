import { createHash } from "node:crypto";

const sha256 = (...parts: Uint8Array[]) => {
  const h = createHash("sha256");
  for (const p of parts) h.update(p);
  return h.digest();
};
const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

/**
 * Merkle root of a block's transaction hashes. Leaves and inner nodes are hashed with different
 * prefixes (no second-preimage trick), and an odd node is carried up unchanged rather than
 * duplicated (so two different lists never share a root).
 */
export function merkleRoot(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length === 0) return sha256();
  let level: Buffer[] = hashes.map((h) => sha256(LEAF, h));
  while (level.length > 1) {
    const next: Buffer[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) next.push(sha256(NODE, level[i] as Buffer, level[i + 1] as Buffer));
    if (level.length % 2 === 1) next.push(level[level.length - 1] as Buffer);
    level = next;
  }
  return level[0] as Buffer;
}
