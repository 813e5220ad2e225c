import { readdirSync, readFileSync } from "node:fs";
import { meterProcesses } from "../chain/processCpu.ts";
import type { OtherCpuMeter } from "../gateway/otherCpu.ts";

const TICKS_PER_SECOND = 100; // USER_HZ

/** The services the replicas share, by the command name of their processes (a backend per connection for PostgreSQL). */
const SERVICES: Record<string, string> = { PostgreSQL: "postgres", Redis: "redis-server" };

/**
 * Counts the CPU of `pids` (by name) and of every PostgreSQL and Redis process on this machine, so a
 * table can say where the machine's CPU went beside the gateways. Linux /proc only: elsewhere every
 * figure is NaN. PostgreSQL and Redis are counted for the SQLite gateway too: what they do then is
 * someone else's work on the same machine.
 */
export function otherProcessCpu(pids: Record<string, number>): OtherCpuMeter {
  return () => {
    const stopPids = meterProcesses(pids);
    const before = commandCpu();
    return () => {
      const after = commandCpu();
      const byService: Record<string, number> = {};
      for (const name of Object.keys(SERVICES)) {
        if (!before || !after) {
          byService[name] = Number.NaN;
          continue;
        }
        let seconds = 0;
        // A process that started during the phase counts from zero; one that ended is lost.
        for (const [pid, now] of after) {
          if (now.name === name) seconds += now.seconds - (before.get(pid)?.seconds ?? 0);
        }
        byService[name] = seconds;
      }
      return { ...stopPids(), ...byService };
    };
  };
}

/** CPU seconds so far of each process of SERVICES, by pid; undefined without /proc. */
function commandCpu(): Map<number, { name: string; seconds: number }> | undefined {
  const names = new Map(Object.entries(SERVICES).map(([name, command]) => [command, name]));
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return undefined;
  }
  const found = new Map<number, { name: string; seconds: number }>();
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const name = names.get(readFileSync(`/proc/${entry}/comm`, "utf8").trim());
      if (name === undefined) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Fields after "(comm) ": utime is [11], stime [12].
      const fields = stat.slice(stat.lastIndexOf(") ") + 2).split(" ");
      found.set(Number(entry), {
        name,
        seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
      });
    } catch {
      // The process ended between the listing and the read.
    }
  }
  return found;
}
