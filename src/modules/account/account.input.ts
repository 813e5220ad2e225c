import { Field, ID, InputType, ObjectType } from "type-graphql";
import { AmountScalar } from "../../graphql/scalars/amountScalar.ts";
import { Account } from "./account.type.ts";

@InputType()
export class CreateAccountInput {
  @Field(() => ID)
  subnetId!: string;

  @Field(() => String, { nullable: true })
  label?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Watch an existing address (EXTERNAL, receive-only). Absent: a new key in the vault (MANAGED).",
  })
  address?: string | null;
}

@ObjectType({ simpleResolvers: true })
export class CreateAccountPayload {
  @Field(() => Account)
  account!: Account;
}

@InputType()
export class FundAccountInput {
  @Field(() => ID)
  accountId!: string;

  @Field(() => AmountScalar)
  amount!: string;
}

@ObjectType({ simpleResolvers: true })
export class FundAccountPayload {
  @Field(() => Account)
  account!: Account;

  @Field(() => String, { description: "The faucet transaction, already in a block." })
  txHash!: string;

  @Field(() => AmountScalar)
  amount!: string;
}
