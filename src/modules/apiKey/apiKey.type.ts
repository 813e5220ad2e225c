import { Field, ID, ObjectType } from "type-graphql";
import { DateTimeScalar } from "../../graphql/scalars/dateTimeScalar.ts";

@ObjectType({
  description: "One of a tenant's API keys. Its secret is shown once, when it is created, and never again.",
  simpleResolvers: true,
})
export class ApiKey {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  label!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: "When the key last authenticated a request, to the minute (null: never).",
  })
  lastUsedAt!: Date | null;

  @Field(() => DateTimeScalar, {
    nullable: true,
    description: "When the key was revoked (null: live). A revoked key is refused from then on.",
  })
  revokedAt!: Date | null;
}
