import { type BlockHeader, type SealedBlockHeader, sealHeader } from "./block.ts";
import type { KeyPair } from "./keys.ts";
import { merkleRoot } from "./merkle.ts";
import { type Asset, assetKey, balanceKey, commitState, type LeafValue, NATIVE_ASSET } from "./state.ts";

/** Everything block 0 is made from; stored in the data directory's meta table. */
export interface GenesisConfig {
  chainId: string;
  /** The address of the only key that may sign blocks. */
  producer: string;
  /** Holds the native supply. On a dev chain the node keeps its key and anyone may ask it for REF. */
  faucet: { address: string; enabled: boolean; maxPerRequest: string };
  nativeDecimals: number;
  nativeSupply: string;
  timestamp: string;
}

export const ZERO_HASH = new Uint8Array(32);

/** The state at genesis: the native asset, its whole supply with the faucet account. */
export function genesisWrites(config: GenesisConfig): Map<string, LeafValue> {
  const native: Asset = {
    id: NATIVE_ASSET,
    subnet: null,
    symbol: NATIVE_ASSET,
    decimals: config.nativeDecimals,
    issuer: config.faucet.address,
    supply: BigInt(config.nativeSupply),
  };
  return new Map<string, LeafValue>([
    [assetKey(NATIVE_ASSET), native],
    [balanceKey(config.faucet.address, NATIVE_ASSET), native.supply],
  ]);
}

export function genesisHeader(config: GenesisConfig, producerPublicKey: Uint8Array): BlockHeader {
  return {
    chainId: config.chainId,
    height: 0n,
    parentHash: ZERO_HASH,
    timestamp: BigInt(config.timestamp),
    txCount: 0,
    txRoot: merkleRoot([]),
    stateRoot: commitState(ZERO_HASH, genesisWrites(config)),
    producer: producerPublicKey,
  };
}

export function sealGenesis(config: GenesisConfig, producer: KeyPair): SealedBlockHeader {
  return sealHeader(genesisHeader(config, producer.publicKey), producer);
}
