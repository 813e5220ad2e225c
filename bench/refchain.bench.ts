// Throughput and latency of an in-process refchain node, against a baseline measured in the same run:
// how many ed25519 signatures one core verifies per second. Goal: the node commits (durably) at least
// as many transfers per second as one core can merely verify, i.e. (b)/(a) ≥ 1.
//
//   npm run bench:refchain
//   BENCH_TXS=100000 BENCH_BLOCK_MS=50 npm run bench:refchain
//   BENCH_CPU_PROFILE=/tmp/peak.cpuprofile npm run bench:refchain     (main thread during (b))
import { generateKeyPairSync, randomBytes, sign, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import Database from "better-sqlite3";
import { KeyPair } from "../adapters/refchain/chain/keys.ts";
import { RefchainNode } from "../adapters/refchain/chain/node.ts";
import type { SignTransfersJob, SignTransfersResult } from "./signTransfers.ts";
import { machineCpu, threadCpu, threadCpuDelta } from "./threadCpu.ts";

const PEAK_TXS = Number(process.env.BENCH_TXS ?? 80_000);
const SENDERS = 400;
const RECIPIENTS = 1_000;
const BLOCK_TIME_MS = Number(process.env.BENCH_BLOCK_MS ?? 0);
const LATENCY_SECONDS = 4;
// Transactions arrive in bursts of this many per macrotask, as they would from many connections.
const BURST = 500;

const cores = availableParallelism();
const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const pct = (part: number, whole: number) => `${fmt((100 * part) / whole)}%`;
const line = (label: string, value: string) => console.log(`${label.padEnd(34)} ${value}`);
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

/** (a) Single-core ed25519 verification with node:crypto, KeyObjects made once as the node does. */
function measureVerifyRate(seconds: number): number {
  const samples = Array.from({ length: 64 }, () => {
    const { publicKey, privateKey } = generateKeyPairSync("ed25519");
    const message = randomBytes(32);
    return { publicKey, message, signature: sign(null, message, privateKey) };
  });
  for (const s of samples) verify(null, s.message, s.publicKey, s.signature); // warm up
  let count = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  while (performance.now() < end) {
    for (const s of samples) if (verify(null, s.message, s.publicKey, s.signature)) count++;
  }
  return count / ((performance.now() - start) / 1000);
}

/** What one durable commit costs on this disk: SQLite WAL, synchronous=FULL, a one-row transaction. */
function measureCommitMs(dir: string, commits: number): number {
  const db = new Database(join(dir, "fsync-probe.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)");
  const insert = db.prepare("INSERT INTO t (k, v) VALUES (?, ?)");
  const start = performance.now();
  for (let i = 0; i < commits; i++) db.transaction(() => insert.run(i, randomBytes(100)))();
  const ms = (performance.now() - start) / commits;
  db.close();
  return ms;
}

// Node 20 does not hand a worker the --import tsx loader of its parent: register it, then load the TypeScript.
const SIGN_WORKER = `import("tsx/esm/api").then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL("./signTransfers.ts", import.meta.url).href)}); })`;

/** Signs perSender transfers for each sender on all cores; returns them in submission order: nonce by nonce, sender by sender. */
async function signTransfers(
  chainId: string,
  senders: KeyPair[],
  recipients: string[],
  firstNonce: number,
  perSender: number,
): Promise<{ raw: Uint8Array; hash: string }[]> {
  const shares = Array.from({ length: cores }, (_, w) => senders.filter((_, s) => s % cores === w));
  const results = await Promise.all(
    shares.map(
      (share) =>
        new Promise<SignTransfersResult>((resolve, reject) => {
          const job: SignTransfersJob = {
            chainId,
            seeds: share.map((k) => k.seed()),
            recipients,
            firstNonce,
            perSender,
          };
          const worker = new Worker(SIGN_WORKER, { eval: true, workerData: job });
          worker.once("message", resolve);
          worker.once("error", reject);
        }),
    ),
  );
  const out: { raw: Uint8Array; hash: string }[] = [];
  for (let k = 0; k < perSender; k++) {
    for (let s = 0; s < senders.length; s++) {
      const result = results[s % cores] as SignTransfersResult;
      const index = Math.floor(s / cores);
      out.push({ raw: result.raws[index]?.[k] as Uint8Array, hash: result.hashes[index]?.[k] as string });
    }
  }
  return out;
}

/** BENCH_CPU_PROFILE=file.cpuprofile: profiles the main thread during (b) only, for Chrome DevTools. */
async function startProfile(): Promise<{ stop(): Promise<void> } | undefined> {
  const path = process.env.BENCH_CPU_PROFILE;
  if (!path) return undefined;
  const session = new Session();
  session.connect();
  const post = (method: string) =>
    new Promise<unknown>((resolve, reject) =>
      session.post(method, (error, result) => (error ? reject(error) : resolve(result))),
    );
  await post("Profiler.enable");
  await post("Profiler.start");
  return {
    async stop() {
      const { profile } = (await post("Profiler.stop")) as { profile: unknown };
      writeFileSync(path, JSON.stringify(profile));
      session.disconnect();
    },
  };
}

async function main(): Promise<void> {
  const benchStart = performance.now();
  const dataDir = mkdtempSync(join(tmpdir(), "refchain-bench-"));
  console.log(
    `refchain bench: ${cores} cores, node ${process.version}, blockTimeMs ${BLOCK_TIME_MS}, ${fmt(PEAK_TXS)} transfers`,
  );

  // (a) Baseline first, while nothing else runs.
  const verifyRate = measureVerifyRate(2);
  line("(a) ed25519 verify, 1 core", `${fmt(verifyRate)} signatures/s (node:crypto)`);
  const commitMs = measureCommitMs(dataDir, 100);

  // The threads the node starts: its signature verifiers, then its block writer (see RefchainNode).
  const threadsBefore = threadCpu();
  const node = RefchainNode.open({ dataDir: join(dataDir, "chain"), blockTimeMs: BLOCK_TIME_MS });
  const nodeThreads = threadsBefore
    ? [...(threadCpu()?.keys() ?? [])].filter((t) => !threadsBefore.has(t))
    : [];
  nodeThreads.sort((x, y) => x - y);
  try {
    // Fund the senders through the faucet and wait until that is durable.
    const senders = Array.from({ length: SENDERS }, () => KeyPair.generate());
    const recipients = Array.from({ length: RECIPIENTS }, () => KeyPair.generate().address);
    const funded = await Promise.all(senders.map((k) => node.requestFaucet(k.address, 1_000_000_000n)));
    await node.waitForInclusion((funded[funded.length - 1] as { hash: string }).hash);

    const perSender = Math.ceil(PEAK_TXS / SENDERS);
    const signStart = performance.now();
    const peakTxs = await signTransfers(node.chainId, senders, recipients, 0, perSender);
    const signSeconds = (performance.now() - signStart) / 1000;

    // (b) Peak: everything offered as fast as the node takes it, timed until the last block is durable.
    let blocks = 0;
    let blockTxs = 0;
    const stopCounting = node.onBlock((block) => {
      if (block.transactions.length === 0) return;
      blocks++;
      blockTxs += block.transactions.length;
    });
    const profiler = await startProfile();
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const threads0 = threadCpu();
    const machine0 = machineCpu();
    const t0 = performance.now();
    const admitted: Promise<{ hash: string }>[] = [];
    for (let i = 0; i < peakTxs.length; i += BURST) {
      for (const tx of peakTxs.slice(i, i + BURST)) admitted.push(node.submit(tx.raw));
      await tick();
    }
    const outcomes = await Promise.allSettled(admitted);
    const refused = outcomes.filter((o) => o.status === "rejected");
    if (refused.length > 0) {
      throw new Error(
        `${refused.length} transfers refused, first: ${(refused[0] as PromiseRejectedResult).reason}`,
      );
    }
    await node.waitForInclusion((peakTxs[peakTxs.length - 1] as { hash: string }).hash);
    const peakSeconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const threads1 = threadCpu();
    const machine1 = machineCpu();
    const elu = performance.eventLoopUtilization(elu0);
    stopCounting();
    await profiler?.stop();
    const peakRate = peakTxs.length / peakSeconds;
    const ratio = peakRate / verifyRate;
    line(
      "(b) committed transfers",
      `${fmt(peakRate)} tx/s durable (${fmt(peakTxs.length)} in ${fmt(peakSeconds, 2)} s; ${blocks} blocks of ${fmt(blockTxs / Math.max(1, blocks))} on average)`,
    );
    line("(c) ratio (b)/(a)", `${fmt(ratio, 2)}  (goal ≥ 1.00: ${ratio >= 1 ? "met" : "NOT met"})`);

    // The committed state must show every transfer: each sender's nonce advanced by perSender.
    for (const k of senders) {
      if (node.getNonce(k.address).committed !== BigInt(perSender)) {
        throw new Error(`nonce of ${k.address} did not reach ${perSender}`);
      }
    }

    // (d) Latency at half the peak, open loop: submissions follow the clock, not the node's answers.
    const rate = peakRate / 2;
    const latencyPerSender = Math.ceil((rate * LATENCY_SECONDS) / SENDERS);
    const steadyTxs = await signTransfers(node.chainId, senders, recipients, perSender, latencyPerSender);
    const latencies: number[] = [];
    const inclusions: Promise<void>[] = [];
    const start = performance.now();
    let sent = 0;
    while (sent < steadyTxs.length) {
      const due = Math.min(steadyTxs.length, Math.floor(((performance.now() - start) / 1000) * rate));
      for (; sent < due; sent++) {
        const submittedAt = performance.now();
        const { raw } = steadyTxs[sent] as { raw: Uint8Array };
        inclusions.push(
          node
            .submit(raw)
            .then(({ hash }) => node.waitForInclusion(hash))
            .then(() => {
              latencies.push(performance.now() - submittedAt);
            }),
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
    await Promise.all(inclusions);
    latencies.sort((x, y) => x - y);
    line(
      "(d) latency at half peak",
      `p50 ${fmt(percentile(latencies, 50), 1)} ms, p99 ${fmt(percentile(latencies, 99), 1)} ms, max ${fmt(latencies[latencies.length - 1] ?? 0, 1)} ms ` +
        `(${fmt(rate)} tx/s offered for ${LATENCY_SECONDS} s, submit → durable)`,
    );

    // (e) Where (b)'s time went: CPU per thread from /proc, and how much of the wall time the main
    // thread was busy at all (event loop utilization).
    const capacity = cores * peakSeconds;
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const mainBusy = elu.active / 1000;
    const n = peakTxs.length;
    const perTx = (seconds: number) => `${fmt((1e6 * seconds) / n)} µs/transfer`;
    line(
      "(e) CPU during (b)",
      `${fmt(cpuSeconds, 2)} of ${fmt(capacity, 2)} CPU-s (${cores} cores): ${pct(cpuSeconds, capacity)} used`,
    );
    const perThread = threads0 && threads1 ? threadCpuDelta(threads0, threads1) : undefined;
    const known = nodeThreads.length === cores + 1; // verifiers, then the writer
    let verifySeconds = n / verifyRate;
    if (perThread) {
      const main = perThread.get(process.pid) ?? 0;
      const verifiers = known
        ? nodeThreads.slice(0, cores).reduce((sum, t) => sum + (perThread.get(t) ?? 0), 0)
        : 0;
      const writer = known ? (perThread.get(nodeThreads[cores] as number) ?? 0) : 0;
      if (known) verifySeconds = verifiers;
      line(
        "    verifier threads",
        `${fmt(verifiers, 2)} CPU-s, ${fmt((1e6 * verifiers) / n)} µs/signature ((a) alone: ${fmt(1e6 / verifyRate)})`,
      );
      line(
        "    main thread",
        `${fmt(main, 2)} CPU-s, ${perTx(main)}: decode, admission, sealing; busy ${pct(mainBusy, peakSeconds)} of the time`,
      );
      line(
        "    block writer thread",
        `${fmt(writer, 2)} CPU-s, ${perTx(writer)}: SQLite inserts, WAL writes, fsync`,
      );
      line(
        "    other threads",
        `${fmt(cpuSeconds - main - verifiers - writer, 2)} CPU-s, ${perTx(cpuSeconds - main - verifiers - writer)}: garbage collection, I/O`,
      );
    } else {
      line("    main thread", `busy ${pct(mainBusy, peakSeconds)} of the time`);
    }
    line("    one durable SQLite commit", `${fmt(commitMs, 2)} ms (WAL, synchronous=FULL, measured alone)`);
    if (machine0 && machine1) {
      // Other processes or the hypervisor taking CPU make every figure here lower than the machine can do.
      const others = machine1.busy - machine0.busy - cpuSeconds;
      const stolen = machine1.stolen - machine0.stolen;
      if (others + stolen > 0.05 * peakSeconds) {
        line(
          "    NOISE",
          `other processes used ${fmt(others, 2)} CPU-s and the hypervisor stole ${fmt(stolen, 2)} during (b): run again`,
        );
      }
    }
    const why =
      cpuSeconds > 0.9 * capacity
        ? `CPU. All ${cores} cores are busy and ${pct(verifySeconds, cpuSeconds)} of that is checking signatures, which every transfer needs; ` +
          `the rest is the node's own work. The main thread is not the limit (busy ${pct(mainBusy, peakSeconds)}).`
        : mainBusy > 0.9 * peakSeconds
          ? `the main thread: busy ${pct(mainBusy, peakSeconds)} of the time while ${pct(capacity - cpuSeconds, capacity)} of the CPU sat idle`
          : `waiting: neither the CPU (${pct(cpuSeconds, capacity)}) nor the main thread (${pct(mainBusy, peakSeconds)}) is saturated (disk, block timer)`;
    line("    bottleneck", why);
    line(
      "    (setup: signing)",
      `${fmt(n)} transfers signed on ${cores} threads in ${fmt(signSeconds, 1)} s`,
    );
  } finally {
    await node.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  line("bench took", `${fmt((performance.now() - benchStart) / 1000, 1)} s`);
}

await main();
