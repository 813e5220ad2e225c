import { Arg, ID, Resolver, Root, Subscription } from "type-graphql";
import { BadUserInputError } from "../../errors/gatewayError.ts";
import { paymentEventStream } from "../../events/paymentEventStream.ts";
import type { GatewayContext } from "../../graphql/gatewayContext.ts";
import type { PaymentEventRecord, PaymentRecord } from "../../store/store.ts";
import { requireTenant } from "../tenant/tenant.service.ts";
import { PaymentEvent, PaymentEventType } from "./payment.type.ts";

const CURSOR = /^(0|[1-9][0-9]{0,18})$/;

function parseCursor(after: string | null | undefined): bigint {
  if (after == null) return -1n; // none given: live events only (see subscribe below)
  if (!CURSOR.test(after)) {
    throw new BadUserInputError("after must be a cursor from a PaymentEvent.", { field: "after" });
  }
  return BigInt(after);
}

@Resolver(() => PaymentEvent)
export class PaymentEventsResolver {
  @Subscription(() => PaymentEvent, {
    description:
      "Changes of your payments, of one account, one subnet, or all. With `after`, replays every event after that cursor first, then goes live: in order, nothing missed.",
    subscribe: async ({ args, context }) => {
      const { caller, services } = context as GatewayContext;
      const tenantId = requireTenant(caller);
      const accountId = (args.accountId as string | null | undefined) ?? undefined;
      const subnetId = (args.subnetId as string | null | undefined) ?? undefined;
      if (accountId && subnetId) {
        throw new BadUserInputError("Give accountId or subnetId, not both.", { field: "subnetId" });
      }
      if (accountId) await services.accounts.getOwned(tenantId, accountId);
      if (subnetId) await services.subnets.getOwned(tenantId, subnetId);
      let after = parseCursor(args.after as string | null | undefined);
      if (after < 0n) after = await services.latestCursor();
      return paymentEventStream({
        store: services.store,
        bus: services.bus,
        filter: { tenantId, ...(accountId ? { accountId } : {}), ...(subnetId ? { subnetId } : {}) },
        after,
      });
    },
  })
  paymentEvents(
    @Root() event: PaymentEventRecord,
    @Arg("accountId", () => ID, { nullable: true }) _accountId: string | null,
    @Arg("subnetId", () => ID, { nullable: true }) _subnetId: string | null,
    @Arg("after", () => String, { nullable: true }) _after: string | null,
  ): { cursor: string; type: PaymentEventType; payment: PaymentRecord; at: Date } {
    return {
      cursor: event.cursor.toString(),
      type: PaymentEventType[event.type],
      payment: event.payment,
      at: event.at,
    };
  }
}
