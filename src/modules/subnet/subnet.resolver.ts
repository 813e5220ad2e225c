import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { toConnection } from "../../graphql/connection.ts";
import type { GatewayContext } from "../../graphql/gatewayContext.ts";
import { PageArgs, pageRequest } from "../../graphql/pageArgs.ts";
import type { AssetRecord, SubnetRecord, TenantRecord } from "../../store/store.ts";
import { AccountConnection } from "../account/account.connection.ts";
import { Asset, Chain } from "../chain/chain.type.ts";
import { type ChainView, toChainView } from "../chain/chainView.ts";
import { PaymentConnection } from "../payment/payment.connection.ts";
import { PaymentStatus } from "../payment/payment.type.ts";
import { requireTenant } from "../tenant/tenant.service.ts";
import { Tenant } from "../tenant/tenant.type.ts";
import { CreateSubnetInput, CreateSubnetPayload } from "./subnet.input.ts";
import { Subnet } from "./subnet.type.ts";

@Resolver(() => Subnet)
export class SubnetResolver {
  @Query(() => Subnet, {
    nullable: true,
    description: "One of your subnets; another tenant's id answers NOT_FOUND.",
  })
  subnet(
    @Arg("id", () => ID) id: string,
    @Ctx() { caller, services }: GatewayContext,
  ): Promise<SubnetRecord> {
    return services.subnets.getOwned(requireTenant(caller), id);
  }

  @Mutation(() => CreateSubnetPayload)
  async createSubnet(
    @Arg("input", () => CreateSubnetInput) input: CreateSubnetInput,
    @Ctx() { caller, services }: GatewayContext,
  ) {
    return { subnet: await services.subnets.createSubnet(requireTenant(caller), input) };
  }

  @FieldResolver(() => Tenant)
  async tenant(
    @Root() subnet: SubnetRecord,
    @Ctx() { loaders }: GatewayContext,
  ): Promise<TenantRecord | null> {
    return loaders.tenant.load(subnet.tenantId);
  }

  @FieldResolver(() => Chain)
  chain(@Root() subnet: SubnetRecord, @Ctx() { services }: GatewayContext): ChainView {
    return toChainView(services.chains.adapterOf(subnet.chainId));
  }

  @FieldResolver(() => Asset)
  asset(@Root() subnet: SubnetRecord): AssetRecord {
    return subnet.asset;
  }

  @FieldResolver(() => AccountConnection)
  async accounts(
    @Root() subnet: SubnetRecord,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() { services }: GatewayContext,
  ) {
    return toConnection(await services.accounts.listAccounts(subnet.id, pageRequest(page)));
  }

  @FieldResolver(() => PaymentConnection, { description: "Payments of the subnet's accounts, newest first." })
  async payments(
    @Root() subnet: SubnetRecord,
    @Args(() => PageArgs) page: PageArgs,
    @Arg("status", () => PaymentStatus, { nullable: true }) status: PaymentStatus | null,
    @Ctx() { services }: GatewayContext,
  ) {
    return toConnection(
      await services.payments.listPayments(
        { tenantId: subnet.tenantId, subnetId: subnet.id, ...(status ? { status } : {}) },
        pageRequest(page),
      ),
    );
  }
}
