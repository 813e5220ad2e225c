import DataLoader from "dataloader";
import type { AssetInfo } from "../../adapters/types.ts";
import { adapterCall } from "../modules/chain/adapterCall.ts";
import type { Services } from "../services.ts";
import type { AccountRecord, PaymentRecord, SubnetRecord, TenantRecord } from "../store/store.ts";

export interface BalanceKey {
  chainId: string;
  address: string;
  asset: AssetInfo;
}

/**
 * Per-request DataLoaders: every lookup of one kind made while resolving a request is one store
 * read, and every balance is one adapter call per chain per tick. Made per request so that no
 * tenant ever sees another's cache and a balance is never older than the request.
 */
export function createLoaders(services: Services) {
  const { store, chains } = services;
  return {
    tenant: new DataLoader<string, TenantRecord | null>((ids) => store.getTenants(ids)),
    subnet: new DataLoader<string, SubnetRecord | null>((ids) => store.getSubnets(ids)),
    account: new DataLoader<string, AccountRecord | null>((ids) => store.getAccounts(ids)),
    payment: new DataLoader<string, PaymentRecord | null>((ids) => store.getPayments(ids)),
    /** Accounts by (chain, address), of any tenant: callers filter by their own tenant. */
    accountsByAddress: new DataLoader<string, AccountRecord[]>(async (keys) => {
      const byChain = new Map<string, string[]>();
      for (const key of keys) {
        const [chainId, address] = splitKey(key);
        appendTo(byChain, chainId, address);
      }
      const found = (
        await Promise.all(
          [...byChain].map(([chainId, addresses]) => store.findAccountsByAddress(chainId, addresses)),
        )
      ).flat();
      return keys.map((key) => found.filter((account) => `${account.chainId}\n${account.address}` === key));
    }),
    balance: new DataLoader<BalanceKey, bigint, string>(
      async (keys) => {
        const byChain = new Map<string, { index: number; key: BalanceKey }[]>();
        for (const [index, key] of keys.entries()) {
          appendTo(byChain, key.chainId, { index, key });
        }
        const results: bigint[] = new Array(keys.length);
        await Promise.all(
          [...byChain].map(async ([chainId, entries]) => {
            const adapter = chains.adapterOf(chainId);
            const balances = await adapterCall(() =>
              adapter.getBalances(entries.map(({ key }) => ({ address: key.address, asset: key.asset }))),
            );
            entries.forEach(({ index }, position) => {
              results[index] = balances[position] ?? 0n;
            });
          }),
        );
        return results;
      },
      { cacheKeyFn: (key) => `${key.chainId}\n${key.address}\n${key.asset.id}` },
    ),
  };
}

/** Adds `value` to the list kept under `key` (grouping keys by chain). */
function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const splitKey = (key: string): [string, string] => {
  const at = key.indexOf("\n");
  return [key.slice(0, at), key.slice(at + 1)];
};

export const addressKey = (chainId: string, address: string) => `${chainId}\n${address}`;

export type Loaders = ReturnType<typeof createLoaders>;
