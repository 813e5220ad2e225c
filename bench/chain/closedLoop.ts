import { percentile } from "../gateway/percentile.ts";

export interface ClosedLoopResult {
  /** Operations that succeeded and ended inside the window. */
  done: number;
  /** Every operation that succeeded, the ones that ended after the window included. */
  completed: number;
  /** Operations that threw (whenever they ended), by the name `describeError` gave. */
  failures: Map<string, number>;
  seconds: number;
  perSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
}

/**
 * `workers` loops, each running `operation` again as soon as the last one answered, for `seconds`:
 * exactly `workers` operations in flight at every moment, on both sides of a comparison. Counts the
 * successes that ended inside the window; the ones still in flight at its end are awaited, not counted.
 */
export async function runClosedLoop(parameters: {
  workers: number;
  seconds: number;
  operation: (worker: number, sequence: number) => Promise<void>;
  describeError: (error: unknown) => string;
}): Promise<ClosedLoopResult> {
  const { workers, operation, describeError } = parameters;
  const started = performance.now();
  const deadline = started + parameters.seconds * 1000;
  const latencies: number[] = [];
  const failures = new Map<string, number>();
  let sequence = 0;
  let completed = 0;
  const worker = async (index: number) => {
    while (performance.now() < deadline) {
      const begun = performance.now();
      try {
        await operation(index, sequence++);
        const ended = performance.now();
        completed++;
        if (ended <= deadline) latencies.push(ended - begun);
      } catch (error) {
        const name = describeError(error);
        failures.set(name, (failures.get(name) ?? 0) + 1);
        // A refusing side must not spin: it would starve the other loops of CPU.
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, (_, index) => worker(index)));
  latencies.sort((a, b) => a - b);
  return {
    done: latencies.length,
    completed,
    failures,
    seconds: parameters.seconds,
    perSecond: latencies.length / parameters.seconds,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
  };
}
