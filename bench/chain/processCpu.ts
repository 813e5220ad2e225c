import { readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ

/** CPU seconds (user + system, all threads) a process used so far; NaN when unknown (not Linux, gone). */
export function processCpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm) ": utime is [11], stime [12].
    const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return Number.NaN;
  }
}

/**
 * Starts counting the CPU the named processes use (this one included under `self`); the returned
 * function ends the count and tells the CPU seconds of each since.
 */
export function meterProcesses(pids: Record<string, number | undefined>): () => Record<string, number> {
  const before = Object.fromEntries(
    Object.entries(pids).map(([name, pid]) => [name, processCpuSeconds(pid)]),
  );
  return () =>
    Object.fromEntries(
      Object.entries(pids).map(([name, pid]) => [
        name,
        processCpuSeconds(pid) - (before[name] ?? Number.NaN),
      ]),
    );
}

/** CPU seconds by process over `units` units of work, as ms per unit. */
export const cpuPerUnit = (seconds: Record<string, number>, units: number): Record<string, number> =>
  Object.fromEntries(Object.entries(seconds).map(([name, s]) => [name, (1000 * s) / units]));

/** CPU seconds by process over `seconds` of wall time, as a share of one core. */
export const cpuShare = (cpu: Record<string, number>, seconds: number): Record<string, number> =>
  Object.fromEntries(Object.entries(cpu).map(([name, s]) => [name, s / seconds]));
