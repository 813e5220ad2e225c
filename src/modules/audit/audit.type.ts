import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { DateTimeScalar } from "../../graphql/scalars/dateTimeScalar.ts";

export enum AuditActorKind {
  ADMIN = "ADMIN",
  TENANT = "TENANT",
  SYSTEM = "SYSTEM",
}
registerEnumType(AuditActorKind, {
  name: "AuditActorKind",
  description:
    "ADMIN: the admin key. TENANT: a tenant, through one of its API keys. SYSTEM: the gateway itself (the dev tenant at start-up).",
});

@ObjectType({ description: "Who did what an audit entry records.", simpleResolvers: true })
export class AuditActor {
  @Field(() => AuditActorKind)
  kind!: AuditActorKind;

  @Field(() => ID, { nullable: true, description: "TENANT: the tenant that acted." })
  tenantId!: string | null;

  @Field(() => ID, {
    nullable: true,
    description: "TENANT: the id of the API key it used (never the secret).",
  })
  apiKeyId!: string | null;
}

@ObjectType({
  description: "One admin or credential action: who did what, to what, when. Never holds a secret.",
  simpleResolvers: true,
})
export class AuditEntry {
  @Field(() => ID)
  id!: string;

  @Field(() => DateTimeScalar)
  at!: Date;

  @Field(() => AuditActor)
  actor!: AuditActor;

  @Field(() => String, { description: 'What was done: "tenant.create", "apiKey.create", "apiKey.revoke".' })
  action!: string;

  @Field(() => ID, { nullable: true, description: "The id of what it was done to." })
  targetId!: string | null;

  @Field(() => ID, { nullable: true, description: "The tenant it concerns." })
  tenantId!: string | null;

  @Field(() => String, { description: 'More about the action as a JSON object, e.g. {"label":"ci"}.' })
  details!: string;
}
