import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import {
  type GatewayProcess,
  PROJECT_ROOT,
  startGatewayProcess,
  VALUE_GATEWAY_BIN,
} from "./support/gatewayProcess.ts";
import { eventually, GraphQLTestClient } from "./support/graphqlTestClient.ts";
import { createPaymentBurstParties, paymentHistory, sum } from "./support/paymentBurst.ts";

const PAYMENTS = 300;
const SENDERS = 4;
// SIGKILL once this many payments were answered: the rest are still in flight (or not yet sent).
const KILL_AFTER_ANSWERS = 60;
const FUNDING = "1000";

const SEND = `mutation ($input: SendPaymentInput!) {
  sendPayment(input: $input) { replayed payment { id status amount txHash idempotencyKey } }
}`;

interface SendInput {
  fromAccountId: string;
  to: { address: string };
  amount: string;
  memo: string;
  idempotencyKey: string;
}

interface SentPayment {
  id: string;
  status: string;
  amount: string;
  txHash: string | null;
  idempotencyKey: string;
}

interface Answer {
  replayed: boolean;
  payment: SentPayment;
}

type Attempt =
  | { kind: "answer"; answer: Answer }
  | { kind: "retry"; why: string }
  | { kind: "error"; why: string };

/** One sendPayment over HTTP, classified: an answer, a reason to retry (the gateway is away), or a refusal. */
async function sendOnce(client: GraphQLTestClient, input: SendInput): Promise<Attempt> {
  let response: Response;
  try {
    response = await fetch(client.url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${client.apiKey}` },
      body: JSON.stringify({ query: SEND, variables: { input } }),
      signal: AbortSignal.timeout(15_000),
    });
  } catch (error) {
    return { kind: "retry", why: `no response: ${String(error)}` };
  }
  let body: {
    data?: { sendPayment?: Answer } | null;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  try {
    body = (await response.json()) as typeof body;
  } catch (error) {
    // The connection died mid-answer: the client never got one.
    return { kind: "retry", why: `cut-off response: ${String(error)}` };
  }
  const answer = body.data?.sendPayment;
  if (answer && !body.errors?.length) return { kind: "answer", answer };
  const codes = (body.errors ?? []).map((error) => error.extensions?.code);
  const why = JSON.stringify(body.errors);
  return codes.every((code) => code === "CHAIN_UNAVAILABLE") && codes.length > 0
    ? { kind: "retry", why }
    : { kind: "error", why };
}

/** Retries one request, same key and input, until it is answered (or refused, or time is up). */
async function sendUntilAnswered(
  client: GraphQLTestClient,
  input: SendInput,
  deadline: number,
): Promise<Attempt> {
  let delay = 50;
  for (;;) {
    const attempt = await sendOnce(client, input);
    if (attempt.kind !== "retry" || Date.now() > deadline) return attempt;
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 1_000);
  }
}

/** `value-gateway refchain verify` on a data directory: its exit code and output. */
function verifyRefchain(dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VALUE_GATEWAY_BIN, "refchain", "verify", "--data-dir", dataDir], {
      cwd: PROJECT_ROOT,
    });
    let output = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => {
      output += text;
    });
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      output += text;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

describe("the gateway under kill -9", () => {
  const started: GatewayProcess[] = [];
  const dataDirs: string[] = [];
  afterEach(async () => {
    for (const gateway of started.splice(0)) await gateway.kill("SIGKILL");
    for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  test("SIGKILL mid-burst, restart, retry every key: one payment per key, none paid twice, nothing answered is lost, balances add up, the chain verifies", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "gateway-crash-"));
    dataDirs.push(dataDir);
    const start = async () => {
      const gateway = await startGatewayProcess({ dataDir, readyTimeoutMs: 20_000 });
      started.push(gateway);
      return gateway;
    };

    // --- Setup: tenant A with SENDERS funded managed accounts, tenant B with one account.
    const first = await start();
    const {
      payer: a,
      payee: b,
      senders,
      receiver,
      decimals,
      units,
      balanceOf,
    } = await createPaymentBurstParties(first, {
      payer: "Crash Payer",
      payee: "Crash Payee",
      senders: SENDERS,
      funding: FUNDING,
    });
    expect(decimals).toBeGreaterThanOrEqual(4); // the amounts below have 4 decimals
    expect(senders.map((account) => account.custody)).toEqual(senders.map(() => "MANAGED"));
    for (const account of senders) expect(await balanceOf(a.client, account.id)).toBe(units(FUNDING));
    expect(await balanceOf(b.client, receiver.id)).toBe(0n);

    // --- The burst: distinct keys, distinct amounts (1.0001, 1.0002, …) so every sum is checkable.
    const inputs: SendInput[] = Array.from({ length: PAYMENTS }, (_, i) => ({
      fromAccountId: (senders[i % SENDERS] as { id: string }).id,
      to: { address: receiver.address },
      amount: `1.${String(i + 1).padStart(4, "0")}`,
      memo: `crash ${i}`,
      idempotencyKey: `crash-${i}`,
    }));
    const inputOf = new Map(inputs.map((input) => [input.idempotencyKey, input]));
    // Every answer that reached the client came from the first gateway, so it was given before the kill.
    const answeredBeforeKill = new Map<string, Answer>();
    const refusedBeforeKill: string[] = [];
    let inFlightAtKill = 0;
    let killed = false;
    await Promise.all(
      inputs.map(async (input) => {
        const attempt = await sendOnce(a.client, input);
        if (attempt.kind === "answer") answeredBeforeKill.set(input.idempotencyKey, attempt.answer);
        if (attempt.kind === "error") refusedBeforeKill.push(`${input.idempotencyKey}: ${attempt.why}`);
        if (!killed && answeredBeforeKill.size >= KILL_AFTER_ANSWERS) {
          killed = true;
          inFlightAtKill = PAYMENTS - answeredBeforeKill.size - refusedBeforeKill.length;
          void first.kill("SIGKILL");
        }
      }),
    );
    expect(killed, "the burst ended before enough answers came to kill the gateway").toBe(true);
    expect(await first.exited).toEqual({ code: null, signal: "SIGKILL" });
    expect(refusedBeforeKill).toEqual([]);
    // Both kinds are needed to prove anything: answered payments to keep, in-flight ones to recover.
    expect(answeredBeforeKill.size).toBeGreaterThanOrEqual(KILL_AFTER_ANSWERS);
    expect(inFlightAtKill).toBeGreaterThan(0);
    for (const answer of answeredBeforeKill.values()) expect(answer.replayed).toBe(false);

    // --- Restart on the same DATA_DIR: the same keys, a new port.
    const second = await start();
    expect(second.adminKey).toBe(first.adminKey);
    const clientA = new GraphQLTestClient(second.url, second.wsUrl, a.apiKey);
    const clientB = new GraphQLTestClient(second.url, second.wsUrl, b.apiKey);

    // --- The client retries EVERY request, same key and input, until it is answered.
    const deadline = Date.now() + 20_000;
    const retries = await Promise.all(inputs.map((input) => sendUntilAnswered(clientA, input, deadline)));
    const answers = new Map<string, Answer>();
    const unanswered: string[] = [];
    retries.forEach((attempt, i) => {
      const key = (inputs[i] as SendInput).idempotencyKey;
      if (attempt.kind === "answer") answers.set(key, attempt.answer);
      else unanswered.push(`${key}: ${attempt.kind} ${attempt.why}`);
    });
    expect(unanswered, second.output()).toEqual([]);
    for (const input of inputs) {
      const answer = answers.get(input.idempotencyKey) as Answer;
      expect(answer.payment.idempotencyKey).toBe(input.idempotencyKey);
      expect(units(answer.payment.amount)).toBe(units(input.amount));
      const before = answeredBeforeKill.get(input.idempotencyKey);
      if (before) {
        // Answered before the crash: the retry is that very payment, replayed.
        expect(answer.replayed, input.idempotencyKey).toBe(true);
        expect(answer.payment.id, input.idempotencyKey).toBe(before.payment.id);
      }
    }
    expect(new Set([...answers.values()].map((answer) => answer.payment.id)).size).toBe(PAYMENTS);

    // --- Every payment reaches a final status (bounded wait); the histories hold one payment per key.
    const outgoing = await eventually(async () => {
      const all = (
        await Promise.all(senders.map((account) => paymentHistory(clientA, account.id, "OUTGOING")))
      ).flat();
      return all.every((payment) => payment.status === "FINALIZED" || payment.status === "FAILED")
        ? all
        : undefined;
    }, 15_000);
    expect(outgoing).toHaveLength(PAYMENTS);
    const byKey = new Map<string, string[]>();
    for (const payment of outgoing) {
      const key = payment.idempotencyKey ?? "(none)";
      byKey.set(key, [...(byKey.get(key) ?? []), payment.id]);
    }
    for (const input of inputs) {
      expect(byKey.get(input.idempotencyKey), input.idempotencyKey).toEqual([
        answers.get(input.idempotencyKey)?.payment.id,
      ]);
    }
    const failed = outgoing.filter((payment) => payment.status === "FAILED");
    for (const payment of failed) expect(payment.error?.message, payment.idempotencyKey ?? "").toBeTruthy();
    // Funds are ample and the chain healthy: a payment that fails here failed because of the crash, i.e.
    // the gateway lost or replaced a transaction it had stored. Soft, so the money checks below still run.
    expect
      .soft(
        failed.map(
          (payment) =>
            `${payment.idempotencyKey} (${answeredBeforeKill.has(payment.idempotencyKey ?? "") ? "answered" : "unanswered"} before the kill): ${payment.error?.code} ${payment.error?.message}`,
        ),
        "payments that FAILED after the crash",
      )
      .toEqual([]);
    const finalized = outgoing.filter((payment) => payment.status === "FINALIZED");

    // --- On chain: B got exactly the finalized payments, A paid exactly those (refchain has no fees).
    const total = sum(finalized.map((payment) => units(payment.amount)));
    const paidBy = (accountId: string) =>
      sum(
        finalized
          .filter((payment) => inputOf.get(payment.idempotencyKey ?? "")?.fromAccountId === accountId)
          .map((payment) => units(payment.amount)),
      );
    expect(await balanceOf(clientB, receiver.id)).toBe(total);
    for (const account of senders) {
      expect(await balanceOf(clientA, account.id), account.id).toBe(units(FUNDING) - paidBy(account.id));
    }
    expect(sum(senders.map((account) => paidBy(account.id)))).toBe(total);

    // --- B's history: one INCOMING payment per transfer, each with its own transaction.
    const finalizedHashes = finalized.map((payment) => payment.txHash);
    expect(new Set(finalizedHashes).size).toBe(finalized.length);
    const incoming = await eventually(async () => {
      const all = await paymentHistory(clientB, receiver.id, "INCOMING");
      return all.length >= finalized.length ? all : undefined;
    }, 10_000);
    expect(incoming).toHaveLength(finalized.length);
    expect(new Set(incoming.map((payment) => payment.txHash)).size).toBe(incoming.length);
    expect(new Set(incoming.map((payment) => payment.txHash))).toEqual(new Set(finalizedHashes));
    expect(sum(incoming.map((payment) => units(payment.amount)))).toBe(total);

    // --- A clean stop (soft: the chain check below runs either way), then the chain replays from genesis.
    expect
      .soft(
        await second.kill("SIGTERM"),
        `SIGTERM must close the gateway and exit 0; its output:\n${second.output()}`,
      )
      .toEqual({ code: 0, signal: null });
    const verified = await verifyRefchain(join(dataDir, "refchain"));
    expect(verified.code, verified.output).toBe(0);
  });
});
