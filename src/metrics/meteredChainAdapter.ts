import type { ChainAdapter, WatchParameters } from "../../adapters/types.ts";
import { isAdapterError } from "../../adapters/types.ts";
import type { GatewayMetrics } from "./gatewayMetrics.ts";

/** The label of a failure that is not an AdapterError: a fault of the adapter or the node. */
const INTERNAL = "INTERNAL";

/**
 * The same adapter, with the time of every call that goes to the chain in
 * gateway_chain_rpc_duration_seconds and every failure in gateway_chain_rpc_errors_total. Local work
 * (normalizeAddress, addressOf, resetNonce) passes straight through. Optional methods stay absent
 * when the adapter has none: the services test for them.
 */
export function meteredChainAdapter(adapter: ChainAdapter, metrics: GatewayMetrics): ChainAdapter {
  const chain = adapter.description.id;
  const failed = (method: string, error: unknown) =>
    metrics.chainRpcErrors.inc({ chain, method, code: isAdapterError(error) ? error.code : INTERNAL });
  const timed = async <T>(method: string, call: () => Promise<T>): Promise<T> => {
    const stop = metrics.chainRpcDuration.startTimer({ chain, method });
    try {
      return await call();
    } catch (error) {
      failed(method, error);
      throw error;
    } finally {
      stop();
    }
  };

  const metered: ChainAdapter = {
    description: adapter.description,
    keyScheme: adapter.keyScheme,
    normalizeAddress: (address) => adapter.normalizeAddress(address),
    addressOf: (publicKey) => adapter.addressOf(publicKey),
    resolveAsset: (ref) => timed("resolveAsset", () => adapter.resolveAsset(ref)),
    getBalances: (queries) => timed("getBalances", () => adapter.getBalances(queries)),
    head: () => timed("head", () => adapter.head()),
    prepareTransfer: (request) => timed("prepareTransfer", () => adapter.prepareTransfer(request)),
    broadcast: (prepared) => timed("broadcast", () => adapter.broadcast(prepared)),
    getTransactionStatus: (hash) => timed("getTransactionStatus", () => adapter.getTransactionStatus(hash)),
    // The time until the stream is live; a stream lost later counts as a watch error.
    watch: (parameters: WatchParameters) =>
      timed("watch", () =>
        adapter.watch({
          ...parameters,
          onError: (error) => {
            failed("watch", error);
            parameters.onError(error);
          },
        }),
      ),
    close: () => adapter.close(),
  };
  const { resetNonce, faucet, issueAsset } = adapter;
  if (resetNonce) metered.resetNonce = (address) => resetNonce.call(adapter, address);
  if (faucet)
    metered.faucet = (address, asset, amount) =>
      timed("faucet", () => faucet.call(adapter, address, asset, amount));
  if (issueAsset)
    metered.issueAsset = (request) => timed("issueAsset", () => issueAsset.call(adapter, request));
  return metered;
}
