import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "graphql-ws";
import { afterEach, describe, expect, test } from "vitest";
import { type GatewayExit, type GatewayProcess, startGatewayProcess } from "./support/gatewayProcess.ts";
import { collect, eventually, GraphQLTestClient } from "./support/graphqlTestClient.ts";
import { createPaymentBurstParties, paymentHistory, sum } from "./support/paymentBurst.ts";

// `value-gateway start` as an operator runs it, sent SIGTERM in the middle of a burst of payments: it
// stops accepting, answers what it had already taken, closes its sockets with 1001 and exits 0; started
// again on the same DATA_DIR, every payment it answered is there and settles, and the money adds up.

const PAYMENTS = 200;
const SENDERS = 4;
// SIGTERM once this many payments were answered: most of the burst is then in flight or not yet sent.
const SIGNAL_AFTER_ANSWERS = 30;
const SOCKETS = 3;
const FUNDING = "1000";
const GOING_AWAY = 1001;

const SEND = `mutation ($input: SendPaymentInput!) {
  sendPayment(input: $input) { payment { id status amount idempotencyKey } }
}`;
const PAYMENT = "query ($id: ID!) { payment(id: $id) { id status amount idempotencyKey } }";

interface SendInput {
  fromAccountId: string;
  to: { address: string };
  amount: string;
  idempotencyKey: string;
}

interface PaymentNode {
  id: string;
  status: string;
  amount: string;
  idempotencyKey: string | null;
}

/** What one sendPayment over HTTP came to. */
type Outcome =
  | { kind: "answer"; payment: PaymentNode; afterSignal: boolean }
  /** The server refused it while closing: HTTP 503, no operation run. */
  | { kind: "refused"; status: number }
  /** No answer: the connection was refused or cut. */
  | { kind: "connection error"; why: string }
  /** Anything else (a GraphQL error, another status): never expected. */
  | { kind: "unexpected"; why: string };

async function sendOnce(
  client: GraphQLTestClient,
  input: SendInput,
  signalled: () => boolean,
): Promise<Outcome> {
  let response: Response;
  try {
    response = await fetch(client.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${client.apiKey}` },
      body: JSON.stringify({ query: SEND, variables: { input } }),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (error) {
    return { kind: "connection error", why: String(error) };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    return { kind: "connection error", why: `cut-off response: ${String(error)}` };
  }
  if (response.status === 503) return { kind: "refused", status: 503 };
  try {
    const body = JSON.parse(text) as {
      data?: { sendPayment?: { payment: PaymentNode } };
      errors?: unknown[];
    };
    const payment = body.data?.sendPayment?.payment;
    if (response.status === 200 && payment && !body.errors?.length)
      return { kind: "answer", payment, afterSignal: signalled() };
  } catch {
    // not JSON: reported below
  }
  return { kind: "unexpected", why: `HTTP ${response.status}: ${text.slice(0, 500)}` };
}

describe("the gateway under SIGTERM", () => {
  const started: GatewayProcess[] = [];
  const sockets: Client[] = [];
  const dataDirs: string[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) await socket.dispose();
    for (const gateway of started.splice(0)) await gateway.kill("SIGKILL");
    for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  test("SIGTERM mid-burst: in-flight payments are answered, sockets closed with 1001, exit 0; after a restart every answered payment settles and the balances add up", {
    timeout: 120_000,
  }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gateway-sigterm-"));
    dataDirs.push(dataDir);
    const start = async () => {
      const gateway = await startGatewayProcess({ dataDir, readyTimeoutMs: 20_000 });
      started.push(gateway);
      return gateway;
    };

    // --- Setup: tenant A with SENDERS funded accounts, tenant B with the receiving account.
    const first = await start();
    const {
      payer: a,
      payee: b,
      senders,
      receiver,
      units,
      balanceOf,
    } = await createPaymentBurstParties(first, {
      payer: "Drain Payer",
      payee: "Drain Payee",
      senders: SENDERS,
      funding: FUNDING,
    });

    // --- Open sockets, each with a live subscription (a first block delivered).
    const closeCodes: number[] = [];
    for (let i = 0; i < SOCKETS; i++) {
      const socket = a.client.ws({ onClose: (code) => closeCodes.push(code) });
      sockets.push(socket);
      await collect(socket, "subscription { chainHeads { height } }", {}).waitFor(1);
    }

    // --- The burst, SIGTERM in the middle of it.
    const inputs: SendInput[] = Array.from({ length: PAYMENTS }, (_, i) => ({
      fromAccountId: (senders[i % SENDERS] as { id: string }).id,
      to: { address: receiver.address },
      amount: `1.${String(i + 1).padStart(4, "0")}`,
      idempotencyKey: `drain-${i}`,
    }));
    // The exit of the signalled process, once SIGTERM is sent.
    let exited: Promise<GatewayExit> | null = null;
    let answers = 0;
    const outcomes = await Promise.all(
      inputs.map(async (input) => {
        const outcome = await sendOnce(a.client, input, () => exited !== null);
        if (outcome.kind === "answer") answers++;
        if (exited === null && answers >= SIGNAL_AFTER_ANSWERS) {
          exited = first.kill("SIGTERM");
        }
        return outcome;
      }),
    );
    // Assigned in the callbacks above, which TypeScript's narrowing does not follow.
    const firstExit = exited as Promise<GatewayExit> | null;
    if (firstExit === null) throw new Error("the burst ended before enough answers came to send SIGTERM");

    // Every request was answered, refused while closing, or had its connection refused or cut.
    const unexpected = outcomes.filter((outcome) => outcome.kind === "unexpected");
    expect(unexpected).toEqual([]);
    const answered = new Map<string, PaymentNode>();
    outcomes.forEach((outcome, i) => {
      if (outcome.kind === "answer") answered.set((inputs[i] as SendInput).idempotencyKey, outcome.payment);
    });
    // Requests in flight when the signal came were finished, not dropped: the drain answered them.
    const answeredAfterSignal = outcomes.filter(
      (outcome) => outcome.kind === "answer" && outcome.afterSignal,
    );
    expect(answeredAfterSignal.length).toBeGreaterThan(0);
    for (const [key, payment] of answered) {
      expect(payment.idempotencyKey).toBe(key);
      expect(payment.status).toBe("SUBMITTED");
    }

    expect(await firstExit, first.output()).toEqual({ code: 0, signal: null });
    // Every open socket was told the server is going away.
    await eventually(async () => (closeCodes.length === SOCKETS ? true : undefined), 5_000);
    expect(closeCodes).toEqual(Array.from({ length: SOCKETS }, () => GOING_AWAY));

    // --- Restart on the same DATA_DIR: every answered payment is there and settles.
    const second = await start();
    const clientA = new GraphQLTestClient(second.url, second.wsUrl, a.apiKey);
    const clientB = new GraphQLTestClient(second.url, second.wsUrl, b.apiKey);
    for (const [key, payment] of answered) {
      const { payment: stored } = await clientA.data<{ payment: PaymentNode | null }>(PAYMENT, {
        id: payment.id,
      });
      expect(stored?.idempotencyKey, key).toBe(key);
    }
    // All of A's outgoing payments (answered or not: one may have been recorded as its connection was cut)
    // reach a final status.
    const outgoing = await eventually(async () => {
      const all = (
        await Promise.all(senders.map((sender) => paymentHistory(clientA, sender.id, "OUTGOING")))
      ).flat();
      return all.every((payment) => payment.status === "FINALIZED" || payment.status === "FAILED")
        ? all
        : undefined;
    }, 30_000);
    const byKey = new Map<string, PaymentNode[]>();
    for (const payment of outgoing) {
      const key = payment.idempotencyKey ?? "(none)";
      byKey.set(key, [...(byKey.get(key) ?? []), payment]);
    }
    // One payment per key, and each answered one is the payment the client was given.
    for (const [key, payments] of byKey) expect(payments, key).toHaveLength(1);
    for (const [key, payment] of answered) expect(byKey.get(key)?.[0]?.id, key).toBe(payment.id);
    // Nothing answered was lost on the way down: a clean stop leaves no payment to fail.
    const failed = outgoing.filter((payment) => payment.status === "FAILED");
    expect(failed.map((payment) => payment.idempotencyKey)).toEqual([]);

    // --- The money: B holds exactly the finalized payments, each sender paid exactly its own.
    const finalized = outgoing.filter((payment) => payment.status === "FINALIZED");
    const inputOf = new Map(inputs.map((input) => [input.idempotencyKey, input]));
    for (const payment of finalized) {
      expect(units(payment.amount)).toBe(units(inputOf.get(payment.idempotencyKey ?? "")?.amount ?? "0"));
    }
    expect(await balanceOf(clientB, receiver.id)).toBe(
      sum(finalized.map((payment) => units(payment.amount))),
    );
    for (const sender of senders) {
      const paid = sum(
        finalized
          .filter((payment) => inputOf.get(payment.idempotencyKey ?? "")?.fromAccountId === sender.id)
          .map((payment) => units(payment.amount)),
      );
      expect(await balanceOf(clientA, sender.id), sender.id).toBe(units(FUNDING) - paid);
    }

    expect(await second.kill("SIGTERM"), second.output()).toEqual({ code: 0, signal: null });
  });
});
