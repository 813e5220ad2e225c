/**
 * Starts counting the CPU of processes besides the gateways (a standalone chain node, PostgreSQL,
 * Redis); the returned function ends the count and tells the CPU seconds of each since, by name.
 */
export type OtherCpuMeter = () => () => Record<string, number>;

/** Runs `phase` under `meter` and tells what it returned and each process's CPU as a share of one core. */
export async function withOtherCpu<T>(
  meter: OtherCpuMeter | undefined,
  phase: () => Promise<T>,
): Promise<{ result: T; otherCpu: Record<string, number> }> {
  const stop = meter?.();
  const started = performance.now();
  const result = await phase();
  const seconds = (performance.now() - started) / 1000;
  const cpu = stop?.() ?? {};
  return {
    result,
    otherCpu: Object.fromEntries(Object.entries(cpu).map(([name, s]) => [name, s / seconds])),
  };
}
