import { Field, ID, InputType, ObjectType } from "type-graphql";
import { AmountScalar } from "../../graphql/scalars/amountScalar.ts";
import { Payment } from "./payment.type.ts";

@InputType({ description: "Exactly one: one of your accounts by id, or any address on the same chain." })
export class PaymentTargetInput {
  @Field(() => ID, { nullable: true })
  accountId?: string | null;

  @Field(() => String, { nullable: true })
  address?: string | null;
}

@InputType()
export class SendPaymentInput {
  @Field(() => ID)
  fromAccountId!: string;

  @Field(() => PaymentTargetInput)
  to!: PaymentTargetInput;

  @Field(() => AmountScalar)
  amount!: string;

  @Field(() => String, { nullable: true })
  memo?: string | null;

  @Field(() => String, {
    description:
      "Your name for this payment. The same key with the same input returns the same payment; with other input, IDEMPOTENCY_CONFLICT.",
  })
  idempotencyKey!: string;
}

@ObjectType({ simpleResolvers: true })
export class SendPaymentPayload {
  @Field(() => Payment)
  payment!: Payment;

  @Field(() => Boolean, { description: "True when this key was used before and this is that payment." })
  replayed!: boolean;
}
