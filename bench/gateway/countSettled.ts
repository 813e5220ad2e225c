import type { GraphQLTestClient } from "../../test/e2e/support/graphqlTestClient.ts";
import { mapConcurrent } from "./mapConcurrent.ts";

export interface SettledCount {
  finalized: number;
  failed: number;
  /** Neither FINALIZED nor FAILED when the wait ended. */
  open: number;
  /** How long it took until none was open (or the wait ended). */
  waitedMs: number;
}

// Under the gateway's default limit of 30 aliases per operation (GATEWAY_MAX_QUERY_ALIASES).
const PER_QUERY = 25;

/**
 * Polls payments by id through the API (PER_QUERY aliased `payment(id)` per query, each tenant with its
 * own key) until every one is FINALIZED or FAILED, or `timeoutMs` passes. Bounded: a bench that
 * waits forever for a stuck payment reports nothing.
 */
export async function countSettled(
  byTenant: readonly { client: GraphQLTestClient; paymentIds: readonly string[] }[],
  timeoutMs: number,
): Promise<SettledCount> {
  const started = Date.now();
  let finalized = 0;
  let failed = 0;
  let open = byTenant.map(({ client, paymentIds }) => ({ client, paymentIds: [...paymentIds] }));
  for (;;) {
    const chunks = open.flatMap(({ client, paymentIds }) =>
      Array.from({ length: Math.ceil(paymentIds.length / PER_QUERY) }, (_, i) => ({
        client,
        ids: paymentIds.slice(i * PER_QUERY, (i + 1) * PER_QUERY),
      })),
    );
    const stillOpen = await mapConcurrent(chunks, 4, async ({ client, ids }) => {
      const query = `{ ${ids.map((id, i) => `p${i}: payment(id: "${id}") { status }`).join(" ")} }`;
      const data = await client.data<Record<string, { status: string } | null>>(query);
      const left: string[] = [];
      ids.forEach((id, i) => {
        const status = data[`p${i}`]?.status;
        if (status === "FINALIZED") finalized++;
        else if (status === "FAILED") failed++;
        else left.push(id);
      });
      return { client, paymentIds: left };
    });
    open = stillOpen.filter((entry) => entry.paymentIds.length > 0);
    const remaining = open.reduce((sum, entry) => sum + entry.paymentIds.length, 0);
    if (remaining === 0 || Date.now() - started > timeoutMs) {
      return { finalized, failed, open: remaining, waitedMs: Date.now() - started };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
