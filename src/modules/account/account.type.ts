import { Field, ID, ObjectType, registerEnumType } from "type-graphql";
import { AmountScalar } from "../../graphql/scalars/amountScalar.ts";
import { DateTimeScalar } from "../../graphql/scalars/dateTimeScalar.ts";
import { Asset } from "../chain/chain.type.ts";

export enum Custody {
  MANAGED = "MANAGED",
  EXTERNAL = "EXTERNAL",
}
registerEnumType(Custody, {
  name: "Custody",
  description: "MANAGED: the gateway holds the key (in its vault) and can send. EXTERNAL: watch-only.",
});

@ObjectType({ description: "An address on a subnet's chain.", simpleResolvers: true })
export class Account {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "The chain address, in the chain's canonical form." })
  address!: string;

  @Field(() => String, { nullable: true })
  label!: string | null;

  @Field(() => Custody)
  custody!: Custody;

  @Field(() => DateTimeScalar)
  createdAt!: Date;
}

@ObjectType({ description: "An amount of one asset.", simpleResolvers: true })
export class Balance {
  @Field(() => Asset)
  asset!: Asset;

  @Field(() => AmountScalar)
  amount!: string;
}
