import type { RpcRequestRecord } from "../../test/support/countingRpcProxy.ts";

/** JSON-RPC traffic per unit of work (a payment, a transaction, a page). */
export interface RpcTraffic {
  requestsPerUnit: number;
  callsPerUnit: number;
  /** Mean time a request took through the proxy and the node, in ms. */
  msPerRequest: number;
  /** Calls per unit by method, most first. */
  byMethod: { method: string; perUnit: number }[];
}

/** What the `requests` a proxy logged come to per unit, over `units` units of work. */
export function rpcTraffic(requests: readonly RpcRequestRecord[], units: number): RpcTraffic {
  const byMethod = new Map<string, number>();
  let calls = 0;
  let ms = 0;
  let timed = 0;
  for (const { methods, ms: took } of requests) {
    calls += methods.length;
    if (Number.isFinite(took)) {
      ms += took;
      timed++;
    }
    for (const method of methods) byMethod.set(method, (byMethod.get(method) ?? 0) + 1);
  }
  return {
    requestsPerUnit: requests.length / units,
    callsPerUnit: calls / units,
    msPerRequest: ms / timed,
    byMethod: [...byMethod]
      .sort((a, b) => b[1] - a[1])
      .map(([method, count]) => ({ method, perUnit: count / units })),
  };
}
