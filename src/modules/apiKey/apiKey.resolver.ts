import { Arg, Ctx, FieldResolver, Mutation, Resolver, Root } from "type-graphql";
import { NotFoundError } from "../../errors/gatewayError.ts";
import type { GatewayContext } from "../../graphql/gatewayContext.ts";
import type { ApiKeyRecord, TenantRecord } from "../../store/store.ts";
import { Tenant } from "../tenant/tenant.type.ts";
import {
  CreateApiKeyInput,
  CreateApiKeyPayload,
  RevokeApiKeyInput,
  RevokeApiKeyPayload,
} from "./apiKey.input.ts";
import { ApiKey } from "./apiKey.type.ts";

@Resolver(() => Tenant)
export class ApiKeyResolver {
  @Mutation(() => CreateApiKeyPayload, {
    description:
      "A new API key for your tenant (the admin key: for the tenant it names). The payload's apiKey is shown once.",
  })
  createApiKey(
    @Arg("input", () => CreateApiKeyInput) input: CreateApiKeyInput,
    @Ctx() { caller, services }: GatewayContext,
  ) {
    return services.apiKeys.createApiKey(caller, input);
  }

  @Mutation(() => RevokeApiKeyPayload, {
    description:
      "Revokes one of your API keys for good (the admin key: anyone's). It is refused from the next request on, and its open WebSockets are closed with 4401.",
  })
  async revokeApiKey(
    @Arg("input", () => RevokeApiKeyInput) input: RevokeApiKeyInput,
    @Ctx() { caller, services }: GatewayContext,
  ) {
    return { key: await services.apiKeys.revokeApiKey(caller, input.id) };
  }

  @FieldResolver(() => [ApiKey], {
    description: "The tenant's API keys, revoked ones too, oldest first. Never their secrets.",
  })
  apiKeys(
    @Root() tenant: TenantRecord,
    @Ctx() { caller, services }: GatewayContext,
  ): Promise<ApiKeyRecord[]> {
    // Only the tenant itself and the admin reach a Tenant today; this keeps it so should that change.
    if (caller.kind !== "admin" && !(caller.kind === "tenant" && caller.tenantId === tenant.id)) {
      throw new NotFoundError(`No tenant ${tenant.id}.`);
    }
    return services.apiKeys.listApiKeys(tenant.id);
  }
}
