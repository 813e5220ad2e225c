import { performance } from "node:perf_hooks";

/**
 * Milliseconds since the epoch with sub-millisecond resolution: the bench compares instants taken in
 * two processes (a commit in the gateway, a delivery in a subscriber), where Date.now() would add up
 * to a millisecond of rounding to each side of a latency of a few.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}
