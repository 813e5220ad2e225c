import { GraphQLError, GraphQLScalarType, Kind } from "graphql";

// Heights pass 2^31 (GraphQL Int) on some chains and 2^53 (a JS number) in principle: a decimal string.
const DIGITS = /^(0|[1-9][0-9]{0,19})$/;

const parse = (text: string) => {
  if (!DIGITS.test(text) || BigInt(text) >= 1n << 64n) {
    throw new GraphQLError("BlockHeight must be a decimal string of an unsigned 64-bit integer.", {
      extensions: { code: "BAD_USER_INPUT" },
    });
  }
  return BigInt(text);
};

/** A block height, an unsigned 64-bit integer, as a decimal string ("18446744073709551615"). */
export const BlockHeightScalar = new GraphQLScalarType<bigint, string>({
  name: "BlockHeight",
  description: "A block height: an unsigned 64-bit integer as a decimal string, safe beyond 2^53.",
  serialize(value) {
    if (typeof value !== "bigint") throw new GraphQLError("BlockHeight: expected a bigint.");
    return value.toString();
  },
  parseValue(value) {
    if (typeof value !== "string")
      throw new GraphQLError("BlockHeight must be a string.", { extensions: { code: "BAD_USER_INPUT" } });
    return parse(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING)
      throw new GraphQLError("BlockHeight must be a string.", { extensions: { code: "BAD_USER_INPUT" } });
    return parse(ast.value);
  },
});
