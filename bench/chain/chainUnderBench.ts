import type { CountingRpcProxy } from "../../test/support/countingRpcProxy.ts";
import type { SettledCount } from "../gateway/countSettled.ts";
import type { GatewayLoad } from "../gateway/meterGateway.ts";
import type { ChainBenchSettings } from "./chainBenchSettings.ts";
import type { ClosedLoopResult } from "./closedLoop.ts";
import type { BalanceRequestsResult } from "./measureBalanceRequests.ts";
import type { RpcTraffic } from "./rpcTraffic.ts";

/** A fresh node of the chain, of its own, with a counting JSON-RPC proxy in front of it. */
export interface BenchNode {
  /** The node's own JSON-RPC URL: who is given it is not counted. */
  url: string;
  /** In front of `url`: who is given its URL is counted. */
  proxy: CountingRpcProxy;
  /** The node's process, for its CPU. */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** A row of the table: figure, gateway, baseline, ratio, goal. */
export type TableRow = [string, string, string, string, string];

/** One side of the payment-rate comparison over its measured run. */
export interface MeasuredSide<Note> {
  run: ClosedLoopResult;
  /** JSON-RPC traffic through the proxy per completed send. */
  traffic: RpcTraffic;
  /** CPU ms per completed send, by process (`bench`, the node's name, `gateway`). */
  cpu: Record<string, number>;
  /** CPU as a share of one core over the measured run, by process. */
  share: Record<string, number>;
  /** What the chain noted on top (ChainUnderBench.runBaseline, watchGateway). */
  note: Note;
}

export interface ChainBenchResults<BaselineNote, GatewayNote> {
  /** The baseline through the proxy: what the gateway is compared with. */
  baseline: MeasuredSide<BaselineNote>;
  /** The baseline straight to the node: what the proxy's hop costs. */
  direct: MeasuredSide<BaselineNote>;
  gateway: MeasuredSide<GatewayNote> & {
    /** Ids of the payments the measured run created. */
    accepted: string[];
    settled: SettledCount;
    load: GatewayLoad | undefined;
  };
  balances: BalanceRequestsResult;
  /** Where the gateway's CPU profile of the payment run is, when one was taken. */
  profilePath: string | undefined;
  /** The whole bench's wall time. */
  seconds: number;
}

/**
 * What runChainBench needs of a chain: how to start a node, point the gateway at it and run the
 * plain-library baseline against it, what to call things in the table, and the rows only this chain has.
 */
export interface ChainUnderBench<Node extends BenchNode, BaselineNote, GatewayNote> {
  /** "EVM", "Solana": in the title, the first figure's name, and the names of the tenant and files. */
  name: string;
  /** The chain's kind in the gateway's `chains` (EVM, SOLANA): the chain the bench pays on. */
  kind: string;
  /** The numbers of its figures in `npm run bench`: the payment rate, and the requests for a page of balances. */
  figures: { payments: number; page: number };
  settings: ChainBenchSettings;
  labels: {
    /** The node in the table and as its process in the CPU counts: "anvil", "endpoint". */
    node: string;
    /** The node after "straight to": "anvil", "the endpoint". */
    theNode: string;
    /** The node in the baseline's progress line: "anvil", "endpoint (its own process, …)". */
    freshNode: string;
    /** The node in the title: "anvil automine". */
    title: string;
    /** The baseline's send, and the library it is from: "viem sendTransaction", "viem". */
    baseline: string;
    library: string;
    /** The gateway setting that points it at the node: "EVM_RPC_URLS". */
    rpcSetting: string;
  };
  /** Confirmations to FINALIZED the gateway is set to wait for. */
  finalityDepth: number;
  /** What each payment and each baseline transfer moves, in the native coin. */
  amount: string;
  /** What the gateway's senders are funded with, in the native coin (the baseline's get as much). */
  fundEach: string;
  /** The JSON-RPC method the chain's adapter reads balances with. */
  balanceRead: string;
  /** The baseline's recipients, as addresses: the gateway's senders pay the same ones. */
  recipients: readonly string[];
  startNode(): Promise<Node>;
  /** The gateway's settings for the chain, on top of PORT, DATA_DIR and LOG_LEVEL. */
  gatewayEnv(node: Node): Record<string, string>;
  /**
   * Funds the baseline's senders on the fresh `node` and runs the baseline's send loop against
   * `rpcUrl`, calling `beforeMeasuring` between the warm-up and the measured run. `afterwards` is
   * called once the bench has stopped counting, for what the chain notes on top.
   */
  runBaseline(
    node: Node,
    rpcUrl: string,
    beforeMeasuring: () => void,
  ): Promise<{ run: ClosedLoopResult; afterwards(): Promise<BaselineNote> }>;
  /**
   * Called first as the gateway's measured run starts; what it returns is called once the run
   * ended, before the bench waits for the payments to be FINALIZED.
   */
  watchGateway(node: Node): Promise<() => Promise<GatewayNote>>;
  /** The rows only this chain has, after the traffic, the CPU and the FINALIZED rows. */
  extraRows(results: ChainBenchResults<BaselineNote, GatewayNote>): {
    afterTraffic?: TableRow[];
    afterCpu?: TableRow[];
    afterSettled?: TableRow[];
  };
  /** Lines only this chain prints after the calls by method. */
  extraLines(results: ChainBenchResults<BaselineNote, GatewayNote>): string[];
}
