import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import { OperationLabeler, type OperationLabels } from "./operationLabels.ts";

/** One chain as the lag gauges see it at a scrape. */
export interface TrackedChain {
  chainId: string;
  /** Whether this process runs the chain's tracker. */
  leads(): boolean;
  /** Head height minus the tracker's applied height; null when this process does not know both. */
  lagBlocks(): Promise<bigint | null>;
}

/**
 * Every metric one gateway exposes at GET /metrics, in a registry of its own: prom-client's global
 * registry would mix the gateways that tests (and benchmarks) start in one process, and refuse the
 * second one's metric names. The parts that feed them live beside this file; this one only declares.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  /** Bounds the label values of the GraphQL metrics, for HTTP and WebSocket alike. */
  readonly operationLabels = new OperationLabeler();
  // Read at scrape time, from the parts that know: set by the server and by the chain wiring.
  #openWebSockets: () => number = () => 0;
  #chains: readonly TrackedChain[] = [];

  /** One GraphQL operation over HTTP or WebSocket, counted when answered (a subscription: once established). */
  readonly graphqlRequests = new Counter({
    name: "gateway_graphql_requests_total",
    help: "GraphQL operations answered, over HTTP and WebSocket, by operation name, type and outcome (ok or the error code).",
    labelNames: ["operation", "type", "outcome"] as const,
    registers: [this.registry],
  });

  readonly graphqlDuration = new Histogram({
    name: "gateway_graphql_request_duration_seconds",
    help: "Time to answer a GraphQL operation (authentication included); for a subscription, the time until it is established.",
    labelNames: ["operation", "type", "outcome"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  /** Payment events committed by this replica (each event is committed by exactly one replica). */
  readonly payments = new Counter({
    name: "gateway_payments_total",
    help: "Payment status changes committed by this gateway process, by chain, direction and the status reached. Summed over replicas, each change counts once.",
    labelNames: ["chain", "direction", "status"] as const,
    registers: [this.registry],
  });

  readonly chainRpcDuration = new Histogram({
    name: "gateway_chain_rpc_duration_seconds",
    help: "Time of each chain adapter call (one call may be several round trips to the node, or none when the adapter answers from its cache), failed ones included.",
    labelNames: ["chain", "method"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly chainRpcErrors = new Counter({
    name: "gateway_chain_rpc_errors_total",
    help: "Chain adapter calls that failed, by chain, method and adapter error code (INTERNAL for a fault that is not an AdapterError); watch counts a lost block stream.",
    labelNames: ["chain", "method", "code"] as const,
    registers: [this.registry],
  });

  readonly webSocketConnections: Gauge = new Gauge({
    name: "gateway_websocket_connections",
    help: "WebSocket connections open now (graphql-ws), authenticated or not yet.",
    registers: [this.registry],
    collect: () => {
      this.webSocketConnections.set(this.#openWebSockets());
    },
  });

  readonly subscriptions = new Gauge({
    name: "gateway_subscriptions",
    help: "GraphQL subscriptions live now, over all WebSocket connections.",
    registers: [this.registry],
  });

  readonly chainHeadLag: Gauge<"chain"> = new Gauge({
    name: "gateway_chain_head_lag_blocks",
    help: "Blocks between the chain's head and the last block this gateway's tracker applied. Only the replica that runs the chain's tracker (gateway_chain_tracker_leader 1) reports it.",
    labelNames: ["chain"] as const,
    registers: [this.registry],
    collect: async () => {
      const lags = await Promise.all(this.#chains.map((chain) => chain.lagBlocks()));
      this.chainHeadLag.reset();
      // A follower, or a leader that cannot read the head right now, reports no value for the chain.
      for (const [index, lag] of lags.entries()) {
        const chain = this.#chains[index]?.chainId;
        if (chain !== undefined && lag !== null) this.chainHeadLag.set({ chain }, Number(lag));
      }
    },
  });

  readonly chainTrackerLeader: Gauge<"chain"> = new Gauge({
    name: "gateway_chain_tracker_leader",
    help: "1 when this gateway process runs the chain's payment tracker (holds its lease), else 0.",
    labelNames: ["chain"] as const,
    registers: [this.registry],
    collect: () => {
      for (const chain of this.#chains)
        this.chainTrackerLeader.set({ chain: chain.chainId }, chain.leads() ? 1 : 0);
    },
  });

  /**
   * `processMetrics`: prom-client's process metrics too (CPU, memory, event-loop lag, GC, handles). They
   * start an event-loop monitor and a GC observer that cannot be stopped again, so a gateway collects
   * them only when it serves /metrics (tests start many gateways in one process).
   */
  constructor(options: { processMetrics: boolean }) {
    if (options.processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** One answered GraphQL operation: counted, and its time in the histogram. */
  observeOperation(labels: OperationLabels, seconds: number): void {
    this.graphqlRequests.inc(labels);
    this.graphqlDuration.observe(labels, seconds);
  }

  /** Where the WebSocket gauge reads the number of open connections from. */
  countWebSocketsWith(count: () => number): void {
    this.#openWebSockets = count;
  }

  /** The chains whose tracker gateway_chain_head_lag_blocks and gateway_chain_tracker_leader report on. */
  trackChains(chains: readonly TrackedChain[]): void {
    this.#chains = chains;
  }

  /** The text exposition format (`text/plain; version=0.0.4`). */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Everything, in the text exposition format; runs the collect-on-scrape parts (chain lag). */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
