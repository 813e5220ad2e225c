import { Field, ID, Int, ObjectType, registerEnumType } from "type-graphql";
import { AmountScalar } from "../../graphql/scalars/amountScalar.ts";
import { BlockHeightScalar } from "../../graphql/scalars/blockHeightScalar.ts";
import { DateTimeScalar } from "../../graphql/scalars/dateTimeScalar.ts";

export enum ChainKind {
  REFCHAIN = "REFCHAIN",
  EVM = "EVM",
  SOLANA = "SOLANA",
}
registerEnumType(ChainKind, { name: "ChainKind", description: "The family of ledger a chain belongs to." });

export enum AssetKind {
  NATIVE = "NATIVE",
  TOKEN = "TOKEN",
}
registerEnumType(AssetKind, { name: "AssetKind", description: "The chain's own coin, or a token on it." });

@ObjectType({
  description: "A ledger the gateway moves value on, named by its CAIP-2 id.",
  simpleResolvers: true,
})
export class Chain {
  @Field(() => ID, { description: 'CAIP-2: "refchain:local", "eip155:31337", "solana:…".' })
  id!: string;

  @Field(() => ChainKind)
  kind!: ChainKind;

  @Field(() => String)
  name!: string;

  @Field(() => Int, {
    description: "Confirmations (the including block counts as one) after which a payment is FINALIZED.",
  })
  confirmationsToFinality!: number;

  @Field(() => AmountScalar, {
    description:
      'The least an account of the native asset may hold other than nothing ("0" where any balance is allowed; Solana\'s rent-exempt minimum). A payment that would open an account with less, or leave its sender with less, is refused.',
  })
  minimumBalance!: string;
}

@ObjectType({
  description: "An asset a subnet moves: a chain's native coin or a token.",
  simpleResolvers: true,
})
export class Asset {
  @Field(() => ID, { description: '"<chainId>/native" or "<chainId>/<token address>".' })
  id!: string;

  @Field(() => AssetKind)
  kind!: AssetKind;

  @Field(() => String)
  symbol!: string;

  @Field(() => Int, { description: "Decimal places of the asset's units: amounts have at most this many." })
  decimals!: number;

  @Field(() => String, {
    nullable: true,
    description: "The token's address on chain; null for the native coin.",
  })
  address!: string | null;
}

@ObjectType({ description: "A new block on a chain.", simpleResolvers: true })
export class ChainHeadEvent {
  @Field(() => ID)
  chainId!: string;

  @Field(() => BlockHeightScalar)
  height!: bigint;

  @Field(() => String)
  hash!: string;

  @Field(() => DateTimeScalar)
  timestamp!: Date;
}
