import { bech32m } from "@scure/base";
import { describe, expect, test } from "vitest";
import { decodeAddress, encodeAddress, isAddress } from "./address.ts";
import { KeyPair } from "./keys.ts";

describe("refchain addresses", () => {
  const key = KeyPair.generate();

  test("an address round-trips to its public key and starts with ref1", () => {
    expect(key.address.startsWith("ref1")).toBe(true);
    expect(Buffer.from(decodeAddress(key.address))).toEqual(Buffer.from(key.publicKey));
    expect(encodeAddress(key.publicKey)).toBe(key.address);
  });

  test("a one-character typo is caught by the bech32m checksum", () => {
    const at = 10;
    const typo = key.address.slice(0, at) + (key.address[at] === "q" ? "p" : "q") + key.address.slice(at + 1);
    expect(isAddress(typo)).toBe(false);
    expect(() => decodeAddress(typo)).toThrow(/not a valid refchain address/);
  });

  test("another prefix, a wrong length and garbage are refused with a reason", () => {
    const other = bech32m.encode("eth", bech32m.toWords(key.publicKey));
    expect(() => decodeAddress(other)).toThrow(/prefix "eth"/);
    const short = bech32m.encode("ref", bech32m.toWords(key.publicKey.subarray(0, 20)));
    expect(() => decodeAddress(short)).toThrow(/holds 20 bytes/);
    expect(() => decodeAddress("")).toThrow(/non-empty/);
    expect(() => decodeAddress("0x52908400098527886E0F7030069857D2E4169EE7")).toThrow(
      /not a valid refchain address/,
    );
  });

  test("a key pair restored from its seed signs as the same address", () => {
    const restored = KeyPair.fromSeed(key.seed());
    expect(restored.address).toBe(key.address);
  });
});
