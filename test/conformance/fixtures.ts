import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { base58, bech32m } from "@scure/base";
import { createEvmAdapters } from "../../adapters/evm/createEvmAdapters.ts";
import { createRefchainAdapters } from "../../adapters/refchain/adapter/createRefchainAdapters.ts";
import { KeyPair } from "../../adapters/refchain/chain/keys.ts";
import { RefchainNode } from "../../adapters/refchain/chain/node.ts";
import { startRefchainServer } from "../../adapters/refchain/rpc/server.ts";
import { createSolanaAdapters } from "../../adapters/solana/createSolanaAdapters.ts";
import type { AdapterContext, ChainAdapter, Signer } from "../../adapters/types.ts";
import { startSolanaLocal } from "../../tools/solanaLocal/solanaLocal.ts";
import { startAnvil } from "../support/evm/anvil.ts";
import { keyPairSigner } from "./keyPairSigner.ts";
import { newSecp256k1Signer } from "./secp256k1Signer.ts";
import { newSolanaSigner } from "./solanaSigner.ts";

/** A chain opened for the conformance suite, with what the suite needs that the adapter cannot give. */
export interface OpenChainFixture {
  adapter: ChainAdapter;
  /** A new key holding `amount` base units of the native asset, on chain (included). */
  fundedSigner(amount: bigint): Promise<Signer>;
  /** A new key holding nothing. */
  newSigner(): Signer;
  /** Addresses the chain must refuse, each with what the refusal's sentence must say. */
  invalidAddresses: { address: string; says: RegExp }[];
  /** A token id (AssetRef.address) of the chain's shape that no asset on the chain has. */
  unknownToken: string;
  /** Stops everything open() started and removes its files. */
  close(): Promise<void>;
}

export interface ChainFixture {
  open(): Promise<OpenChainFixture>;
}

// Blocks come often (empty ones too), so heads and confirmations advance on their own during a test.
const BLOCK_TIME_MS = "25";

function refchainExtras(adapter: ChainAdapter) {
  const address = KeyPair.generate().address;
  const last = address.at(-1);
  const otherPrefix = bech32m.encode("bc", bech32m.toWords(KeyPair.generate().publicKey));
  return {
    fundedSigner: async (amount: bigint) => {
      const key = KeyPair.generate();
      await adapter.faucet?.(key.address, adapter.description.nativeAsset, amount);
      return keyPairSigner(key);
    },
    newSigner: () => keyPairSigner(KeyPair.generate()),
    invalidAddresses: [
      { address: `${address.slice(0, -1)}${last === "q" ? "p" : "q"}`, says: /checksum/ },
      { address: otherPrefix, says: /starts with "bc1"/ },
      { address: "not an address", says: /not a refchain address/ },
      { address: "0x52908400098527886E0F7030069857D2E4169EE7", says: /not a refchain address/ },
    ],
    unknownToken: "s0000000000000000/NOPE",
  };
}

/** createRefchainAdapters, which always makes exactly one. */
async function onlyAdapter(context: AdapterContext): Promise<ChainAdapter> {
  const adapters = await createRefchainAdapters(context);
  if (adapters.length !== 1 || !adapters[0])
    throw new Error(`createRefchainAdapters made ${adapters.length} adapters`);
  return adapters[0];
}

/** The embedded node, as `npm start` runs it: createRefchainAdapters with a data directory. */
const refchainEmbedded: ChainFixture = {
  async open() {
    const dataDir = mkdtempSync(join(tmpdir(), "conformance-refchain-"));
    const adapter = await onlyAdapter({ dataDir, env: { REFCHAIN_BLOCK_TIME_MS: BLOCK_TIME_MS } });
    return {
      adapter,
      ...refchainExtras(adapter),
      close: async () => {
        await adapter.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

/** A standalone node (JSON-RPC on port 0), as scale-out runs it: createRefchainAdapters with REFCHAIN_URL. */
const refchainStandalone: ChainFixture = {
  async open() {
    const dataDir = mkdtempSync(join(tmpdir(), "conformance-refchain-rpc-"));
    const node = RefchainNode.open({
      dataDir: join(dataDir, "node"),
      blockTimeMs: Number(BLOCK_TIME_MS),
      verifierThreads: 1,
    });
    const server = await startRefchainServer({ node, port: 0 });
    const adapter = await onlyAdapter({
      dataDir: join(dataDir, "gateway"),
      env: { REFCHAIN_URL: server.url },
    });
    return {
      adapter,
      ...refchainExtras(adapter),
      close: async () => {
        await adapter.close();
        await server.close();
        await node.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  },
};

/** A real anvil (automine: a block per transaction), reached as EVM_RPC_URLS reaches it. */
const evmAnvil: ChainFixture = {
  async open() {
    const anvil = await startAnvil();
    const adapters = await createEvmAdapters({
      dataDir: tmpdir(),
      env: { EVM_RPC_URLS: anvil.url, EVM_POLL_INTERVAL_MS: "20", EVM_FINALITY_DEPTHS: "eip155:31337=2" },
    });
    const adapter = adapters[0];
    if (adapters.length !== 1 || !adapter)
      throw new Error(`createEvmAdapters made ${adapters.length} adapters`);
    const checksummed = newSecp256k1Signer().address;
    // Flip the case of one letter: still the same 20 bytes, no longer the address's checksum.
    const letter = checksummed.slice(2).search(/[a-fA-F]/) + 2;
    const flip = (c: string) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase());
    const typo = `${checksummed.slice(0, letter)}${flip(checksummed.charAt(letter))}${checksummed.slice(letter + 1)}`;
    return {
      adapter,
      fundedSigner: async (amount: bigint) => {
        const signer = newSecp256k1Signer();
        await adapter.faucet?.(signer.address, adapter.description.nativeAsset, amount);
        return signer;
      },
      newSigner: newSecp256k1Signer,
      invalidAddresses: [
        { address: typo, says: /checksum/ },
        { address: KeyPair.generate().address, says: /not an EVM address/ },
        { address: "not an address", says: /not an EVM address/ },
        { address: "0x52908400098527886E0F7030069857D2E4169E", says: /40 hex digits/ },
      ],
      unknownToken: newSecp256k1Signer().address,
      close: () => adapter.close().then(() => anvil.stop()),
    };
  },
};

/** The local LiteSVM-backed endpoint (`npm run solana:local`), reached as SOLANA_RPC_URL reaches a cluster. */
const solanaLocal: ChainFixture = {
  async open() {
    const local = await startSolanaLocal({ port: 0, wsPort: 0, slotMs: 20 });
    const [adapter, ...others] = await createSolanaAdapters({
      dataDir: tmpdir(),
      env: { SOLANA_RPC_URL: local.url, SOLANA_POLL_INTERVAL_MS: "20", SOLANA_FINALITY_DEPTH: "2" },
    });
    if (!adapter || others.length > 0) throw new Error("createSolanaAdapters made no adapter or several");
    return {
      adapter,
      fundedSigner: async (amount: bigint) => {
        const signer = newSolanaSigner();
        await adapter.faucet?.(signer.address, adapter.description.nativeAsset, amount);
        return signer;
      },
      newSigner: newSolanaSigner,
      invalidAddresses: [
        { address: base58.encode(new Uint8Array(31).fill(7)), says: /decodes to 31 bytes/ },
        { address: "0x52908400098527886E0F7030069857D2E4169EE7", says: /not a Solana address/ },
        { address: "not an address", says: /not a Solana address/ },
        { address: `${newSolanaSigner().address}0`, says: /not a Solana address/ },
      ],
      unknownToken: newSolanaSigner().address,
      close: () => adapter.close().then(() => local.close()),
    };
  },
};

/** One fixture per entry of adapters/registry.ts, by the same name: a new chain adds one here. */
export const fixtures: Readonly<Record<string, ChainFixture>> = {
  refchain: refchainEmbedded,
  evm: evmAnvil,
  solana: solanaLocal,
};

/** The same adapters reached another way the gateway also runs them, through the same suite. */
export const variantFixtures: Readonly<Record<string, ChainFixture>> = {
  "refchain (rpc)": refchainStandalone,
};
