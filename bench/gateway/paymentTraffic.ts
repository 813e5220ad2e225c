import type { SeededTenant } from "./seedGateway.ts";

const SEND_PAYMENT =
  "mutation ($input: SendPaymentInput!) { sendPayment(input: $input) { replayed payment { id status } } }";

export interface PaymentTraffic {
  /** For loadTest: the next sendPayment, from the next sender in turn, with a key never used before. */
  nextRequest(context: Record<string, unknown>): { body: string; headers: Record<string, string> };
  /** For loadTest: records the payment a response created, or the error code it carried. */
  onResponse(status: number, body: string, context: Record<string, unknown>): void;
  /** Ids of the payments the gateway accepted, by tenant index. */
  accepted: string[][];
  /** Refusals by GraphQL error code (or HTTP status). */
  refused: Map<string, number>;
}

/**
 * sendPayment requests for a load generator: every sender of every tenant in turn, each paying a
 * receiver of its own tenant (by account id) `amount`, each under a unique idempotency key.
 */
export function paymentTraffic(
  tenants: readonly SeededTenant[],
  runId: string,
  amount: string,
): PaymentTraffic {
  const senders = tenants.flatMap((tenant, t) =>
    tenant.senders.map((sender, s) => ({
      t,
      from: sender.id,
      to: tenant.receivers[s % tenant.receivers.length]?.id ?? sender.id,
      headers: { authorization: `Bearer ${tenant.apiKey}` },
    })),
  );
  let sent = 0;
  const accepted = tenants.map((): string[] => []);
  const refused = new Map<string, number>();
  const refuse = (code: string) => refused.set(code, (refused.get(code) ?? 0) + 1);
  return {
    accepted,
    refused,
    nextRequest(context) {
      const n = sent++;
      const sender = senders[n % senders.length];
      if (!sender) throw new Error("no senders");
      context.tenant = sender.t;
      const input = {
        fromAccountId: sender.from,
        to: { accountId: sender.to },
        amount,
        idempotencyKey: `${runId}-${n}`,
      };
      return { body: JSON.stringify({ query: SEND_PAYMENT, variables: { input } }), headers: sender.headers };
    },
    onResponse(status, body, context) {
      let parsed: {
        data?: { sendPayment?: { payment: { id: string } } } | null;
        errors?: { extensions?: { code?: string } }[];
      };
      try {
        parsed = JSON.parse(body);
      } catch {
        refuse(`HTTP ${status}`);
        return;
      }
      const id = parsed.data?.sendPayment?.payment.id;
      if (id && !parsed.errors?.length) accepted[context.tenant as number]?.push(id);
      else refuse(parsed.errors?.[0]?.extensions?.code ?? `HTTP ${status}`);
    },
  };
}
