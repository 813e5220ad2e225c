import { Field, ID, InputType, ObjectType } from "type-graphql";
import { ApiKey } from "./apiKey.type.ts";

@InputType()
export class CreateApiKeyInput {
  @Field(() => String, {
    description: 'What the key is for, 1 to 100 characters (trimmed): "ci", "billing service".',
  })
  label!: string;

  @Field(() => ID, {
    nullable: true,
    description: "The admin key names the tenant; a tenant's key may leave it out (or name its own tenant).",
  })
  tenantId?: string | null;
}

@ObjectType({ simpleResolvers: true })
export class CreateApiKeyPayload {
  @Field(() => String, {
    description: "The new key's secret. Shown this once: the gateway keeps only its hash.",
  })
  apiKey!: string;

  @Field(() => ApiKey)
  key!: ApiKey;
}

@InputType()
export class RevokeApiKeyInput {
  @Field(() => ID)
  id!: string;
}

@ObjectType({ simpleResolvers: true })
export class RevokeApiKeyPayload {
  @Field(() => ApiKey, { description: "The key, revoked (revoking it again changes nothing)." })
  key!: ApiKey;
}
