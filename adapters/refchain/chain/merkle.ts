import * as nodeCrypto from "node:crypto";

const LEAF = 0;
const NODE = 1;
const HASH_BYTES = 32;

// A block hashes two nodes per transaction. crypto.hash (Node 20.12 and later) does one in a single
// native call, and its "binary" (latin1: one char per byte) answer is a plain string: a Buffer per
// node would be an ArrayBuffer per node for the garbage collector.
const oneShotHash = nodeCrypto.hash as typeof nodeCrypto.hash | undefined;
const sha256 = (input: Uint8Array): string =>
  oneShotHash
    ? oneShotHash("sha256", input, "binary")
    : nodeCrypto.createHash("sha256").update(input).digest("binary");
// prefix || left || right is assembled here, then hashed.
const scratch = Buffer.alloc(1 + 2 * HASH_BYTES);

/**
 * Merkle root of a block's transaction hashes. Leaves and inner nodes are hashed with different
 * prefixes (no second-preimage trick), and an odd node is carried up unchanged rather than
 * duplicated (so two different lists never share a root).
 */
export function merkleRoot(hashes: readonly Uint8Array[]): Buffer {
  if (hashes.length === 0) return Buffer.from(sha256(new Uint8Array(0)), "latin1");
  let level: string[] = hashes.map((h) => {
    if (h.length > 2 * HASH_BYTES) return sha256(Buffer.concat([Uint8Array.of(LEAF), h]));
    scratch[0] = LEAF;
    scratch.set(h, 1);
    return sha256(scratch.subarray(0, 1 + h.length));
  });
  scratch[0] = NODE;
  while (level.length > 1) {
    const next: string[] = [];
    for (let i = 0; i + 1 < level.length; i += 2) {
      scratch.write(level[i] as string, 1, "latin1");
      scratch.write(level[i + 1] as string, 1 + HASH_BYTES, "latin1");
      next.push(sha256(scratch));
    }
    if (level.length % 2 === 1) next.push(level[level.length - 1] as string);
    level = next;
  }
  return Buffer.from(level[0] as string, "latin1");
}
