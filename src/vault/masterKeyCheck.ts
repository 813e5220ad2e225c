import { openBox, sealBox } from "./sealedBox.ts";

// A known text sealed under a master key stands for that key wherever it must be recognised later
// (the rotation record) without being stored: only the key itself opens it.
const CHECK_TEXT = new TextEncoder().encode("value-gateway/master-key-check/v1");
const CHECK_AAD = new TextEncoder().encode("value-gateway/master-key-check/v1\0aad");

/** A fresh check for `masterKey`: the known text sealed under it (random nonce each time). */
export function sealMasterKeyCheck(masterKey: Uint8Array): Uint8Array {
  return sealBox(masterKey, CHECK_TEXT, CHECK_AAD);
}

/** True when `check` was made by sealMasterKeyCheck with this very `masterKey`. */
export function isMasterKeyCheckOf(masterKey: Uint8Array, check: Uint8Array): boolean {
  const opened = openBox(masterKey, check, CHECK_AAD);
  return opened !== null && Buffer.from(opened).equals(Buffer.from(CHECK_TEXT));
}
