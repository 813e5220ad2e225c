import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GraphQLTestClient } from "../../test/e2e/support/graphqlTestClient.ts";
import { chainIdOfKind } from "../../test/e2e/support/scenario.ts";
import { type ChildServer, startChildServer } from "../gateway/childServer.ts";
import { countSettled } from "../gateway/countSettled.ts";
import type { GatewayInfo } from "../gateway/gatewayChild.ts";
import { type GatewayLoad, meterGateway } from "../gateway/meterGateway.ts";
import type { BenchNode, ChainUnderBench, MeasuredSide } from "./chainUnderBench.ts";
import { fmt } from "./formatFigure.ts";
import { measureBalanceRequests } from "./measureBalanceRequests.ts";
import { measurePaymentRate } from "./measurePaymentRate.ts";
import { meterSide, type SideMeters } from "./meterSide.ts";
import { printChainBench } from "./printChainBench.ts";
import { seedSubnet } from "./seedSubnet.ts";

/** The page of (6) and (8): this many accounts, the first few funded with as much each, read this often. */
const PAGE = { accounts: 100, funded: 5, fundEach: "7", queries: 5 };

/**
 * A chain's figures of `npm run bench`, each against a baseline measured in the same run (ratios,
 * never pass/fail), printed as one table:
 *   sendPayment payments/s through the gateway ÷ the chain's plain library's sends/s    goal ≥ 0.8
 *   HTTP requests reaching the node for a GraphQL page of 100 accounts with balances    goal 1
 * Both sides of the first have the same shape: `senders` sending accounts, each with one request in
 * flight at a time, paying the same recipient addresses the same amount, each side on a fresh node
 * reached through a counting JSON-RPC proxy, which also tells the requests and calls each payment
 * made. The baseline runs once more straight to the node, to show what the proxy's hop costs. A
 * payment is done when sendPayment answered (its transaction was broadcast), a baseline transfer
 * when the library's send returned the transaction's id.
 */
export async function runChainBench<Node extends BenchNode, BaselineNote, GatewayNote>(
  chain: ChainUnderBench<Node, BaselineNote, GatewayNote>,
): Promise<void> {
  const { settings, labels, figures } = chain;
  const { senders, seconds, warmupSeconds } = settings;
  const started = performance.now();
  const step = (text: string) => console.log(`… ${text} (${fmt((performance.now() - started) / 1000)} s)`);
  const measuring = `${seconds} s after ${warmupSeconds} s warm-up`;

  /** The baseline on a fresh node, through its proxy or straight to it. */
  const baseline = async (throughProxy: boolean): Promise<MeasuredSide<BaselineNote>> => {
    const node = await chain.startNode();
    try {
      let stopMeters: ((completed: number) => SideMeters) | undefined;
      const { run, afterwards } = await chain.runBaseline(
        node,
        throughProxy ? node.proxy.url : node.url,
        () => {
          stopMeters = meterSide(node.proxy, { [labels.node]: node.pid, bench: process.pid });
        },
      );
      if (!stopMeters) throw new Error(`the ${labels.library} baseline never started its measured run`);
      const meters = stopMeters(run.completed);
      return { run, ...meters, note: await afterwards() };
    } finally {
      await node.stop();
    }
  };

  step(
    `(${figures.payments}) baseline: ${labels.baseline} from ${senders} accounts, 1 in flight each, on a fresh ${labels.freshNode} through the proxy, ${measuring}`,
  );
  const throughProxy = await baseline(true);
  step(`(${figures.payments}) the same on a fresh ${labels.node}, straight to it (no proxy)`);
  const direct = await baseline(false);

  step(
    `(${figures.payments}) the gateway on a fresh ${labels.node} (${labels.rpcSetting} = the proxy, finality ${chain.finalityDepth}), in its own process`,
  );
  const name = chain.name.toLowerCase();
  const dataDir = mkdtempSync(join(tmpdir(), `gateway-bench-${name}-`));
  let node: Node | undefined;
  let gateway: ChildServer<GatewayInfo> | undefined;
  try {
    node = await chain.startNode();
    const live = node;
    gateway = await startChildServer<GatewayInfo>({
      entry: new URL("../gateway/gatewayChild.ts", import.meta.url),
      env: { PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: settings.logLevel, ...chain.gatewayEnv(live) },
    });
    const child = gateway;
    const { info } = child;
    const admin = new GraphQLTestClient(info.url, info.wsUrl, info.adminKey);
    const chainId = await chainIdOfKind(admin, chain.kind);
    step(
      `seeding a tenant on ${chainId}: ${senders} funded senders, and a subnet of ${PAGE.accounts} accounts (${PAGE.funded} funded)`,
    );
    const { createTenant } = await admin.data<{ createTenant: { apiKey: string } }>(
      `mutation { createTenant(input: { name: "${name} bench" }) { apiKey } }`,
    );
    const client = new GraphQLTestClient(info.url, info.wsUrl, createTenant.apiKey);
    const paying = await seedSubnet(client, {
      name: "senders",
      chainId,
      accounts: senders,
      funded: senders,
      fundEach: chain.fundEach,
    });
    const page = await seedSubnet(client, {
      name: "page",
      chainId,
      accounts: PAGE.accounts,
      funded: PAGE.funded,
      fundEach: PAGE.fundEach,
    });

    step(`(${figures.payments}) sendPayment from ${senders} accounts, 1 in flight each, ${measuring}`);
    const profilePath = settings.profileDir
      ? join(settings.profileDir, `gateway-${name}-payments.cpuprofile`)
      : undefined;
    if (settings.profileDir) mkdirSync(settings.profileDir, { recursive: true });
    let stopWatch: (() => Promise<GatewayNote>) | undefined;
    let stopLoad: (() => Promise<GatewayLoad>) | undefined;
    let stopMeters: ((completed: number) => SideMeters) | undefined;
    const payments = await measurePaymentRate({
      client,
      senders: paying.accounts.map((account) => account.id),
      recipients: chain.recipients,
      amount: chain.amount,
      warmupSeconds,
      seconds,
      beforeMeasuring: async () => {
        stopWatch = await chain.watchGateway(live);
        if (profilePath) await child.call("profile:start");
        stopLoad = await meterGateway(child);
        stopMeters = meterSide(live.proxy, {
          gateway: child.pid,
          [labels.node]: live.pid,
          bench: process.pid,
        });
      },
    });
    if (!stopWatch || !stopMeters) throw new Error("the gateway's payments never started their measured run");
    const meters = stopMeters(payments.run.completed);
    const load = await stopLoad?.();
    if (profilePath) await child.call("profile:stop", profilePath);
    const note = await stopWatch();
    const settled = await countSettled([{ client, paymentIds: payments.accepted }], 30_000);

    step(
      `(${figures.page}) ${PAGE.queries} queries of a page of ${PAGE.accounts} accounts with balances, one at a time`,
    );
    const balances = await measureBalanceRequests({
      client,
      subnetId: page.subnetId,
      proxy: live.proxy,
      balanceRead: chain.balanceRead,
      queries: PAGE.queries,
      fundedAmount: PAGE.fundEach,
    });

    printChainBench(
      chain,
      {
        baseline: throughProxy,
        direct,
        gateway: { run: payments.run, ...meters, note, accepted: payments.accepted, settled, load },
        balances,
        profilePath,
        seconds: (performance.now() - started) / 1000,
      },
      PAGE,
    );
  } finally {
    await gateway?.stop();
    await node?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
