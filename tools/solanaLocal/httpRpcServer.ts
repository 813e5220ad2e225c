// The HTTP side of the endpoint: POST JSON-RPC (single or batch) and GET /health, as a validator's RPC port.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { RpcMethod } from "./clusterMethods.ts";
import { answerBody, type InternalErrorReporter, stringifyJson } from "./jsonRpc.ts";

/** agave's MAX_REQUEST_BODY_SIZE. */
const MAX_REQUEST_BODY_BYTES = 50 * 1024;

export interface HttpRpcServer {
  server: Server;
  port: number;
  close(): Promise<void>;
}

export async function listenHttpRpc(
  methods: Record<string, RpcMethod>,
  host: string,
  port: number,
  onInternalError: InternalErrorReporter,
): Promise<HttpRpcServer> {
  const server = createServer((request, response) => {
    if (request.method === "GET" && request.url === "/health") {
      response.writeHead(200, { "content-type": "text/plain" }).end("ok");
      return;
    }
    if (request.method !== "POST") {
      response.writeHead(405, { allow: "POST" }).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BODY_BYTES) {
        response.writeHead(413, { connection: "close" }).end();
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => {
      if (response.writableEnded) return;
      const answered = answerBody(Buffer.concat(chunks).toString("utf8"), methods, onInternalError);
      response.writeHead(200, { "content-type": "application/json; charset=utf-8" });
      response.end(answered === undefined ? "" : stringifyJson(answered));
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
