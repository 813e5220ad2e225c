import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import type { KeyPair } from "../../adapters/refchain/chain/keys.ts";
import { NATIVE_ASSET } from "../../adapters/refchain/chain/state.ts";
import { signTransaction } from "../../adapters/refchain/chain/transaction.ts";
import type {
  AssetInfo,
  ChainAdapter,
  ChainCapabilities,
  Signer,
  WatchParameters,
} from "../../adapters/types.ts";
import { keyPairSigner } from "../../test/conformance/keyPairSigner.ts";
import type {
  AccountRecord,
  PaymentEventType,
  PaymentRecord,
  PaymentStatus,
  Store,
  SubnetRecord,
} from "../store/store.ts";
import {
  assetRecord,
  type ChainBed,
  newOutgoingPayment,
  openChainBed,
  recordAndPublish,
  seedAccount,
  seedSubnet,
  seedTenant,
  take,
} from "./eventsTestBed.ts";
import { paymentEventStream } from "./paymentEventStream.ts";
import { PaymentTracker, type PaymentTrackerDependencies } from "./paymentTracker.ts";

interface Party {
  account: AccountRecord;
  subnet: SubnetRecord;
  key: KeyPair;
  signer: Signer;
}

let bed: ChainBed;
let native: AssetInfo;
const trackers: PaymentTracker[] = [];

beforeEach(async () => {
  bed = await openChainBed(20);
  native = bed.adapter.description.nativeAsset;
});
afterEach(async () => {
  for (const tracker of trackers.splice(0)) await tracker.stop();
  await bed.close();
});

function startTracker(
  options: Partial<
    Pick<PaymentTrackerDependencies, "adapter" | "store" | "retry" | "resend" | "failUnsigned">
  > = {},
): Promise<PaymentTracker> {
  const tracker = new PaymentTracker({
    store: options.store ?? bed.store,
    bus: bed.bus,
    adapter: options.adapter ?? bed.adapter,
    logger: bed.logger,
    retry: options.retry ?? { initialMs: 10, maxMs: 100 },
    resend: options.resend,
    failUnsigned: options.failUnsigned,
  });
  trackers.push(tracker);
  return tracker.start().then(() => tracker);
}

async function stopTracker(tracker: PaymentTracker): Promise<void> {
  trackers.splice(trackers.indexOf(tracker), 1);
  await tracker.stop();
}

/** A tenant with one subnet in the native asset and `count` accounts. */
async function tenantWithAccounts(count: number, name = "tenant"): Promise<Party[]> {
  const tenant = await seedTenant(bed.store, name);
  const subnet = await seedSubnet(bed.store, tenant, bed.native);
  const parties: Party[] = [];
  for (let i = 0; i < count; i++) parties.push({ subnet, ...(await seedAccount(bed.store, subnet)) });
  return parties;
}

async function fund(party: Party, amount = 1_000_000n): Promise<void> {
  await bed.adapter.faucet?.(party.account.address, native, amount);
}

async function balance(address: string, asset: AssetInfo = native): Promise<bigint> {
  const [value] = await bed.adapter.getBalances([{ address, asset }]);
  return value ?? 0n;
}

/** The payment a sender's transaction makes, signed and stored before it is broadcast (write-ahead). */
async function prepareAndRecord(
  from: Party,
  to: string,
  amount: bigint,
  memo?: string,
): Promise<PaymentRecord> {
  const prepared = await bed.adapter.prepareTransfer({ from: from.signer, to, asset: native, amount, memo });
  return recordAndPublish(
    bed.store,
    bed.bus,
    newOutgoingPayment(from.account, from.subnet, {
      toAddress: to,
      amount,
      memo: memo ?? null,
      txHash: prepared.hash,
      rawTransaction: prepared.raw,
      nonce: prepared.nonce,
      validUntilHeight: prepared.validUntilHeight,
      fee: prepared.fee,
    }),
  );
}

/** What sendPayment does: record, mark SUBMITTED, tell the tracker, broadcast. */
async function send(from: Party, to: string, amount: bigint, tracker?: PaymentTracker, memo?: string) {
  const payment = await prepareAndRecord(from, to, amount, memo);
  // Marked before the broadcast: once broadcast, the tracker may confirm it at any moment.
  const events = await bed.store.applyPaymentChanges([
    { paymentId: payment.id, patch: { status: "SUBMITTED" }, eventType: "SUBMITTED", at: new Date() },
  ]);
  bed.bus.publishPaymentEvents(events);
  const submitted = events[0]?.payment ?? payment;
  tracker?.track(submitted);
  await bed.adapter.broadcast({
    hash: payment.txHash ?? "",
    raw: payment.rawTransaction ?? new Uint8Array(),
    nonce: payment.nonce,
    validUntilHeight: payment.validUntilHeight,
    fee: payment.fee,
  });
  return submitted;
}

/** A transfer signed outside the adapter, valid only until `expiry`, stored PENDING and never broadcast. */
async function recordExpiring(
  from: Party,
  to: string,
  amount: bigint,
  expiry: bigint,
): Promise<PaymentRecord> {
  const tx = signTransaction(
    {
      chainId: bed.adapter.description.id,
      from: from.account.address,
      nonce: 0n,
      expiry,
      payload: { kind: "transfer", asset: NATIVE_ASSET, to, amount, memo: "" },
    },
    from.key,
  );
  return recordAndPublish(
    bed.store,
    bed.bus,
    newOutgoingPayment(from.account, from.subnet, {
      toAddress: to,
      amount,
      txHash: tx.hash,
      rawTransaction: tx.raw,
      nonce: 0n,
      validUntilHeight: expiry,
    }),
  );
}

async function payment(id: string): Promise<PaymentRecord> {
  const [found] = await bed.store.getPayments([id]);
  if (!found) throw new Error(`no payment ${id}`);
  return found;
}

async function waitForStatus(id: string, status: PaymentStatus): Promise<PaymentRecord> {
  return vi.waitFor(
    async () => {
      const found = await payment(id);
      expect(found.status).toBe(status);
      return found;
    },
    { timeout: 15_000, interval: 20 },
  );
}

async function eventTypes(record: PaymentRecord): Promise<PaymentEventType[]> {
  const events = await bed.store.readEvents({ tenantId: record.tenantId, after: 0n, limit: 10_000 });
  return events.filter((event) => event.paymentId === record.id).map((event) => event.type);
}

async function incoming(party: Party): Promise<PaymentRecord[]> {
  const page = await bed.store.listPayments(
    { tenantId: party.account.tenantId, accountId: party.account.id, direction: "INCOMING" },
    { first: 100 },
  );
  return page.items;
}

async function allEvents(tenantIds: string[]) {
  return (
    await Promise.all(
      tenantIds.map((tenantId) => bed.store.readEvents({ tenantId, after: 0n, limit: 10_000 })),
    )
  ).flat();
}

/** The same adapter with other capabilities, and a look at the watch handlers the tracker gives it. */
function adapterWith(
  adapter: ChainAdapter,
  capabilities: Partial<ChainCapabilities>,
  onWatch?: (handlers: WatchParameters) => void,
): ChainAdapter {
  const description = {
    ...adapter.description,
    capabilities: { ...adapter.description.capabilities, ...capabilities },
  };
  return new Proxy(adapter, {
    get(target, property) {
      if (property === "description") return description;
      if (property === "watch") {
        return (handlers: WatchParameters) => {
          onWatch?.(handlers);
          return target.watch(handlers);
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

async function waitForHeight(tracker: PaymentTracker, height: bigint): Promise<void> {
  await vi.waitFor(() => expect(tracker.progress()?.height ?? -1n).toBeGreaterThanOrEqual(height), {
    timeout: 15_000,
    interval: 20,
  });
}

describe("PaymentTracker", () => {
  test("moves a submitted payment SUBMITTED → CONFIRMED → FINALIZED, with its events in order, live on a stream", async () => {
    const [alice, bob] = await tenantWithAccounts(2);
    if (!alice || !bob) throw new Error("seed");
    await fund(alice);
    const tracker = await startTracker();
    expect(tracker.ready()).toBe(true);
    const stream = paymentEventStream({
      store: bed.store,
      bus: bed.bus,
      filter: { tenantId: alice.account.tenantId, accountId: alice.account.id },
      after: await bed.store.latestEventCursor(),
    });

    const sent = await send(alice, bob.account.address, 250n, tracker, "rent");
    const finalized = await waitForStatus(sent.id, "FINALIZED");
    expect(await eventTypes(sent)).toEqual(["CREATED", "SUBMITTED", "CONFIRMED", "FINALIZED"]);
    expect(finalized.blockHeight).not.toBeNull();
    expect(finalized.blockHash).toMatch(/^[0-9a-f]{64}$/);
    expect(finalized.confirmations).toBe(1);
    expect(finalized.fee).toBe(0n);
    expect(await balance(bob.account.address)).toBe(250n);
    expect(await balance(alice.account.address)).toBe(1_000_000n - 250n);

    const live = await take(stream, 4);
    expect(live.map((event) => [event.type, event.payment.status])).toEqual([
      ["CREATED", "PENDING"],
      ["SUBMITTED", "SUBMITTED"],
      ["CONFIRMED", "CONFIRMED"],
      ["FINALIZED", "FINALIZED"],
    ]);
    await stream.return?.();
  });

  test("counts confirmations up to the chain's finality depth, then finalizes (outgoing and incoming)", async () => {
    const [alice] = await tenantWithAccounts(1, "payer");
    const [carol] = await tenantWithAccounts(1, "payee");
    if (!alice || !carol) throw new Error("seed");
    await fund(alice);
    const tracker = await startTracker({ adapter: adapterWith(bed.adapter, { finalityDepth: 3 }) });

    const sent = await send(alice, carol.account.address, 40n, tracker);
    const finalized = await waitForStatus(sent.id, "FINALIZED");
    expect(finalized.confirmations).toBe(3);
    expect(await eventTypes(sent)).toEqual(["CREATED", "SUBMITTED", "CONFIRMED", "FINALIZED"]);

    const [received] = await vi.waitFor(async () => {
      const list = await incoming(carol);
      expect(list[0]?.status).toBe("FINALIZED");
      return list;
    });
    expect(received?.confirmations).toBe(3);
    expect(received && (await eventTypes(received))).toEqual(["RECEIVED", "FINALIZED"]);
  });

  test("a transfer to a known address becomes an INCOMING payment of that tenant, gateway or not, in the subnet's asset only", async () => {
    const [alice] = await tenantWithAccounts(1, "payer");
    const [carol] = await tenantWithAccounts(1, "payee");
    if (!alice || !carol) throw new Error("seed");
    // A subnet of the payee tenant in an issued token: native coins sent to its account are not its payments.
    const issuer = keyPairSigner((await seedAccount(bed.store, carol.subnet)).key);
    const token = await bed.adapter.issueAsset?.({
      issuer,
      name: "acme",
      symbol: "ACME",
      decimals: 2,
      supply: 10_000n,
    });
    if (!token) throw new Error("no issueAsset");
    const tokenSubnet = await seedSubnet(
      bed.store,
      { id: carol.account.tenantId, name: "payee", createdAt: new Date() },
      assetRecord(token),
    );
    const dave: Party = { subnet: tokenSubnet, ...(await seedAccount(bed.store, tokenSubnet)) };
    await fund(alice);
    await startTracker();

    // From outside the gateway: the faucet.
    const { hash: faucetHash } = (await bed.adapter.faucet?.(carol.account.address, native, 777n)) ?? {
      hash: "",
    };
    // From another tenant through the gateway, with a memo.
    const sent = await send(alice, carol.account.address, 55n, undefined, "invoice 12");
    // Native to the token subnet's account: not a payment of that subnet.
    await send(alice, dave.account.address, 9n);
    // The token to it: a payment.
    const tokenTx = await bed.adapter.prepareTransfer({
      from: issuer,
      to: dave.account.address,
      asset: token,
      amount: 125n,
    });
    await bed.adapter.broadcast(tokenTx);

    const carols = await vi.waitFor(
      async () => {
        const list = await incoming(carol);
        expect(list).toHaveLength(2);
        return list;
      },
      { timeout: 15_000 },
    );
    const byTx = new Map(carols.map((p) => [p.txHash, p]));
    expect(byTx.get(faucetHash)).toMatchObject({
      amount: 777n,
      status: "FINALIZED",
      direction: "INCOMING",
      toAddress: carol.account.address,
    });
    expect(byTx.get(sent.txHash)).toMatchObject({
      amount: 55n,
      status: "FINALIZED",
      fromAddress: alice.account.address,
      memo: "invoice 12",
      confirmations: 1,
      subnetId: carol.subnet.id,
      tenantId: carol.account.tenantId,
    });
    for (const received of carols) expect(await eventTypes(received)).toEqual(["RECEIVED"]);

    const daves = await vi.waitFor(
      async () => {
        const list = await incoming(dave);
        expect(list.length).toBeGreaterThan(0);
        return list;
      },
      { timeout: 15_000 },
    );
    expect(daves.map((p) => [p.txHash, p.amount, p.asset.id])).toEqual([[tokenTx.hash, 125n, token.id]]);
    // The sender's own tenant sees no INCOMING for its outgoing payment.
    expect(await incoming(alice)).toEqual([]);
  });

  test("a restarted tracker resumes from its progress, and a re-run of applied blocks duplicates nothing", async () => {
    const [alice, bob] = await tenantWithAccounts(2, "payer");
    const [carol] = await tenantWithAccounts(1, "payee");
    if (!alice || !bob || !carol) throw new Error("seed");
    await fund(alice);
    const first = await startTracker();
    const startedAt = first.progress();
    if (!startedAt) throw new Error("no progress");
    const one = await send(alice, carol.account.address, 10n, first);
    await waitForStatus(one.id, "FINALIZED");
    await stopTracker(first);

    // While no tracker runs: a payment lands and an outsider pays carol.
    const two = await send(alice, bob.account.address, 20n);
    await bed.adapter.faucet?.(carol.account.address, native, 30n);
    const headWhileStopped = await bed.adapter.head();
    expect((await payment(two.id)).status).toBe("SUBMITTED");

    const second = await startTracker();
    await waitForStatus(two.id, "FINALIZED");
    await waitForHeight(second, headWhileStopped.height);
    expect((await incoming(carol)).map((p) => p.amount).sort()).toEqual([10n, 30n]);
    await stopTracker(second);

    // As if every block since the first start had to be applied again (a crash before progress was kept).
    const tenants = [alice.account.tenantId, carol.account.tenantId];
    const eventsBefore = await allEvents(tenants);
    const head = await bed.adapter.head();
    // (With the fence the last tracker claimed: a write with an older one would be refused.)
    const claimed = (await bed.store.getChainProgress(startedAt.chainId))?.fence ?? 0n;
    await bed.store.setChainProgress({ ...startedAt, fence: claimed });
    const third = await startTracker();
    await waitForHeight(third, head.height + 2n);
    expect(await allEvents(tenants)).toEqual(eventsBefore);
    expect((await incoming(carol)).map((p) => p.amount).sort()).toEqual([10n, 30n]);
    expect(await balance(bob.account.address)).toBe(20n);
  });

  test("two trackers on one chain (a replica that lost its lease, and its successor): only the later claimer applies blocks", async () => {
    const [alice] = await tenantWithAccounts(1, "payer");
    const [carol] = await tenantWithAccounts(1, "payee");
    if (!alice || !carol) throw new Error("seed");
    await fund(alice);
    const stale = await startTracker();
    const claimedByStale = stale.progress();
    const current = await startTracker();
    const one = await send(alice, carol.account.address, 10n, stale);
    current.track(one);
    await waitForStatus(one.id, "FINALIZED");
    await waitForHeight(current, (await bed.adapter.head()).height);

    // The stale tracker's block writes were refused: its progress never moved past where it started.
    expect(stale.progress()?.height).toBe(claimedByStale?.height);
    // Each step happened once, and the payee got one INCOMING payment.
    expect(await eventTypes(one)).toEqual(["CREATED", "SUBMITTED", "CONFIRMED", "FINALIZED"]);
    expect((await incoming(carol)).map((received) => received.amount)).toEqual([10n]);
  });

  test("a submitted payment that never lands fails EXPIRED once the chain is past its validity", async () => {
    const [erin, bob] = await tenantWithAccounts(2);
    if (!erin || !bob) throw new Error("seed");
    await fund(erin);
    const tracker = await startTracker();
    const recorded = await recordExpiring(
      erin,
      bob.account.address,
      5n,
      (await bed.adapter.head()).height + 3n,
    );
    // Marked SUBMITTED, but the broadcast never reached the chain (a node that lost its mempool).
    const events = await bed.store.applyPaymentChanges([
      { paymentId: recorded.id, patch: { status: "SUBMITTED" }, eventType: "SUBMITTED", at: new Date() },
    ]);
    if (events[0]) tracker.track(events[0].payment);

    const failed = await waitForStatus(recorded.id, "FAILED");
    expect(failed.errorCode).toBe("EXPIRED");
    expect(await eventTypes(recorded)).toEqual(["CREATED", "SUBMITTED", "FAILED"]);
    expect(await balance(erin.account.address)).toBe(1_000_000n);
  });

  test("stored transactions the chain never got are sent while it runs: once, with the same bytes", async () => {
    const [alice, bob] = await tenantWithAccounts(2);
    if (!alice || !bob) throw new Error("seed");
    await fund(alice);
    await startTracker({ resend: { everyMs: 50, olderThanMs: 0 } });
    // Stored, then the broadcast met an unavailable chain: left PENDING.
    const pending = await prepareAndRecord(alice, bob.account.address, 11n);
    // Broadcast, then the node lost its mempool: SUBMITTED but unknown to the chain.
    const lost = await prepareAndRecord(alice, bob.account.address, 22n);
    const events = await bed.store.applyPaymentChanges([
      { paymentId: lost.id, patch: { status: "SUBMITTED" }, eventType: "SUBMITTED", at: new Date() },
    ]);
    bed.bus.publishPaymentEvents(events);

    const [first, second] = await Promise.all([
      waitForStatus(pending.id, "FINALIZED"),
      waitForStatus(lost.id, "FINALIZED"),
    ]);
    expect([first.txHash, second.txHash]).toEqual([pending.txHash, lost.txHash]);
    expect(await eventTypes(pending)).toEqual(["CREATED", "SUBMITTED", "CONFIRMED", "FINALIZED"]);
    expect(await eventTypes(lost)).toEqual(["CREATED", "SUBMITTED", "CONFIRMED", "FINALIZED"]);
    expect(await balance(bob.account.address)).toBe(33n);
  });

  test("a failed block write is retried from the last applied block: nothing is missed", async () => {
    const [alice, bob] = await tenantWithAccounts(2);
    if (!alice || !bob) throw new Error("seed");
    await fund(alice);
    let failures = 0;
    // The store refuses the first block that confirms something, once.
    const flaky = new Proxy(bed.store, {
      get(target, property) {
        const value = Reflect.get(target, property, target);
        if (property !== "applyPaymentChanges")
          return typeof value === "function" ? value.bind(target) : value;
        return (...args: Parameters<Store["applyPaymentChanges"]>) => {
          if (failures === 0 && args[0].some((change) => change.eventType === "CONFIRMED")) {
            failures++;
            return Promise.reject(new Error("disk full (injected)"));
          }
          return target.applyPaymentChanges(...args);
        };
      },
    });
    const tracker = await startTracker({ store: flaky });
    const sent = await send(alice, bob.account.address, 5n, tracker);
    await waitForStatus(sent.id, "FINALIZED");
    expect(failures).toBe(1);
    expect(await eventTypes(sent)).toEqual(["CREATED", "SUBMITTED", "CONFIRMED", "FINALIZED"]);
    await vi.waitFor(() => expect(tracker.ready()).toBe(true));
  });

  test("a rollback takes confirmations back (REORGED) and the blocks that follow confirm them again", async () => {
    const [alice] = await tenantWithAccounts(1, "payer");
    const [carol] = await tenantWithAccounts(1, "payee");
    if (!alice || !carol) throw new Error("seed");
    await fund(alice);
    let handlers: WatchParameters | undefined;
    // A chain that never finalizes, so the payments stay CONFIRMED and a rollback can reach them.
    const tracker = await startTracker({
      adapter: adapterWith(bed.adapter, { finalityDepth: 1_000, reorgs: true }, (h) => {
        handlers = h;
      }),
    });
    const sent = await send(alice, carol.account.address, 60n, tracker);
    const confirmed = await waitForStatus(sent.id, "CONFIRMED");
    const [received] = await vi.waitFor(async () => {
      const list = await incoming(carol);
      expect(list).toHaveLength(1);
      return list;
    });
    if (!received || confirmed.blockHeight === null || !handlers?.onRollback) throw new Error("setup");

    await handlers.onRollback(confirmed.blockHeight - 1n);
    // The replayed block holds the same transaction: confirmed again, same payments, no duplicate.
    await vi.waitFor(
      async () => {
        expect(await eventTypes(sent)).toEqual(["CREATED", "SUBMITTED", "CONFIRMED", "REORGED", "CONFIRMED"]);
        expect(await eventTypes(received)).toEqual(["RECEIVED", "REORGED", "CONFIRMED"]);
      },
      { timeout: 15_000 },
    );
    expect((await payment(sent.id)).blockHeight).toBe(confirmed.blockHeight);
    expect((await payment(received.id)).status).toBe("CONFIRMED");
    expect(await incoming(carol)).toHaveLength(1);
  });
});

describe("PaymentTracker start-up reconcile", () => {
  test("a payment stored PENDING with bytes never broadcast is broadcast once and lands once", async () => {
    const [alice, bob] = await tenantWithAccounts(2);
    if (!alice || !bob) throw new Error("seed");
    await fund(alice);
    const stored = await prepareAndRecord(alice, bob.account.address, 1_234n);

    // The first start broadcasts it and stops at once; the next start finds it sent (pending or
    // included) and follows it; the one after finds nothing to do. It is never sent again.
    await stopTracker(await startTracker());
    await stopTracker(await startTracker());
    const again = await startTracker();
    await waitForStatus(stored.id, "FINALIZED");
    await waitForHeight(again, (await bed.adapter.head()).height + 2n);
    expect(await balance(bob.account.address)).toBe(1_234n);
    expect(await balance(alice.account.address)).toBe(1_000_000n - 1_234n);
    expect(await eventTypes(stored)).toEqual(["CREATED", "SUBMITTED", "CONFIRMED", "FINALIZED"]);
  });

  test("a payment already on chain is confirmed from its transaction status", async () => {
    const [alice, bob] = await tenantWithAccounts(2);
    if (!alice || !bob) throw new Error("seed");
    await fund(alice);
    const sent = await send(alice, bob.account.address, 70n);
    const included = await vi.waitFor(async () => {
      const status = await bed.adapter.getTransactionStatus(sent.txHash ?? "");
      if (status.state !== "INCLUDED") throw new Error(`still ${status.state}`);
      return status;
    });
    // No progress yet: the watch starts at the head, after the block that holds the payment.
    await startTracker();
    const finalized = await waitForStatus(sent.id, "FINALIZED");
    expect(finalized).toMatchObject({ blockHeight: included.height, blockHash: included.blockHash });
    expect(await eventTypes(sent)).toEqual(["CREATED", "SUBMITTED", "CONFIRMED", "FINALIZED"]);
    expect(await balance(bob.account.address)).toBe(70n);
  });

  test("an expired transaction fails EXPIRED, an unsent payment fails NOT_SENT, a refused one CHAIN_REJECTED", async () => {
    const [alice, bob, erin] = await tenantWithAccounts(3);
    if (!alice || !bob || !erin) throw new Error("seed");
    await fund(alice);
    await fund(erin);

    // Signed with an expiry one block ahead, stored, never broadcast, and the chain moves past it.
    const head = await bed.adapter.head();
    const expired = await recordExpiring(erin, bob.account.address, 5n, head.height + 1n);
    // Recorded, then the gateway stopped before signing.
    const unsent = await recordAndPublish(
      bed.store,
      bed.bus,
      newOutgoingPayment(alice.account, alice.subnet, { toAddress: bob.account.address, amount: 6n }),
    );
    // Signed with a nonce another transaction then used: the chain can never take it.
    const refused = await prepareAndRecord(alice, bob.account.address, 7n);
    bed.adapter.resetNonce?.(alice.account.address);
    const other = await bed.adapter.prepareTransfer({
      from: alice.signer,
      to: bob.account.address,
      asset: native,
      amount: 8n,
    });
    expect(other.nonce).toBe(refused.nonce);
    await bed.adapter.broadcast(other);
    await vi.waitFor(async () => {
      expect((await bed.adapter.head()).height).toBeGreaterThan(head.height + 2n);
      expect((await bed.adapter.getTransactionStatus(other.hash)).state).toBe("INCLUDED");
    });

    await startTracker();
    expect(await payment(expired.id)).toMatchObject({ status: "FAILED", errorCode: "EXPIRED" });
    expect((await payment(expired.id)).errorMessage).toMatch(/never included/);
    expect(await payment(unsent.id)).toMatchObject({ status: "FAILED", errorCode: "NOT_SENT" });
    expect(await payment(refused.id)).toMatchObject({ status: "FAILED", errorCode: "CHAIN_REJECTED" });
    expect((await payment(refused.id)).errorMessage).toMatch(/NONCE/);
    for (const failed of [expired, unsent, refused])
      expect(await eventTypes(failed)).toEqual(["CREATED", "FAILED"]);
    expect(await balance(erin.account.address)).toBe(1_000_000n);
    expect(await balance(bob.account.address)).toBe(8n);
  });
});

test("PaymentTracker: with failUnsigned false, a payment recorded but never signed is left to its sender", async () => {
  const [alice, bob] = await tenantWithAccounts(2);
  if (!alice || !bob) throw new Error("seed");
  const unsigned = await recordAndPublish(
    bed.store,
    bed.bus,
    newOutgoingPayment(alice.account, alice.subnet, { toAddress: bob.account.address, amount: 6n }),
  );
  await startTracker({ failUnsigned: false });
  expect((await payment(unsigned.id)).status).toBe("PENDING");
  expect(await eventTypes(unsigned)).toEqual(["CREATED"]);
});
