// A local Solana JSON-RPC endpoint backed by LiteSVM, for development and tests: the HTTP and PubSub
// protocol of an agave 2.x validator (solana-test-validator), so a client talks to it as it would to
// devnet. One block per slot, every slotMs; commitments lag the tip by confirmedLag and finalizedLag.
import { accountMethods } from "./accountMethods.ts";
import type { RpcMethod } from "./clusterMethods.ts";
import { clusterMethods } from "./clusterMethods.ts";
import { type HttpRpcServer, listenHttpRpc } from "./httpRpcServer.ts";
import { LocalChain } from "./localChain.ts";
import { listenPubsub, type PubsubServer } from "./pubsubServer.ts";
import { transactionMethods } from "./transactionMethods.ts";

/** Tries at a free HTTP port whose next port is free too, before settling for any free PubSub port. */
const ADJACENT_PORT_ATTEMPTS = 20;

export interface SolanaLocalOptions {
  /** HTTP JSON-RPC port; 0 picks a free one. Default 8899. */
  port?: number;
  /**
   * PubSub WebSocket port; 0 picks a free one. Default port + 1. With port and wsPort both 0 it is the HTTP
   * port + 1 whenever that is free, as on a validator.
   */
  wsPort?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** Milliseconds per slot; 0 stops the clock (slots then advance only through advanceSlots). Default 400. */
  slotMs?: number;
  /** Slots between the tip (processed) and finalized. Default 31. */
  finalizedLag?: number;
  /** Slots between the tip (processed) and confirmed. Default 1. */
  confirmedLag?: number;
  /** Serve requestAirdrop. Default true. */
  airdrop?: boolean;
}

export interface SolanaLocal {
  /** http://host:port, for `new Connection(url)`. */
  url: string;
  /** ws://host:wsPort, for Connection's `wsEndpoint`. */
  wsUrl: string;
  /** The chain itself, for tests that need to look past the RPC. */
  chain: LocalChain;
  /** Seals `count` blocks at once (the expiry of a blockhash, finality, without waiting). */
  advanceSlots(count: number): void;
  /**
   * While on, transactions pass preflight and are answered with their signature as usual, but never
   * land: a validator that forwarded them to a leader that dropped them. Off by default; the signatures
   * dropped are in `chain.dropped`.
   */
  dropIncoming(drop: boolean): void;
  close(): Promise<void>;
}

export async function startSolanaLocal(options: SolanaLocalOptions = {}): Promise<SolanaLocal> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 8899;
  const wsPort = options.wsPort ?? (port === 0 ? 0 : port + 1);
  const slotMs = options.slotMs ?? 400;
  const confirmedLag = options.confirmedLag ?? 1;
  const finalizedLag = options.finalizedLag ?? 31;
  if (confirmedLag < 0 || finalizedLag < confirmedLag) {
    throw new Error("solanaLocal: need 0 <= confirmedLag <= finalizedLag");
  }
  const chain = new LocalChain({ confirmedLag, finalizedLag });
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const addresses = { rpc: "", pubsub: "" };
  const methods = {
    ...clusterMethods(chain, {
      get rpcAddress() {
        return addresses.rpc;
      },
      get pubsubAddress() {
        return addresses.pubsub;
      },
    }),
    ...accountMethods(chain),
    ...transactionMethods(chain, { airdrop: options.airdrop ?? true }),
  };
  const { http, pubsub } = await listen(chain, methods, host, port, wsPort);
  addresses.rpc = `${urlHost}:${http.port}`;
  addresses.pubsub = `${urlHost}:${pubsub.port}`;
  const clock = slotMs > 0 ? setInterval(() => chain.seal(), slotMs) : undefined;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${addresses.rpc}`,
    wsUrl: `ws://${addresses.pubsub}`,
    chain,
    advanceSlots(count: number) {
      for (let i = 0; i < count; i++) chain.seal();
    },
    dropIncoming(drop: boolean) {
      chain.dropIncoming(drop);
    },
    close() {
      closed ??= (async () => {
        clearInterval(clock);
        await Promise.all([http.close(), pubsub.close()]);
      })();
      return closed;
    },
  };
}

const reportInternalError = (error: unknown, method: string) =>
  console.error(`solanaLocal: ${method} failed`, error);

/**
 * Opens both ports. With both at 0 the PubSub port is the HTTP port + 1, as on a validator, so a client
 * that derives the WebSocket from the HTTP URL (web3.js Connection without wsEndpoint) finds it.
 */
async function listen(
  chain: LocalChain,
  methods: Record<string, RpcMethod>,
  host: string,
  port: number,
  wsPort: number,
): Promise<{ http: HttpRpcServer; pubsub: PubsubServer }> {
  const adjacent = port === 0 && wsPort === 0;
  for (let attempt = 0; ; attempt++) {
    const http = await listenHttpRpc(methods, host, port, reportInternalError);
    const pairedPort = adjacent && attempt < ADJACENT_PORT_ATTEMPTS ? http.port + 1 : wsPort;
    try {
      return { http, pubsub: await listenPubsub(chain, host, pairedPort) };
    } catch (error) {
      await http.close();
      if (!adjacent || attempt >= ADJACENT_PORT_ATTEMPTS) throw error;
    }
  }
}
