import { pino } from "pino";

export type Logger = pino.Logger;

/** Structured JSON logs on stdout. LOG_LEVEL sets the level (default info; tests use silent). */
export function createLogger(level = process.env.LOG_LEVEL ?? "info"): Logger {
  return pino({ level, base: { service: "value-gateway" } });
}
