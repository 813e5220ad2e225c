import type { StaleFence } from "../staleFenceError.ts";
import type { PaymentEventRecord } from "../store.ts";
import type { SqliteWrites } from "./sqliteWrites.ts";

/** The writes the writer thread runs: SqliteWrites' methods, by name. */
export type WriteMethod = {
  [K in keyof SqliteWrites]: SqliteWrites[K] extends (...args: never[]) => unknown ? K : never;
}[keyof SqliteWrites];

export type WriterRequest =
  | { kind: "write"; id: number; method: WriteMethod; args: unknown[] }
  | { kind: "close" };

export type WriterReply =
  | { kind: "result"; id: number; ok: true; value: unknown }
  /**
   * A structured clone keeps an Error's message but not its class, name or own fields: a refused
   * progress write also sends `staleFence`, from which the parent rebuilds the StaleFenceError.
   */
  | { kind: "result"; id: number; ok: false; error: unknown; staleFence?: StaleFence }
  /** One commit's events, in cursor order, sent before that commit's results. */
  | { kind: "events"; events: PaymentEventRecord[] }
  | { kind: "closed" };
