import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { RefchainAdapter } from "../../../adapters/refchain/adapter/refchainAdapter.ts";
import { RefchainNode } from "../../../adapters/refchain/chain/node.ts";
import { inProcessTransport } from "../../../adapters/refchain/client/inProcessTransport.ts";
import { RefchainClient } from "../../../adapters/refchain/client/refchainClient.ts";
import type { ChainAdapter } from "../../../adapters/types.ts";
import { isGatewayError } from "../../errors/gatewayError.ts";
import { createMemoryEventBus } from "../../events/memoryEventBus.ts";
import { createLogger } from "../../logger.ts";
import { openSqliteStore } from "../../store/sqlite/openSqliteStore.ts";
import type { Store } from "../../store/store.ts";
import { Vault } from "../../vault/vault.ts";
import { AccountService } from "../account/account.service.ts";
import { ChainService } from "../chain/chain.service.ts";
import { SubnetService } from "../subnet/subnet.service.ts";
import { TenantService } from "../tenant/tenant.service.ts";
import { PaymentService } from "./payment.service.ts";
import { PaymentSender } from "./paymentSender.ts";

// The registry configures one refchain; CROSS_CHAIN_UNSUPPORTED needs two chains. Two real refchain
// nodes with different chain ids stand in for two ledgers, and the services run as the gateway runs them.

async function openChain(dataDir: string, chainId: string): Promise<ChainAdapter> {
  const node = RefchainNode.open({ dataDir, chainId, blockTimeMs: 20, verifierThreads: 1 });
  return RefchainAdapter.connect(new RefchainClient(inProcessTransport(node)), {
    onClose: () => node.close(),
  });
}

describe("payments move within one chain", () => {
  const dir = mkdtempSync(join(tmpdir(), "cross-chain-"));
  let store: Store;
  let adapters: ChainAdapter[];
  let services: {
    tenants: TenantService;
    subnets: SubnetService;
    accounts: AccountService;
    payments: PaymentService;
  };
  let sender: PaymentSender;

  beforeAll(async () => {
    store = await openSqliteStore({ path: join(dir, "gateway.db") });
    adapters = [
      await openChain(join(dir, "a"), "refchain:local"),
      await openChain(join(dir, "b"), "refchain:other"),
    ];
    const chains = new ChainService(adapters);
    const vault = await Vault.open(store, new Uint8Array(32).fill(7));
    sender = new PaymentSender({
      store,
      chains,
      vault,
      bus: createMemoryEventBus(),
      logger: createLogger("silent"),
      onSubmitted: () => {},
    });
    const subnets = new SubnetService(store, chains, vault);
    const accounts = new AccountService(store, chains, vault, subnets);
    services = {
      tenants: new TenantService(store),
      subnets,
      accounts,
      payments: new PaymentService(store, chains, accounts, sender),
    };
  });
  afterAll(async () => {
    sender?.close();
    await Promise.all((adapters ?? []).map((adapter) => adapter.close()));
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test("sendPayment to an account on another chain → CROSS_CHAIN_UNSUPPORTED, nothing recorded", async () => {
    const { tenant } = await services.tenants.createTenant("Acme");
    const here = await services.subnets.createSubnet(tenant.id, { name: "here", chainId: "refchain:local" });
    const there = await services.subnets.createSubnet(tenant.id, {
      name: "there",
      chainId: "refchain:other",
    });
    const from = await services.accounts.createAccount(tenant.id, { subnetId: here.id });
    const to = await services.accounts.createAccount(tenant.id, { subnetId: there.id });

    const attempt = services.payments.sendPayment(tenant.id, {
      fromAccountId: from.id,
      to: { accountId: to.id },
      amount: "1",
      idempotencyKey: "across",
    });
    await expect(attempt).rejects.toSatisfy(
      (error) =>
        isGatewayError(error) && error.code === "CROSS_CHAIN_UNSUPPORTED" && /one chain/.test(error.message),
    );
    expect(await store.findPaymentByIdempotencyKey(tenant.id, "across")).toBeNull();
    expect((await store.listPayments({ tenantId: tenant.id }, { first: 10 })).items).toEqual([]);
  });
});
