/** What a chain's payment bench is run with, from the environment. */
export interface ChainBenchSettings {
  /** Sending accounts on each side of the comparison, each with one payment in flight at a time. */
  senders: number;
  /** Length of the measured run, after `warmupSeconds` of warm-up. */
  seconds: number;
  warmupSeconds: number;
  /** Where the gateway's CPU profile during the payment run goes, when set (BENCH_PROFILE_DIR). */
  profileDir: string | undefined;
  /** The gateway's log level: silent unless `<prefix>_LOG_LEVEL` says otherwise. */
  logLevel: string;
}

/** A number from the environment variable `name`, or `fallback` when it is unset. */
export const numberSetting = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

/** The settings named `<prefix>_SENDERS`, `<prefix>_SECONDS` and `<prefix>_LOG_LEVEL`, and BENCH_PROFILE_DIR. */
export function chainBenchSettings(prefix: string): ChainBenchSettings {
  return {
    senders: numberSetting(`${prefix}_SENDERS`, 16),
    seconds: numberSetting(`${prefix}_SECONDS`, 5),
    warmupSeconds: 1,
    profileDir: process.env.BENCH_PROFILE_DIR,
    logLevel: process.env[`${prefix}_LOG_LEVEL`] ?? "silent",
  };
}
