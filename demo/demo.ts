// The product's story end to end, through the typed client only: two companies on one gateway, a
// subnet and an account each, a faucet, a live subscription, a direct payment between them, and an
// idempotent retry that moves nothing twice. Numbered steps; exits 1 naming the step that failed.
//
//   npm run demo                                         starts a gateway in-process (port 0,
//                                                        temporary DATA_DIR, embedded refchain)
//   GATEWAY_URL=http://127.0.0.1:4000/graphql GATEWAY_ADMIN_KEY=… npm run demo   uses a running one
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import WebSocket from "ws";
import {
  AccountDocument,
  ChainsDocument,
  CreateAccountDocument,
  CreateSubnetDocument,
  CreateTenantDocument,
  createGatewayClient,
  FundAccountDocument,
  type GatewayClient,
  PaymentDocument,
  PaymentEventsDocument,
  type PaymentEventsSubscription,
  SendPaymentDocument,
} from "../src/client/index.ts";

/** Long enough for any healthy gateway; only there so a broken one fails the step instead of hanging. */
const STEP_DEADLINE_MS = 30_000;
const FUNDS = "100";
const PAYMENT = "25";

class StepFailure extends Error {}

let stepNumber = 0;
let currentStep = "";
const cleanups: (() => Promise<void> | void)[] = [];

async function step<T>(title: string, run: () => Promise<T>): Promise<T> {
  stepNumber++;
  currentStep = title;
  console.log(`\n${String(stepNumber).padStart(2)}. ${title}`);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StepFailure(`no outcome within ${STEP_DEADLINE_MS / 1000} s`)),
      STEP_DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([run(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const detail = (line: string) => console.log(`    ${line}`);

function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new StepFailure(message);
}

/** A decimal amount ("12.5") in base units, for exact arithmetic on balances (never a float). */
function baseUnits(amount: string, decimals: number): bigint {
  const [whole = "0", fraction = ""] = amount.split(".");
  return BigInt(whole + fraction.padEnd(decimals, "0"));
}

/** The gateway to talk to: GATEWAY_URL, or one started here with its own data in a temporary folder. */
async function connectGateway(): Promise<{ url: string; adminKey: string }> {
  const url = process.env.GATEWAY_URL;
  if (url) {
    const adminKey = process.env.GATEWAY_ADMIN_KEY;
    check(
      adminKey !== undefined && adminKey !== "",
      "GATEWAY_URL is set: set GATEWAY_ADMIN_KEY too (tenants are created with it)",
    );
    detail(`using the gateway at ${url}`);
    return { url, adminKey };
  }
  // Loaded only here: against a running gateway the demo needs nothing but the client.
  const [{ loadConfig }, { createLogger }, { startGateway }] = await Promise.all([
    import("../src/config/config.ts"),
    import("../src/logger.ts"),
    import("../src/startGateway.ts"),
  ]);
  const dataDir = mkdtempSync(join(tmpdir(), "gateway-demo-"));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const config = loadConfig({ PORT: "0", DATA_DIR: dataDir });
  const gateway = await startGateway(config, createLogger(process.env.LOG_LEVEL ?? "silent"));
  cleanups.push(() => gateway.close());
  detail(`started in-process at ${gateway.url} (embedded refchain, data in ${dataDir})`);
  return { url: gateway.url, adminKey: config.adminKey };
}

async function main() {
  console.log("value-gateway demo: two companies, one payment between them, end to end");

  const gateway = await step("Gateway", connectGateway);
  const clientWith = (apiKey: string): GatewayClient => {
    const client = createGatewayClient({ url: gateway.url, apiKey, webSocketImpl: WebSocket });
    cleanups.push(() => client.close());
    return client;
  };
  const admin = clientWith(gateway.adminKey);

  const chain = await step("Chains the gateway runs", async () => {
    const { chains } = await admin.request(ChainsDocument);
    for (const chain of chains) {
      detail(
        `${chain.id}  ${chain.kind}  head ${chain.head ?? "unknown"}  ${chain.healthy ? "healthy" : "NOT healthy"}`,
      );
    }
    const refchain =
      chains.find((chain) => chain.id === "refchain:local") ??
      chains.find((chain) => chain.kind === "REFCHAIN");
    check(
      refchain !== undefined,
      "no refchain on this gateway (the demo funds accounts with refchain's faucet)",
    );
    check(refchain.healthy, `${refchain.id} is not healthy`);
    return refchain;
  });

  const [acme, globex] = await step("Two tenants (admin key): Acme pays, Globex is paid", async () => {
    const createTenant = async (name: string) => {
      const { createTenant } = await admin.request(CreateTenantDocument, { input: { name } });
      detail(
        `${name}: tenant ${createTenant.tenant.id}, API key shown once: ${createTenant.apiKey.slice(0, 8)}…`,
      );
      return { name, client: clientWith(createTenant.apiKey) };
    };
    return [await createTenant("Acme"), await createTenant("Globex")] as const;
  });

  const [acmeSubnet, globexSubnet] = await step(`A subnet each on ${chain.id}`, async () => {
    const createSubnet = async (tenant: typeof acme) => {
      const { createSubnet } = await tenant.client.request(CreateSubnetDocument, {
        input: { name: `${tenant.name} payments`, chainId: chain.id },
      });
      const { subnet } = createSubnet;
      detail(
        `${tenant.name}: subnet ${subnet.id}, asset ${subnet.asset.symbol} (${subnet.asset.decimals} decimals)`,
      );
      return subnet;
    };
    return [await createSubnet(acme), await createSubnet(globex)] as const;
  });
  const { symbol, decimals } = acmeSubnet.asset;

  const [payer, payee] = await step("An account each, its key held in the gateway's vault", async () => {
    const createAccount = async (tenant: typeof acme, subnet: typeof acmeSubnet, label: string) => {
      const { createAccount } = await tenant.client.request(CreateAccountDocument, {
        input: { subnetId: subnet.id, label },
      });
      const { account } = createAccount;
      detail(`${tenant.name} ${label}: ${account.id} at ${account.address} (${account.custody})`);
      return account;
    };
    return [
      await createAccount(acme, acmeSubnet, "treasury"),
      await createAccount(globex, globexSubnet, "revenue"),
    ] as const;
  });

  await step(`Fund Acme's treasury with ${FUNDS} ${symbol} from the faucet`, async () => {
    const { fundAccount } = await acme.client.request(FundAccountDocument, {
      input: { accountId: payer.id, amount: FUNDS },
    });
    detail(`faucet transaction ${fundAccount.txHash}, already in a block`);
  });

  const events = await step("Globex subscribes to its account's payment events (graphql-ws)", async () => {
    // `after: "0"` replays the account's log before going live: nothing can slip past the start.
    const events = globex.client.subscribe(PaymentEventsDocument, { accountId: payee.id, after: "0" });
    detail(`listening on ${payee.id}`);
    return events;
  });

  const balances = async () => {
    const [{ account: from }, { account: to }] = await Promise.all([
      acme.client.request(AccountDocument, { id: payer.id }),
      globex.client.request(AccountDocument, { id: payee.id }),
    ]);
    check(from !== null && to !== null, "an account went missing");
    detail(`Acme treasury  ${from.balance} ${symbol}`);
    detail(`Globex revenue ${to.balance} ${symbol}`);
    return { payer: baseUnits(from.balance, decimals), payee: baseUnits(to.balance, decimals) };
  };
  const before = await step("Balances before", balances);
  check(
    before.payer === baseUnits(FUNDS, decimals),
    `Acme's treasury holds ${before.payer} base units, not ${FUNDS} ${symbol}`,
  );

  const input = {
    fromAccountId: payer.id,
    to: { address: payee.address },
    amount: PAYMENT,
    memo: "invoice 2026-001",
    idempotencyKey: "demo-invoice-2026-001",
  };
  const sent = await step(
    `Acme pays Globex ${PAYMENT} ${symbol}, to its address (another tenant's account)`,
    async () => {
      const { sendPayment } = await acme.client.request(SendPaymentDocument, { input });
      const { payment } = sendPayment;
      detail(
        `payment ${payment.id}: ${payment.status}, tx ${payment.txHash ?? "(not yet)"}, key "${payment.idempotencyKey}"`,
      );
      check(!sendPayment.replayed, "a first send came back as replayed");
      return payment;
    },
  );

  await step("Globex's subscription sees the payment arrive", async () => {
    let received: PaymentEventsSubscription["paymentEvents"] | undefined;
    for await (const { paymentEvents } of events) {
      const { payment } = paymentEvents;
      if (paymentEvents.type === "RECEIVED" && payment.txHash === sent.txHash) {
        received = paymentEvents;
        break;
      }
      detail(`(earlier event: ${paymentEvents.type} ${payment.amount} ${symbol})`);
    }
    check(received !== undefined, "the subscription ended before the payment arrived");
    const { payment } = received;
    detail(`RECEIVED ${payment.amount} ${symbol} from ${payment.from.address}`);
    detail(
      `Globex's payment ${payment.id}: ${payment.status}, block ${payment.blockHeight}, memo "${payment.memo}"`,
    );
    check(payment.amount === PAYMENT, `received ${payment.amount}, not ${PAYMENT}`);
  });

  await step("Acme retries the same sendPayment (same idempotency key, same input)", async () => {
    const { sendPayment } = await acme.client.request(SendPaymentDocument, { input });
    detail(
      `replayed: ${sendPayment.replayed}, payment ${sendPayment.payment.id}: ${sendPayment.payment.status}`,
    );
    check(sendPayment.replayed, "the retry was not recognised as a replay");
    check(
      sendPayment.payment.id === sent.id,
      `the retry answered payment ${sendPayment.payment.id}, not ${sent.id}`,
    );
    detail("same payment, nothing sent twice");
  });

  await step("Balances after: the payment moved once", async () => {
    const { payment } = await acme.client.request(PaymentDocument, { id: sent.id });
    check(payment !== null, `payment ${sent.id} went missing`);
    const after = await balances();
    check(
      after.payee - before.payee === baseUnits(PAYMENT, decimals),
      `Globex gained ${after.payee - before.payee} base units, not ${PAYMENT} ${symbol}`,
    );
    const fee = payment.fee === null ? 0n : baseUnits(payment.fee, decimals);
    detail(`Acme paid ${PAYMENT} ${symbol} + fee ${payment.fee ?? "0"} ${symbol}`);
    check(
      before.payer - after.payer === baseUnits(PAYMENT, decimals) + fee,
      `Acme's treasury went down by ${before.payer - after.payer} base units`,
    );
  });

  console.log("\nDone: every step passed.");
}

let exitCode = 0;
try {
  await main();
} catch (error) {
  exitCode = 1;
  // A GatewayClientError's message already reads "CODE: what the gateway said".
  const reason = error instanceof Error ? error.message : String(error);
  console.error(`\n✗ Step ${stepNumber} "${currentStep}" failed: ${reason}`);
} finally {
  for (const cleanup of cleanups.reverse()) {
    try {
      await cleanup();
    } catch (error) {
      console.error(`(while cleaning up: ${error instanceof Error ? error.message : String(error)})`);
    }
  }
}
process.exit(exitCode);
