import { Field, InputType, ObjectType } from "type-graphql";
import { Tenant } from "./tenant.type.ts";

@InputType()
export class CreateTenantInput {
  @Field(() => String)
  name!: string;
}

@ObjectType({ simpleResolvers: true })
export class CreateTenantPayload {
  @Field(() => Tenant)
  tenant!: Tenant;

  @Field(() => String, {
    description: "The tenant's API key. Shown this once: the gateway keeps only its hash.",
  })
  apiKey!: string;
}
