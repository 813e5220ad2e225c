// The gateway under test, in its own process: startGateway with the environment the bench gives
// (PORT, DATA_DIR, REFCHAIN_BLOCK_TIME_MS; for a replica DATABASE_URL, REDIS_URL, REFCHAIN_URL, …;
// BENCH_LIMITS_AND_METRICS=off),
// plus what only an in-process observer can do: stamp the instant each payment event is published
// (its commit has returned), profile a phase, read the process's CPU time.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { loadConfig } from "../../src/config/config.ts";
import { createLogger } from "../../src/logger.ts";
import { startGateway } from "../../src/startGateway.ts";
import { machineCpu } from "../threadCpu.ts";
import { CpuProfiler } from "./cpuProfiler.ts";
import type { GatewayLoad } from "./meterGateway.ts";
import { serveParent } from "./parentLink.ts";
import { wallClockMs } from "./wallClock.ts";

/** What the child announces when it listens. */
export interface GatewayInfo {
  url: string;
  wsUrl: string;
  adminKey: string;
}

/**
 * What the gateway did while stamping: events published, how many of them were published after one
 * with a higher cursor (each makes every live subscription stream re-read the log to fill the gap),
 * and the event-log reads subscription streams made.
 */
export interface GatewayCounters {
  published: number;
  publishedOutOfOrder: number;
  logReads: number;
}

// The bench measures throughput, not the per-tenant rate limit: off unless the bench's environment
// asks for one.
const config = loadConfig({ GATEWAY_RATE_LIMIT: "off", ...process.env });
// BENCH_LIMITS_AND_METRICS=off: the baseline of bench/hardening (no query limits, no metrics).
const gateway = await startGateway(config, createLogger(process.env.LOG_LEVEL ?? "silent"), {
  limitsAndMetrics: process.env.BENCH_LIMITS_AND_METRICS !== "off",
});

// Payment event cursor → wall-clock ms of its publication. Events are published right after the
// store transaction that wrote them committed, so this is the commit instant as subscribers see it.
let stamps: Map<string, number> | null = null;
let counters: GatewayCounters = { published: 0, publishedOutOfOrder: 0, logReads: 0 };
let highestPublished = -1n;
const { bus, store } = gateway.services;
const publish = bus.publishPaymentEvents.bind(bus);
bus.publishPaymentEvents = (events) => {
  if (stamps) {
    const now = wallClockMs();
    for (const event of events) {
      stamps.set(event.cursor.toString(), now);
      counters.published++;
      if (event.cursor < highestPublished) counters.publishedOutOfOrder++;
    }
  }
  for (const event of events) if (event.cursor > highestPublished) highestPublished = event.cursor;
  publish(events);
};
// Only subscription streams read the event log by cursor.
const readEvents = store.readEvents.bind(store);
store.readEvents = (filter) => {
  if (stamps) counters.logReads++;
  return readEvents(filter);
};

const profiler = new CpuProfiler();

/**
 * Seconds so far: CPU of all threads; the main thread on a CPU and runnable but waiting for one
 * (Linux schedstat; NaN elsewhere); the machine's busy CPU time over all cores.
 */
const cpuSeconds = () => {
  const usage = process.cpuUsage();
  let main = Number.NaN;
  let waiting = Number.NaN;
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8")
      .split(" ")
      .map(Number);
    main = (run ?? Number.NaN) / 1e9;
    waiting = (wait ?? Number.NaN) / 1e9;
  } catch {
    // Not Linux: the figures stay NaN.
  }
  return {
    process: (usage.user + usage.system) / 1e6,
    main,
    waiting,
    machine: machineCpu()?.busy ?? Number.NaN,
  };
};
let meter: {
  cpu: ReturnType<typeof cpuSeconds>;
  startedMs: number;
  loop: ReturnType<typeof monitorEventLoopDelay>;
} | null = null;

serveParent<GatewayInfo>(
  { url: gateway.url, wsUrl: gateway.wsUrl, adminKey: config.adminKey },
  {
    "stamps:start": () => {
      stamps = new Map();
      counters = { published: 0, publishedOutOfOrder: 0, logReads: 0 };
    },
    "stamps:take": (): { stamps: [string, number][]; counters: GatewayCounters } => {
      const taken = [...(stamps ?? [])];
      stamps = null;
      return { stamps: taken, counters };
    },
    "profile:start": () => profiler.start(),
    "profile:stop": (path) => profiler.stop(String(path)),
    "meter:start": () => {
      meter?.loop.disable();
      meter = { cpu: cpuSeconds(), startedMs: wallClockMs(), loop: monitorEventLoopDelay({ resolution: 1 }) };
      meter.loop.enable();
    },
    "meter:stop": (): Omit<GatewayLoad, "bench"> => {
      if (!meter) throw new Error("meter:stop without meter:start");
      const { cpu, startedMs, loop } = meter;
      loop.disable();
      meter = null;
      const now = cpuSeconds();
      const seconds = (wallClockMs() - startedMs) / 1000;
      // The histogram is in ns and includes the 1 ms resolution itself.
      const late = (ns: number) => Math.max(0, ns / 1e6 - 1);
      return {
        main: (now.main - cpu.main) / seconds,
        mainWaitingForCpu: (now.waiting - cpu.waiting) / seconds,
        process: (now.process - cpu.process) / seconds,
        machine: (now.machine - cpu.machine) / seconds / availableParallelism(),
        loopDelayMs: { p50: late(loop.percentile(50)), p99: late(loop.percentile(99)), max: late(loop.max) },
      };
    },
  },
  () => gateway.close(),
);
