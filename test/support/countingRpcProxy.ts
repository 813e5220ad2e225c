import { Agent, createServer, type IncomingHttpHeaders, request } from "node:http";
import type { AddressInfo } from "node:net";

/** One HTTP request that went through the proxy. */
export interface RpcRequestRecord {
  /** The JSON-RPC methods it carried (a batch has many). */
  methods: string[];
  /** From its whole body in to the node's whole answer out; NaN while unanswered. */
  ms: number;
}

export interface CountingRpcProxy {
  /** http://127.0.0.1:<port>: give it to a client in place of the node's URL. */
  url: string;
  /** The requests forwarded since the last take (or the start), oldest first; starts a new log. */
  take(): RpcRequestRecord[];
  close(): Promise<void>;
}

// Hop-by-hop: they describe the connection to the proxy, not the request forwarded.
const HOP_BY_HOP = ["connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection"];

/**
 * A JSON-RPC node's traffic, counted: listens on port 0, forwards every request's body to `target` and
 * its answer back unchanged, and logs each request with the methods inside it. It shows how many round
 * trips (HTTP requests) and calls a client makes; it sits in the client's path, so it adds one local hop.
 */
export async function startCountingRpcProxy(target: string): Promise<CountingRpcProxy> {
  const upstream = new URL(target);
  const agent = new Agent({ keepAlive: true });
  let log: RpcRequestRecord[] = [];
  const server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on("data", (chunk: Buffer) => chunks.push(chunk));
    incoming.on("end", () => {
      const body = Buffer.concat(chunks);
      const record: RpcRequestRecord = { methods: methodsOf(body), ms: Number.NaN };
      log.push(record);
      const received = performance.now();
      outgoing.on("finish", () => {
        record.ms = performance.now() - received;
      });
      const forwarded = request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path: incoming.url,
          method: incoming.method,
          headers: {
            ...withoutHopByHop(incoming.headers),
            host: upstream.host,
            "content-length": body.length,
          },
          agent,
        },
        (answer) => {
          outgoing.writeHead(answer.statusCode ?? 502, withoutHopByHop(answer.headers));
          answer.pipe(outgoing);
        },
      );
      forwarded.on("error", (error) => {
        if (!outgoing.headersSent) outgoing.writeHead(502, { "content-type": "text/plain" });
        outgoing.end(`proxy: ${error.message}`);
      });
      forwarded.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    take() {
      const taken = log;
      log = [];
      return taken;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept = { ...headers };
  for (const name of HOP_BY_HOP) delete kept[name];
  return kept;
}

/** The methods of a JSON-RPC request body: one call, or a batch (an array of calls). */
function methodsOf(body: Buffer): string[] {
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    const calls = Array.isArray(parsed) ? parsed : [parsed];
    return calls.map((call) => String((call as { method?: unknown } | null)?.method ?? "(no method)"));
  } catch {
    return ["(not JSON)"];
  }
}
