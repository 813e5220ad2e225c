import type { Client } from "graphql-ws";

export interface WsOutcome {
  data?: unknown;
  errors?: readonly { message: string; extensions?: Record<string, unknown> }[];
}

/**
 * The first thing a graphql-ws operation gets: its first result, or the errors it was refused with
 * (an Error message). Anything else (the socket closing) rejects. The operation is stopped after.
 */
export function firstOutcome(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<WsOutcome> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      stop();
      outcome();
    };
    const stop = client.subscribe(
      { query, variables },
      {
        next: (result) => settle(() => resolve(result as WsOutcome)),
        error: (error) => settle(() => (Array.isArray(error) ? resolve({ errors: error }) : reject(error))),
        complete: () => settle(() => reject(new Error(`${query.slice(0, 60)} completed without a result`))),
      },
    );
  });
}
