// Where the bench's CPU went, per thread. Linux only (/proc): elsewhere every function answers
// undefined and the bench prints less. Node 20 has no process.threadCpuUsage.
import { readdirSync, readFileSync } from "node:fs";

const TICKS_PER_SECOND = 100; // USER_HZ

/** CPU seconds (user + system) of each thread of this process, by thread id. */
export function threadCpu(): Map<number, number> | undefined {
  try {
    const threads = new Map<number, number>();
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      // Fields after "(comm) ": state is [0], utime [11], stime [12].
      const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
      threads.set(Number(tid), (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND);
    }
    return threads;
  } catch {
    return undefined;
  }
}

/** Per-thread CPU seconds used between two snapshots; threads that ended in between are lost. */
export function threadCpuDelta(before: Map<number, number>, after: Map<number, number>): Map<number, number> {
  const delta = new Map<number, number>();
  for (const [tid, seconds] of after) delta.set(tid, seconds - (before.get(tid) ?? 0));
  return delta;
}

/** Machine-wide CPU seconds busy, and stolen by the hypervisor, summed over CPUs (/proc/stat). */
export function machineCpu(): { busy: number; stolen: number } | undefined {
  try {
    const fields = (readFileSync("/proc/stat", "utf8").split("\n")[0] ?? "")
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
    return {
      busy: (user + nice + system + irq + softirq) / TICKS_PER_SECOND,
      stolen: steal / TICKS_PER_SECOND,
    };
  } catch {
    return undefined;
  }
}
