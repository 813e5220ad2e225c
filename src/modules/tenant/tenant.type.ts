import { Field, ID, ObjectType } from "type-graphql";
import { DateTimeScalar } from "../../graphql/scalars/dateTimeScalar.ts";

@ObjectType({
  description: "A company using the gateway. Everything it creates is visible to it alone.",
  simpleResolvers: true,
})
export class Tenant {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}
