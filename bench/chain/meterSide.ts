import type { CountingRpcProxy } from "../../test/support/countingRpcProxy.ts";
import { cpuPerUnit, cpuShare, meterProcesses } from "./processCpu.ts";
import { type RpcTraffic, rpcTraffic } from "./rpcTraffic.ts";

export interface SideMeters {
  traffic: RpcTraffic;
  /** CPU ms per completed send, by process. */
  cpu: Record<string, number>;
  /** CPU as a share of one core over the metered time, by process. */
  share: Record<string, number>;
}

/**
 * Starts counting what one side of a comparison costs: the requests through `proxy` (those before
 * now are dropped) and the CPU of the processes in `pids`. The returned function ends the count and
 * tells it per `completed` send.
 */
export function meterSide(
  proxy: CountingRpcProxy,
  pids: Record<string, number | undefined>,
): (completed: number) => SideMeters {
  proxy.take();
  const stopCpu = meterProcesses(pids);
  const started = performance.now();
  return (completed) => {
    const cpu = stopCpu();
    const wall = (performance.now() - started) / 1000;
    return {
      traffic: rpcTraffic(proxy.take(), completed),
      cpu: cpuPerUnit(cpu, completed),
      share: cpuShare(cpu, wall),
    };
  };
}
