import { Arg, Args, Ctx, FieldResolver, Mutation, Query, Resolver, Root } from "type-graphql";
import { toConnection } from "../../graphql/connection.ts";
import type { GatewayContext } from "../../graphql/gatewayContext.ts";
import { PageArgs, pageRequest } from "../../graphql/pageArgs.ts";
import type { TenantRecord } from "../../store/store.ts";
import { SubnetConnection } from "../subnet/subnet.connection.ts";
import { TenantConnection } from "./tenant.connection.ts";
import { CreateTenantInput, CreateTenantPayload } from "./tenant.input.ts";
import { requireAdmin, requireTenant } from "./tenant.service.ts";
import { Tenant } from "./tenant.type.ts";

@Resolver(() => Tenant)
export class TenantResolver {
  @Query(() => Tenant, { description: "The calling tenant (the one the API key belongs to)." })
  async viewer(@Ctx() { caller, loaders }: GatewayContext): Promise<TenantRecord> {
    const tenant = await loaders.tenant.load(requireTenant(caller));
    if (!tenant) throw new Error("the caller's tenant is missing from the store");
    return tenant;
  }

  @Query(() => TenantConnection, { description: "Every tenant, oldest first. Admin key only." })
  async tenants(@Args(() => PageArgs) page: PageArgs, @Ctx() { caller, services }: GatewayContext) {
    requireAdmin(caller);
    return toConnection(await services.tenants.listTenants(pageRequest(page)));
  }

  @Mutation(() => CreateTenantPayload, { description: "Admin key only. The payload's apiKey is shown once." })
  async createTenant(
    @Arg("input", () => CreateTenantInput) input: CreateTenantInput,
    @Ctx() { caller, services }: GatewayContext,
  ) {
    requireAdmin(caller);
    return services.tenants.createTenant(input.name);
  }

  @FieldResolver(() => SubnetConnection)
  async subnets(
    @Root() tenant: TenantRecord,
    @Args(() => PageArgs) page: PageArgs,
    @Ctx() { services }: GatewayContext,
  ) {
    return toConnection(await services.subnets.listSubnets(tenant.id, pageRequest(page)));
  }
}
