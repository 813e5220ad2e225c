import { Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { AmountScalar } from "../../graphql/scalars/amountScalar.ts";
import { Subnet } from "./subnet.type.ts";

@InputType({
  description: "A new asset issued on chain, owned by the tenant (chains with the issueAsset capability).",
})
export class IssueAssetInput {
  @Field(() => String, { description: "1 to 10 capital letters or digits, starting with a letter." })
  symbol!: string;

  @Field(() => Int)
  decimals!: number;

  @Field(() => AmountScalar, { description: "The whole supply, credited to the subnet's treasury account." })
  supply!: string;
}

@InputType({ description: "Exactly one of native, token or issue. Absent: the chain's native coin." })
export class SubnetAssetInput {
  @Field(() => Boolean, { nullable: true })
  native?: boolean | null;

  @Field(() => String, { nullable: true, description: "An existing token's address on the chain." })
  token?: string | null;

  @Field(() => IssueAssetInput, { nullable: true })
  issue?: IssueAssetInput | null;
}

@InputType()
export class CreateSubnetInput {
  @Field(() => String)
  name!: string;

  @Field(() => ID)
  chainId!: string;

  @Field(() => SubnetAssetInput, { nullable: true })
  asset?: SubnetAssetInput | null;
}

@ObjectType({ simpleResolvers: true })
export class CreateSubnetPayload {
  @Field(() => Subnet)
  subnet!: Subnet;
}
