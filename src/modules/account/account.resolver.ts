import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { toConnection } from "../../graphql/connection.ts";
import type { GatewayContext } from "../../graphql/gatewayContext.ts";
import { PageArgs, pageRequest } from "../../graphql/pageArgs.ts";
import { AmountScalar } from "../../graphql/scalars/amountScalar.ts";
import { formatAmount } from "../../money/amount.ts";
import type { AccountRecord, AssetRecord, SubnetRecord } from "../../store/store.ts";
import { Chain } from "../chain/chain.type.ts";
import { type ChainView, toChainView } from "../chain/chainView.ts";
import { PaymentConnection } from "../payment/payment.connection.ts";
import { PaymentDirection, PaymentStatus } from "../payment/payment.type.ts";
import { Subnet } from "../subnet/subnet.type.ts";
import { requireTenant } from "../tenant/tenant.service.ts";
import {
  CreateAccountInput,
  CreateAccountPayload,
  FundAccountInput,
  FundAccountPayload,
} from "./account.input.ts";
import { Account, Balance } from "./account.type.ts";

async function subnetOf(account: AccountRecord, { loaders }: GatewayContext): Promise<SubnetRecord> {
  const subnet = await loaders.subnet.load(account.subnetId);
  if (!subnet) throw new Error(`account ${account.id} has no subnet ${account.subnetId}`);
  return subnet;
}

async function balanceOf(
  account: AccountRecord,
  asset: AssetRecord,
  context: GatewayContext,
): Promise<string> {
  const units = await context.loaders.balance.load({
    chainId: account.chainId,
    address: account.address,
    asset,
  });
  return formatAmount(units, asset.decimals);
}

@Resolver(() => Account)
export class AccountResolver {
  @Query(() => Account, {
    nullable: true,
    description: "One of your accounts; another tenant's id answers NOT_FOUND.",
  })
  account(
    @Arg("id", () => ID) id: string,
    @Ctx() { caller, services }: GatewayContext,
  ): Promise<AccountRecord> {
    return services.accounts.getOwned(requireTenant(caller), id, "id");
  }

  @Mutation(() => CreateAccountPayload)
  async createAccount(
    @Arg("input", () => CreateAccountInput) input: CreateAccountInput,
    @Ctx() { caller, services }: GatewayContext,
  ) {
    return { account: await services.accounts.createAccount(requireTenant(caller), input) };
  }

  @Mutation(() => FundAccountPayload, {
    description: "Dev faucet, on chains that have one (UNSUPPORTED elsewhere).",
  })
  async fundAccount(
    @Arg("input", () => FundAccountInput) input: FundAccountInput,
    @Ctx() { caller, services }: GatewayContext,
  ) {
    const funded = await services.payments.fundAccount(requireTenant(caller), input);
    const [subnet] = await services.store.getSubnets([funded.account.subnetId]);
    return {
      account: funded.account,
      txHash: funded.txHash,
      amount: formatAmount(funded.amount, subnet?.asset.decimals ?? 0),
    };
  }

  @FieldResolver(() => Subnet)
  subnet(@Root() account: AccountRecord, @Ctx() context: GatewayContext): Promise<SubnetRecord> {
    return subnetOf(account, context);
  }

  @FieldResolver(() => Chain)
  chain(@Root() account: AccountRecord, @Ctx() { services }: GatewayContext): ChainView {
    return toChainView(services.chains.adapterOf(account.chainId));
  }

  @FieldResolver(() => AmountScalar, {
    description: "Balance of the subnet's asset, as of the chain's latest block.",
  })
  async balance(@Root() account: AccountRecord, @Ctx() context: GatewayContext): Promise<string> {
    return balanceOf(account, (await subnetOf(account, context)).asset, context);
  }

  @FieldResolver(() => [Balance], {
    description: "The subnet's asset and, when different, the chain's native coin (for fees).",
  })
  async balances(@Root() account: AccountRecord, @Ctx() context: GatewayContext) {
    const { asset } = await subnetOf(account, context);
    const native = context.services.chains.nativeAsset(account.chainId);
    const assets = asset.id === native.id ? [asset] : [asset, native];
    return Promise.all(
      assets.map(async (each) => ({ asset: each, amount: await balanceOf(account, each, context) })),
    );
  }

  @FieldResolver(() => PaymentConnection, { description: "Payments from or to this account, newest first." })
  async payments(
    @Root() account: AccountRecord,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("direction", () => PaymentDirection, { nullable: true }) direction: PaymentDirection | null,
    @Arg("status", () => PaymentStatus, { nullable: true }) status: PaymentStatus | null,
    @Ctx() { services }: GatewayContext,
  ) {
    return toConnection(
      await services.payments.listPayments(
        {
          tenantId: account.tenantId,
          accountId: account.id,
          ...(direction ? { direction } : {}),
          ...(status ? { status } : {}),
        },
        pageRequest(page),
      ),
    );
  }
}
