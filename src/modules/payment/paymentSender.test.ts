import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isGatewayError } from "../../errors/gatewayError.ts";
import {
  type ChainBed,
  openChainBed,
  seedAccount,
  seedSubnet,
  seedTenant,
} from "../../events/eventsTestBed.ts";
import { newId } from "../../ids.ts";
import type { AccountRecord, PaymentRecord, Store, SubnetRecord } from "../../store/store.ts";
import { Vault } from "../../vault/vault.ts";
import { AccountService } from "../account/account.service.ts";
import { ChainService } from "../chain/chain.service.ts";
import { SubnetService } from "../subnet/subnet.service.ts";
import { newOutgoingPayment } from "./newOutgoingPayment.ts";
import { PaymentSender } from "./paymentSender.ts";

/**
 * The store, except that the first recordPayment with the key "contested" finds that key just taken
 * by another payment: what another replica (or another account's lane) winning the race between our
 * look-up and our write looks like. Only this interleaving is arranged; the store is the real one.
 */
function storeLosingTheRaceFor(key: string, store: Store): Store {
  let raced = false;
  return new Proxy(store, {
    get(target, property) {
      if (property === "recordPayment") {
        return async (payment: PaymentRecord) => {
          if (payment.idempotencyKey === key && !raced) {
            raced = true;
            await target.recordPayment({
              ...payment,
              id: newId("pay"),
              amount: payment.amount + 1n,
              inputHash: "someone else's input",
              status: "PENDING",
              txHash: null,
              rawTransaction: null,
              nonce: null,
              validUntilHeight: null,
              fee: null,
            });
          }
          return target.recordPayment(payment);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

describe("PaymentSender", () => {
  let bed: ChainBed;
  let from: AccountRecord;
  let subnet: SubnetRecord;
  let to: string;
  let sender: PaymentSender;

  beforeAll(async () => {
    bed = await openChainBed(20);
    const chains = new ChainService([bed.adapter]);
    const vault = await Vault.open(bed.store, new Uint8Array(32).fill(9));
    const tenant = await seedTenant(bed.store);
    subnet = await seedSubnet(bed.store, tenant, bed.native);
    from = await new AccountService(
      bed.store,
      chains,
      vault,
      new SubnetService(bed.store, chains, vault),
    ).createAccount(tenant.id, { subnetId: subnet.id });
    await bed.adapter.faucet?.(from.address, bed.adapter.description.nativeAsset, 1_000_000n);
    to = (await seedAccount(bed.store, subnet)).account.address;
    sender = new PaymentSender({
      store: storeLosingTheRaceFor("contested", bed.store),
      chains,
      vault,
      bus: bed.bus,
      logger: bed.logger,
      onSubmitted: () => {},
    });
  });
  afterAll(async () => {
    sender?.close();
    await bed?.close();
  });

  const payment = (idempotencyKey: string, amount: bigint) => ({
    record: newOutgoingPayment({
      from,
      asset: subnet.asset,
      amount,
      toAddress: to,
      idempotencyKey,
      inputHash: idempotencyKey,
    }),
    from,
  });

  test("a key lost to another writer after signing: conflict for it, and the payments signed after it are signed again and land once", async () => {
    // The first payment occupies the lane, so the next ones form one batch with "contested" first.
    const first = sender.send(payment("first", 10n));
    const contested = sender.send(payment("contested", 20n));
    const later = [1, 2, 3, 4, 5].map((i) => sender.send(payment(`later-${i}`, BigInt(i))));

    expect((await first).payment.status).toBe("SUBMITTED");
    await expect(contested).rejects.toSatisfy(
      (error) => isGatewayError(error) && error.code === "IDEMPOTENCY_CONFLICT",
    );
    const outcomes = await Promise.all(later);
    expect(outcomes.map((outcome) => outcome.payment.status)).toEqual(Array(5).fill("SUBMITTED"));
    // Consecutive nonces after the first payment's: the burnt one was given to the next payment.
    expect(outcomes.map((outcome) => outcome.payment.nonce)).toEqual([1n, 2n, 3n, 4n, 5n]);

    for (const { payment: sent } of outcomes) {
      for (let tries = 0; ; tries++) {
        const status = await bed.adapter.getTransactionStatus(sent.txHash ?? "");
        if (status.state === "INCLUDED") break;
        if (tries > 200) throw new Error(`${sent.id} never included: ${status.state}`);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    const [balance] = await bed.adapter.getBalances([
      { address: to, asset: bed.adapter.description.nativeAsset },
    ]);
    expect(balance).toBe(10n + 1n + 2n + 3n + 4n + 5n);
  });
});
