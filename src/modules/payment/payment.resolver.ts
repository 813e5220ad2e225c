import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import type { GatewayContext } from "../../graphql/gatewayContext.ts";
import { addressKey } from "../../graphql/loaders.ts";
import { AmountScalar } from "../../graphql/scalars/amountScalar.ts";
import { formatAmount } from "../../money/amount.ts";
import type { AccountRecord, AssetRecord, PaymentRecord } from "../../store/store.ts";
import { Account } from "../account/account.type.ts";
import { Asset, Chain } from "../chain/chain.type.ts";
import { type ChainView, toChainView } from "../chain/chainView.ts";
import { requireTenant } from "../tenant/tenant.service.ts";
import { SendPaymentInput, SendPaymentPayload } from "./payment.input.ts";
import { Party, Payment, PaymentError } from "./payment.type.ts";

/** The caller's account at `address` on the payment's chain, if it has one there. */
async function ownAccountAt(payment: PaymentRecord, address: string, { loaders }: GatewayContext) {
  const accounts = await loaders.accountsByAddress.load(addressKey(payment.chainId, address));
  return (
    accounts.find(
      (account) => account.tenantId === payment.tenantId && account.subnetId === payment.subnetId,
    ) ??
    accounts.find((account) => account.tenantId === payment.tenantId) ??
    null
  );
}

@Resolver(() => Payment)
export class PaymentResolver {
  @Query(() => Payment, {
    nullable: true,
    description: "One of your payments; another tenant's id answers NOT_FOUND.",
  })
  payment(
    @Arg("id", () => ID) id: string,
    @Ctx() { caller, services }: GatewayContext,
  ): Promise<PaymentRecord> {
    return services.payments.getOwned(requireTenant(caller), id);
  }

  @Mutation(() => SendPaymentPayload, {
    description:
      "Validates, records under the idempotency key, and sends. Answers once the chain has the transaction (SUBMITTED).",
  })
  sendPayment(
    @Arg("input", () => SendPaymentInput) input: SendPaymentInput,
    @Ctx() { caller, services }: GatewayContext,
  ) {
    return services.payments.sendPayment(requireTenant(caller), input);
  }

  @FieldResolver(() => Chain)
  chain(@Root() payment: PaymentRecord, @Ctx() { services }: GatewayContext): ChainView {
    return toChainView(services.chains.adapterOf(payment.chainId));
  }

  @FieldResolver(() => Asset)
  asset(@Root() payment: PaymentRecord): AssetRecord {
    return payment.asset;
  }

  @FieldResolver(() => AmountScalar)
  amount(@Root() payment: PaymentRecord): string {
    return formatAmount(payment.amount, payment.asset.decimals);
  }

  @FieldResolver(() => Account, {
    description: "Your account this payment belongs to: the sender (OUTGOING) or receiver (INCOMING).",
  })
  account(@Root() payment: PaymentRecord, @Ctx() { loaders }: GatewayContext): Promise<AccountRecord | null> {
    return loaders.account.load(payment.accountId);
  }

  @FieldResolver(() => Party)
  async from(@Root() payment: PaymentRecord, @Ctx() context: GatewayContext) {
    const account =
      payment.direction === "OUTGOING"
        ? await context.loaders.account.load(payment.accountId)
        : await ownAccountAt(payment, payment.fromAddress, context);
    return { address: payment.fromAddress, account };
  }

  @FieldResolver(() => Party)
  async to(@Root() payment: PaymentRecord, @Ctx() context: GatewayContext) {
    const id = payment.direction === "INCOMING" ? payment.accountId : payment.toAccountId;
    const account = id
      ? await context.loaders.account.load(id)
      : await ownAccountAt(payment, payment.toAddress, context);
    return { address: payment.toAddress, account };
  }

  @FieldResolver(() => AmountScalar, {
    nullable: true,
    description:
      "What sending cost the sender in the chain's native coin: the network fee, plus the rent of an account the payment opened for the receiver (a Solana token account). null until known (EVM: once included).",
  })
  fee(@Root() payment: PaymentRecord, @Ctx() { services }: GatewayContext): string | null {
    if (payment.fee === null) return null;
    return formatAmount(payment.fee, services.chains.nativeAsset(payment.chainId).decimals);
  }

  @FieldResolver(() => PaymentError, { nullable: true })
  error(@Root() payment: PaymentRecord): PaymentError | null {
    if (payment.errorCode === null) return null;
    return { code: payment.errorCode, message: payment.errorMessage ?? "" };
  }
}
