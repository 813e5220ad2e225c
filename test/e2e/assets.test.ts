import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { KeyPair } from "../../adapters/refchain/chain/keys.ts";
import { TestChain } from "../../adapters/refchain/chain/testChain.ts";
import { type RefchainServer, startRefchainServer } from "../../adapters/refchain/rpc/server.ts";
import { collect, eventually } from "./support/graphqlTestClient.ts";
import { balanceOf, createAccount, createSubnet, send, tenantWithAccount } from "./support/scenario.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";

describe("assets and outside transfers, with a standalone refchain node (REFCHAIN_URL)", () => {
  let chain: TestChain;
  let server: RefchainServer;
  let gateway: TestGateway;
  beforeAll(async () => {
    chain = TestChain.open({ blockTimeMs: 20 });
    server = await startRefchainServer({ node: chain.node, port: 0 });
    gateway = await startTestGateway({ REFCHAIN_URL: server.url });
  });
  afterAll(async () => {
    await gateway?.close();
    await server?.close();
    await chain?.close();
  });

  test("a transfer sent straight to the chain, not through the gateway, appears as RECEIVED", async () => {
    const b = await tenantWithAccount(gateway);
    const watchOnly = await createAccount(b.tenant, b.subnet.id, {
      address: KeyPair.generate().address,
    });
    const socket = b.tenant.ws();
    const events = collect<{
      paymentEvents: {
        type: string;
        payment: { amount: string; direction: string; to: { account: { id: string } } };
      };
    }>(
      socket,
      'subscription ($id: ID) { paymentEvents(subnetId: $id, after: "0") { type payment { amount direction to { account { id } } } } }',
      { id: b.subnet.id },
    );

    const outsider = await chain.fundedKey(10_000_000_000n);
    await chain.send(outsider, {
      kind: "transfer",
      to: b.account.address,
      asset: "REF",
      amount: 2_500_000_000n,
      memo: "",
    });
    await chain.send(outsider, {
      kind: "transfer",
      to: watchOnly.address,
      asset: "REF",
      amount: 1_000_000_000n,
      memo: "",
    });

    const received = await events.waitFor(2);
    expect(received.map((event) => event.paymentEvents)).toEqual([
      {
        type: "RECEIVED",
        payment: { amount: "2.5", direction: "INCOMING", to: { account: { id: b.account.id } } },
      },
      {
        type: "RECEIVED",
        payment: { amount: "1", direction: "INCOMING", to: { account: { id: watchOnly.id } } },
      },
    ]);
    expect(await balanceOf(b.tenant, b.account.id)).toBe("2.5");
    expect(await balanceOf(b.tenant, watchOnly.id)).toBe("1");
    events.stop();
    await socket.dispose();
  });

  test("an issued asset: the treasury holds the supply and pays another tenant's account in the same asset", async () => {
    const a = await gateway.newTenant("Issuer");
    const subnet = await createSubnet(a, {
      name: "loyalty",
      asset: { issue: { symbol: "PTS", decimals: 2, supply: "1000.50" } },
    });
    expect(subnet.asset).toMatchObject({ symbol: "PTS", decimals: 2 });
    const { subnet: found } = await a.data<{
      subnet: {
        asset: { address: string };
        accounts: { edges: { node: { id: string; label: string; custody: string; balance: string } }[] };
      };
    }>(
      "query ($id: ID!) { subnet(id: $id) { asset { address } accounts { edges { node { id label custody balance } } } } }",
      {
        id: subnet.id,
      },
    );
    const [treasury] = found.accounts.edges.map((edge) => edge.node);
    expect(treasury).toMatchObject({ label: "treasury", custody: "MANAGED", balance: "1000.5" });

    // Tenant B holds the same asset in its own subnet, by the token's on-chain address.
    const b = await gateway.newTenant("Holder");
    const bSubnet = await createSubnet(b, { name: "points", asset: { token: found.asset.address } });
    const bAccount = await createAccount(b, bSubnet.id);
    const paid = await send(a, {
      fromAccountId: treasury?.id,
      to: { address: bAccount.address },
      amount: "0.25",
      idempotencyKey: "points-1",
    });
    expect(paid.errors).toBeUndefined();
    await eventually(async () => ((await balanceOf(b, bAccount.id)) === "0.25" ? true : undefined));
    expect(await balanceOf(a, treasury?.id ?? "")).toBe("1000.25");
    const tooPrecise = await send(a, {
      fromAccountId: treasury?.id,
      to: { address: bAccount.address },
      amount: "0.001",
      idempotencyKey: "points-2",
    });
    expect(tooPrecise.errors?.[0]?.extensions?.code).toBe("BAD_USER_INPUT");
  });
});
