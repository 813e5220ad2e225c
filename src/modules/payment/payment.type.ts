import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { BlockHeightScalar } from "../../graphql/scalars/blockHeightScalar.ts";
import { DateTimeScalar } from "../../graphql/scalars/dateTimeScalar.ts";
import { Account } from "../account/account.type.ts";

export enum PaymentStatus {
  PENDING = "PENDING",
  SUBMITTED = "SUBMITTED",
  CONFIRMED = "CONFIRMED",
  FINALIZED = "FINALIZED",
  FAILED = "FAILED",
}
registerEnumType(PaymentStatus, {
  name: "PaymentStatus",
  description: "PENDING (recorded) → SUBMITTED (on its way) → CONFIRMED (in a block) → FINALIZED, or FAILED.",
});

export enum PaymentEventType {
  CREATED = "CREATED",
  SUBMITTED = "SUBMITTED",
  CONFIRMED = "CONFIRMED",
  FINALIZED = "FINALIZED",
  FAILED = "FAILED",
  RECEIVED = "RECEIVED",
  REORGED = "REORGED",
}
registerEnumType(PaymentEventType, { name: "PaymentEventType" });

export enum PaymentDirection {
  OUTGOING = "OUTGOING",
  INCOMING = "INCOMING",
}
registerEnumType(PaymentDirection, {
  name: "PaymentDirection",
  description: "OUTGOING: sent from one of your accounts. INCOMING: received by one of your accounts.",
});

@ObjectType({ description: "Why a payment FAILED.", simpleResolvers: true })
export class PaymentError {
  @Field(() => String)
  code!: string;

  @Field(() => String)
  message!: string;
}

@ObjectType({ description: "One side of a payment.", simpleResolvers: true })
export class Party {
  @Field(() => String)
  address!: string;

  @Field(() => Account, {
    nullable: true,
    description: "Your account at this address; null when it is not yours.",
  })
  account!: Account | null;
}

@ObjectType({ description: "Value moved on a chain, as one tenant sees it.", simpleResolvers: true })
export class Payment {
  @Field(() => ID)
  id!: string;

  @Field(() => PaymentDirection)
  direction!: PaymentDirection;

  @Field(() => String, { nullable: true })
  memo!: string | null;

  @Field(() => PaymentStatus)
  status!: PaymentStatus;

  @Field(() => String, { nullable: true })
  txHash!: string | null;

  @Field(() => BlockHeightScalar, { nullable: true })
  blockHeight!: bigint | null;

  @Field(() => Int, {
    description: "Blocks on top of (and including) the payment's block; 0 until included.",
  })
  confirmations!: number;

  @Field(() => String, { nullable: true, description: "The key it was sent with (OUTGOING)." })
  idempotencyKey!: string | null;

  @Field(() => DateTimeScalar)
  createdAt!: Date;

  @Field(() => DateTimeScalar)
  updatedAt!: Date;
}

@ObjectType({ description: "A change of a payment, from the durable event log.", simpleResolvers: true })
export class PaymentEvent {
  @Field(() => String, { description: "Pass as `after` to resume right after this event." })
  cursor!: string;

  @Field(() => PaymentEventType)
  type!: PaymentEventType;

  @Field(() => Payment, { description: "The payment as it was right after this change." })
  payment!: Payment;

  @Field(() => DateTimeScalar)
  at!: Date;
}
