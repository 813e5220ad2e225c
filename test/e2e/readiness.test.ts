import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import { RefchainNode } from "../../adapters/refchain/chain/node.ts";
import { type RefchainServer, startRefchainServer } from "../../adapters/refchain/rpc/server.ts";
import { postgresMissing, runPostgresStatement, TEST_DATABASE_URL } from "../support/clusterServices.ts";
import { requireServices } from "../support/requireServices.ts";
import { eventually } from "./support/graphqlTestClient.ts";
import { startTcpProxy, type TcpProxy } from "./support/tcpProxy.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";

// /readyz against real faults: a standalone refchain node whose RPC server stops and starts again, and
// PostgreSQL cut off from the gateway (a TCP proxy in between stops forwarding) and reachable again.
// /healthz is liveness: it stays 200 through both.

const CHAIN = "refchain:local";
const DATABASE_URL = TEST_DATABASE_URL;
const adminStatement = runPostgresStatement;

interface Probe {
  status: number;
  body: { status?: string; ready?: boolean; checks?: Record<string, string> };
}

async function probe(gateway: TestGateway, path: "/readyz" | "/healthz"): Promise<Probe> {
  const response = await fetch(new URL(path, gateway.gateway.url), { signal: AbortSignal.timeout(10_000) });
  return { status: response.status, body: (await response.json()) as Probe["body"] };
}

/** Polls /readyz until its status is `status`, and returns that answer. */
const readyzBecomes = (gateway: TestGateway, status: number) =>
  eventually(async () => {
    const answer = await probe(gateway, "/readyz");
    return answer.status === status ? answer : undefined;
  }, 30_000);

const withoutPostgres = await postgresMissing();

describe("/readyz and /healthz", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  /** A standalone refchain node (its RPC server can stop and start again on the same port). */
  async function standaloneChain(root: string) {
    const node = RefchainNode.open({ dataDir: join(root, "refchain"), blockTimeMs: 50 });
    let server: RefchainServer | null = await startRefchainServer({ node, port: 0 });
    const { port } = server.address;
    const url = server.url;
    cleanups.push(async () => {
      await server?.close();
      await node.close();
    });
    return {
      url,
      async stop() {
        await server?.close();
        server = null;
      },
      async start() {
        server = await startRefchainServer({ node, port });
      },
    };
  }

  function tempRoot(): string {
    const root = mkdtempSync(join(tmpdir(), "gateway-readiness-"));
    cleanups.push(() => rmSync(root, { recursive: true, force: true }));
    return root;
  }

  test("a chain node that goes away: 503 naming the chain, /healthz still 200; ready again once the node is back", async () => {
    const root = tempRoot();
    const chain = await standaloneChain(root);
    const gateway = await startTestGateway({ DATA_DIR: join(root, "gateway"), REFCHAIN_URL: chain.url });
    cleanups.push(() => gateway.close());

    const ready = await probe(gateway, "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual({ [CHAIN]: "following", store: "ok" });

    await chain.stop();
    const down = await readyzBecomes(gateway, 503);
    expect(down.body).toMatchObject({ status: "not ready", ready: false });
    expect(down.body.checks).toEqual({ [CHAIN]: "not following", store: "ok" });
    expect(await probe(gateway, "/healthz")).toEqual({ status: 200, body: { status: "ok" } });

    await chain.start();
    const back = await readyzBecomes(gateway, 200);
    expect(back.body.checks).toEqual({ [CHAIN]: "following", store: "ok" });
  });

  if (requireServices(withoutPostgres, "/readyz with the PostgreSQL store")) {
    test("PostgreSQL out of reach: 503 saying the store is down, /healthz still 200; ready again once it is reachable", async () => {
      const root = tempRoot();
      const chain = await standaloneChain(root);
      const schema = `readiness_${randomBytes(6).toString("hex")}`;
      cleanups.push(() => adminStatement(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {}));
      const database = new URL(DATABASE_URL);
      const proxy: TcpProxy = await startTcpProxy({
        host: database.hostname,
        port: Number(database.port || 5432),
      });
      cleanups.push(() => proxy.close());
      database.port = String(proxy.port);
      database.searchParams.set("schema", schema);
      const gateway = await startTestGateway({
        DATA_DIR: join(root, "gateway"),
        REFCHAIN_URL: chain.url,
        DATABASE_URL: database.href,
      });
      cleanups.push(() => gateway.close());

      expect((await probe(gateway, "/readyz")).status).toBe(200);

      await proxy.stop();
      const down = await readyzBecomes(gateway, 503);
      expect(down.body.ready).toBe(false);
      expect(down.body.checks?.store).not.toBe("ok");
      expect(down.body.checks?.store).toEqual(expect.any(String));
      expect(await probe(gateway, "/healthz")).toEqual({ status: 200, body: { status: "ok" } });

      await proxy.start();
      const back = await readyzBecomes(gateway, 200);
      expect(back.body.checks).toEqual({ [CHAIN]: "following", store: "ok" });
    });
  }
});
