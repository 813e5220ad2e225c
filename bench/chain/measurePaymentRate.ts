import type { GraphQLResponse, GraphQLTestClient } from "../../test/e2e/support/graphqlTestClient.ts";
import type { ClosedLoopResult } from "./closedLoop.ts";
import { runSendLoop, type SendLoopShape } from "./sendLoop.ts";

/** Senders are ids of funded MANAGED accounts; recipients are addresses (as the baseline pays them). */
export interface PaymentRateParameters extends SendLoopShape<string, string> {
  /** A client with the key of the tenant that owns the senders. */
  client: GraphQLTestClient;
  /** A decimal amount of the subnet's asset. */
  amount: string;
}

export interface PaymentRateResult {
  run: ClosedLoopResult;
  /** Ids of the payments the measured run created (the ones answered after the window included). */
  accepted: string[];
}

const SEND_PAYMENT =
  "mutation ($input: SendPaymentInput!) { sendPayment(input: $input) { replayed payment { id status } } }";

type SendPaymentData = { sendPayment: { replayed: boolean; payment: { id: string; status: string } } };

/**
 * sendPayment through the gateway, on whatever chain the senders' subnet is on, each sender one
 * payment in flight at a time (the same shape as the chain's baseline), every payment under a new
 * idempotency key. A payment is done when sendPayment answered without error and not FAILED: the
 * gateway answers once its transaction was broadcast.
 */
export async function measurePaymentRate(parameters: PaymentRateParameters): Promise<PaymentRateResult> {
  const { client, amount } = parameters;
  const runId = `evm-${Date.now()}`;
  const accepted: string[] = [];
  const run = await runSendLoop(
    parameters,
    async (fromAccountId, address, { measured, sequence }) => {
      const input = {
        fromAccountId,
        to: { address },
        amount,
        idempotencyKey: `${runId}-${measured ? "run" : "warm"}-${sequence}`,
      };
      const response = await client.request<SendPaymentData>(SEND_PAYMENT, { input });
      const payment = response.data?.sendPayment.payment;
      if (response.errors?.length || !payment) throw new RefusedPayment(codeOf(response));
      if (payment.status === "FAILED") throw new RefusedPayment("FAILED");
      if (measured) accepted.push(payment.id);
    },
    (error) => (error instanceof RefusedPayment ? error.code : String(error)),
  );
  return { run, accepted };
}

class RefusedPayment extends Error {
  constructor(readonly code: string) {
    super(code);
  }
}

const codeOf = (response: GraphQLResponse<unknown>) =>
  response.errors?.[0]?.extensions?.code ?? `HTTP ${response.status}`;
