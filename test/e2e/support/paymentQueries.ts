import type { PaymentDirection, PaymentEventType, PaymentStatus } from "../../../src/store/store.ts";
import { collect, eventually, type GraphQLTestClient } from "./graphqlTestClient.ts";

// Payments as a tenant reads them through GraphQL: one payment, an account's payments, and the events
// a subscription delivers. The waiting helpers wait for an outcome (eventually), never for a time.

/** In a block: CONFIRMED, or FINALIZED already. */
export const IN_A_BLOCK: readonly PaymentStatus[] = ["CONFIRMED", "FINALIZED"];

/** What every query here selects of a payment: one shape for a payment, a list of them and an event. */
const PAYMENT_FIELDS =
  "id status amount memo fee txHash blockHeight confirmations direction idempotencyKey error { code message } from { address } to { address }";

export interface PaymentView {
  id: string;
  status: PaymentStatus;
  amount: string;
  memo: string | null;
  fee: string | null;
  txHash: string | null;
  blockHeight: string | null;
  confirmations: number;
  direction: PaymentDirection;
  idempotencyKey: string | null;
  error: { code: string; message: string } | null;
  from: { address: string };
  to: { address: string };
}

const PAYMENT = `query ($id: ID!) { payment(id: $id) { ${PAYMENT_FIELDS} } }`;
const PAYMENTS = `query ($id: ID!, $direction: PaymentDirection) {
  account(id: $id) { payments(first: 100, direction: $direction) {
    edges { node { ${PAYMENT_FIELDS} } }
    pageInfo { hasNextPage }
  } }
}`;
const PAYMENT_EVENTS = `subscription ($accountId: ID) {
  paymentEvents(accountId: $accountId, after: "0") { cursor type payment { ${PAYMENT_FIELDS} } }
}`;

export const paymentOf = async (client: GraphQLTestClient, id: string) =>
  (await client.data<{ payment: PaymentView }>(PAYMENT, { id })).payment;

/** Polls a payment until `done` says so, and returns it then. */
export const paymentWhen = (
  client: GraphQLTestClient,
  id: string,
  done: (payment: PaymentView) => boolean,
  timeoutMs?: number,
) =>
  eventually(async () => {
    const payment = await paymentOf(client, id);
    return done(payment) ? payment : undefined;
  }, timeoutMs);

/** Polls a payment until its status is `statuses` (or one of them). */
export const paymentReaching = (
  client: GraphQLTestClient,
  id: string,
  statuses: PaymentStatus | readonly PaymentStatus[],
  timeoutMs?: number,
) => {
  const wanted = typeof statuses === "string" ? [statuses] : statuses;
  return paymentWhen(client, id, (payment) => wanted.includes(payment.status), timeoutMs);
};

/** An account's payments in one direction: the first page, which must hold all of them. */
export async function paymentsOf(client: GraphQLTestClient, accountId: string, direction: PaymentDirection) {
  const { account } = await client.data<{
    account: { payments: { edges: { node: PaymentView }[]; pageInfo: { hasNextPage: boolean } } };
  }>(PAYMENTS, { id: accountId, direction });
  if (account.payments.pageInfo.hasNextPage) {
    throw new Error(
      `account ${accountId} has more ${direction} payments than one page: keep tests under 100`,
    );
  }
  return account.payments.edges.map((edge) => edge.node);
}

/** Polls an account's payments in one direction until `done` says so, and returns them then. */
export const paymentsWhen = (
  client: GraphQLTestClient,
  accountId: string,
  direction: PaymentDirection,
  done: (payments: PaymentView[]) => boolean,
  timeoutMs?: number,
) =>
  eventually(async () => {
    const payments = await paymentsOf(client, accountId, direction);
    return done(payments) ? payments : undefined;
  }, timeoutMs);

export interface PaymentEvent {
  cursor: string;
  type: PaymentEventType;
  payment: PaymentView;
}

/** One step of a payment's event history: what happened, and where it left the payment. */
export interface PaymentStep {
  type: PaymentEventType;
  status: PaymentStatus;
  blockHeight: string | null;
}

/**
 * Subscribes to an account's payment events from the first one (after: "0"), on a socket of its own.
 * close() ends the subscription and the socket.
 */
export function watchPaymentEvents(client: GraphQLTestClient, accountId: string) {
  const socket = client.ws();
  const subscription = collect<{ paymentEvents: PaymentEvent }>(socket, PAYMENT_EVENTS, { accountId });
  const events = () => subscription.items.map((item) => item.paymentEvents);
  const historyOf = (paymentId: string): PaymentStep[] =>
    events()
      .filter((event) => event.payment.id === paymentId)
      .map(({ type, payment }) => ({ type, status: payment.status, blockHeight: payment.blockHeight }));
  return {
    /** The events so far, in the order they came (cursor order). */
    events,
    /** Waits for the first event of `type`, of the transaction `txHash` when given. */
    eventOfType: (type: PaymentEventType, txHash?: string) =>
      eventually(async () =>
        events().find(
          (event) => event.type === type && (txHash === undefined || event.payment.txHash === txHash),
        ),
      ),
    /** One payment's events so far, in order. */
    historyOf,
    /** Waits until one payment has `length` events or more, and returns them then. */
    historyReaching: (paymentId: string, length: number) =>
      eventually(async () => {
        const history = historyOf(paymentId);
        return history.length >= length ? history : undefined;
      }),
    async close() {
      subscription.stop();
      await socket.dispose();
    },
  };
}
