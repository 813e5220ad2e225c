import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  AccountDocument,
  CreateAccountDocument,
  FundAccountDocument,
  type GatewayClient,
  SendPaymentDocument,
  type SendPaymentInput,
} from "../../src/client/index.ts";
import { eventually } from "./support/graphqlTestClient.ts";
import { startTestGateway, type TestGateway } from "./support/testGateway.ts";
import { answerOf, balanceOf, tenantWithAccount } from "./support/typedClient.ts";

/** sendPayment, settled: its data, or the codes it was refused with. */
const send = (client: GatewayClient, input: SendPaymentInput) =>
  answerOf(client.request(SendPaymentDocument, { input }));

describe("sendPayment idempotency", () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  });
  afterAll(async () => {
    await gateway?.close();
  });

  test("replay with the same key and input returns the same payment, replayed: true", async () => {
    const a = await tenantWithAccount(gateway, { funds: "10" });
    const b = await tenantWithAccount(gateway);
    const input = {
      fromAccountId: a.account.id,
      to: { address: b.account.address },
      amount: "1.5",
      idempotencyKey: "order-1",
    };
    const first = await send(a.client, input);
    // "1.50" is the same amount: a replay, not a conflict.
    const again = await send(a.client, { ...input, amount: "1.50" });
    expect(first.data?.sendPayment.replayed).toBe(false);
    expect(again.data?.sendPayment.replayed).toBe(true);
    expect(again.data?.sendPayment.payment.id).toBe(first.data?.sendPayment.payment.id);
    await eventually(async () => ((await balanceOf(b.client, b.account.id)) === "1.5" ? true : undefined));
    // Replays after the money moved still answer with the payment, and move nothing.
    const later = await send(a.client, input);
    expect(later.data?.sendPayment).toMatchObject({
      replayed: true,
      payment: { id: first.data?.sendPayment.payment.id },
    });
    expect(await balanceOf(a.client, a.account.id)).toBe("8.5");
  });

  test("the same key with other input is IDEMPOTENCY_CONFLICT and sends nothing", async () => {
    const a = await tenantWithAccount(gateway, { funds: "10" });
    const b = await tenantWithAccount(gateway);
    const input = {
      fromAccountId: a.account.id,
      to: { address: b.account.address },
      amount: "1",
      idempotencyKey: "order-2",
    };
    await send(a.client, input);
    for (const other of [{ amount: "2" }, { memo: "different" }, { to: { address: a.account.address } }]) {
      const conflict = await send(a.client, { ...input, ...other });
      expect(conflict.codes).toEqual(["IDEMPOTENCY_CONFLICT"]);
    }
    await eventually(async () => ((await balanceOf(b.client, b.account.id)) === "1" ? true : undefined));
    expect(await balanceOf(a.client, a.account.id)).toBe("9");
  });

  test("keys belong to a tenant: another tenant may use the same key", async () => {
    const a = await tenantWithAccount(gateway, { funds: "5" });
    const c = await tenantWithAccount(gateway, { funds: "5" });
    const b = await tenantWithAccount(gateway);
    const key = "shared-key";
    const fromA = await send(a.client, {
      fromAccountId: a.account.id,
      to: { address: b.account.address },
      amount: "1",
      idempotencyKey: key,
    });
    const fromC = await send(c.client, {
      fromAccountId: c.account.id,
      to: { address: b.account.address },
      amount: "2",
      idempotencyKey: key,
    });
    expect(fromA.data?.sendPayment.replayed).toBe(false);
    expect(fromC.data?.sendPayment.replayed).toBe(false);
    await eventually(async () => ((await balanceOf(b.client, b.account.id)) === "3" ? true : undefined));
  });

  test("50 concurrent duplicates make one payment, paid once", async () => {
    const a = await tenantWithAccount(gateway, { funds: "10" });
    const b = await tenantWithAccount(gateway);
    const input = {
      fromAccountId: a.account.id,
      to: { address: b.account.address },
      amount: "3",
      idempotencyKey: "burst",
    };
    const answers = await Promise.all(Array.from({ length: 50 }, () => send(a.client, input)));
    expect(answers.flatMap((answer) => answer.codes)).toEqual([]);
    const ids = new Set(answers.map((answer) => answer.data?.sendPayment.payment.id));
    expect(ids.size).toBe(1);
    expect(answers.filter((answer) => answer.data?.sendPayment.replayed === false)).toHaveLength(1);

    const finalized = await eventually(async () => {
      const { account } = await a.client.request(AccountDocument, {
        id: a.account.id,
        first: 100,
        direction: "OUTGOING",
      });
      const statuses = account?.payments.edges.map((edge) => edge.node.status) ?? [];
      return statuses.every((status) => status === "FINALIZED") ? statuses : undefined;
    });
    expect(finalized).toHaveLength(1);
    expect(await balanceOf(b.client, b.account.id)).toBe("3");
    expect(await balanceOf(a.client, a.account.id)).toBe("7");
  });

  test("one key raced from two accounts: one payment wins, and every other payment of the loser still lands once", async () => {
    const a = await tenantWithAccount(gateway, { funds: "100" });
    const { createAccount } = await a.client.request(CreateAccountDocument, {
      input: { subnetId: a.subnet.id },
    });
    const second = createAccount.account;
    await a.client.request(FundAccountDocument, { input: { accountId: second.id, amount: "100" } });
    const b = await tenantWithAccount(gateway);
    const to = { address: b.account.address };
    // The contested key goes first in `second`'s batch: if it loses, the nonces signed after it are
    // signed again; if it wins, the first account's attempt is the conflict.
    const answers = await Promise.all([
      send(a.client, { fromAccountId: second.id, to, amount: "1", idempotencyKey: "contested" }),
      send(a.client, { fromAccountId: a.account.id, to, amount: "2", idempotencyKey: "contested" }),
      ...Array.from({ length: 10 }, (_, i) =>
        send(a.client, { fromAccountId: second.id, to, amount: "0.5", idempotencyKey: `after-${i}` }),
      ),
    ]);
    const [fromSecond, fromFirst, ...rest] = answers;
    const contested = [fromSecond, fromFirst].filter((answer) => answer?.data?.sendPayment);
    expect(contested).toHaveLength(1);
    expect([...(fromSecond?.codes ?? []), ...(fromFirst?.codes ?? [])]).toEqual(["IDEMPOTENCY_CONFLICT"]);
    expect(rest.flatMap((answer) => answer.codes)).toEqual([]);
    const won = contested[0]?.data?.sendPayment.payment.amount === "1" ? 1 : 2;
    const expected = (5 + won).toString();
    await eventually(async () => ((await balanceOf(b.client, b.account.id)) === expected ? true : undefined));
    expect(await balanceOf(a.client, second.id)).toBe(won === 1 ? "94" : "95");
    expect(await balanceOf(a.client, a.account.id)).toBe(won === 2 ? "98" : "100");
  });

  test("concurrent payments from one account all land, each once, with consecutive nonces", async () => {
    const a = await tenantWithAccount(gateway, { funds: "100" });
    const b = await tenantWithAccount(gateway);
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        send(a.client, {
          fromAccountId: a.account.id,
          to: { address: b.account.address },
          amount: "0.5",
          idempotencyKey: `n-${i}`,
        }),
      ),
    );
    expect(answers.flatMap((answer) => answer.codes)).toEqual([]);
    expect(new Set(answers.map((answer) => answer.data?.sendPayment.payment.txHash)).size).toBe(40);
    await eventually(async () => ((await balanceOf(b.client, b.account.id)) === "20" ? true : undefined));
    expect(await balanceOf(a.client, a.account.id)).toBe("80");
  });

  test("more than the balance at once: the ones that fit are paid, the rest get INSUFFICIENT_FUNDS", async () => {
    const a = await tenantWithAccount(gateway, { funds: "10" });
    const b = await tenantWithAccount(gateway);
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        send(a.client, {
          fromAccountId: a.account.id,
          to: { address: b.account.address },
          amount: "3",
          idempotencyKey: `over-${i}`,
        }),
      ),
    );
    const paid = answers.filter((answer) => answer.data?.sendPayment);
    const refused = answers.filter((answer) => answer.codes[0] === "INSUFFICIENT_FUNDS");
    expect(paid).toHaveLength(3);
    expect(refused).toHaveLength(5);
    await eventually(async () => ((await balanceOf(b.client, b.account.id)) === "9" ? true : undefined));
    expect(await balanceOf(a.client, a.account.id)).toBe("1");
  });
});
