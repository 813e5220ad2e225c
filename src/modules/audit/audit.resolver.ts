import { Arg, Args, Ctx, ID, Query, Resolver } from "type-graphql";
import { toConnection } from "../../graphql/connection.ts";
import type { GatewayContext } from "../../graphql/gatewayContext.ts";
import { PageArgs, pageRequest } from "../../graphql/pageArgs.ts";
import { requireAdmin } from "../tenant/tenant.service.ts";
import { AuditEntryConnection } from "./audit.connection.ts";
import { AuditEntry } from "./audit.type.ts";

@Resolver(() => AuditEntry)
export class AuditResolver {
  @Query(() => AuditEntryConnection, {
    description: "The audit log of admin and credential actions, newest first. Admin key only.",
  })
  async auditLog(
    @Args(() => PageArgs) page: PageArgs,
    @Arg("tenantId", () => ID, { nullable: true, description: "Only the entries about this tenant." })
    tenantId: string | null,
    @Ctx() { caller, services }: GatewayContext,
  ) {
    requireAdmin(caller);
    return toConnection(
      await services.audit.listEntries(tenantId == null ? {} : { tenantId }, pageRequest(page)),
    );
  }
}
