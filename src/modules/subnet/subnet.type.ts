import { Field, ID, ObjectType } from "type-graphql";
import { DateTimeScalar } from "../../graphql/scalars/dateTimeScalar.ts";

@ObjectType({ description: "A tenant's slice of one chain, moving one asset.", simpleResolvers: true })
export class Subnet {
  @Field(() => ID)
  id!: string;

  @Field(() => String)
  name!: string;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}
