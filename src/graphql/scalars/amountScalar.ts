import { GraphQLError, GraphQLScalarType, Kind } from "graphql";

/**
 * A decimal amount in an asset's units, as a string ("12.5"): never a float. The scalar only insists
 * on a string; the services check digits, sign and decimals against the asset, where the asset is known.
 */
export const AmountScalar = new GraphQLScalarType<string, string>({
  name: "Amount",
  description:
    'A decimal amount in the asset\'s units, as a string: "12.5". Never a number, so no precision is lost.',
  serialize(value) {
    if (typeof value !== "string") throw new GraphQLError("Amount: expected a decimal string.");
    return value;
  },
  parseValue(value) {
    if (typeof value !== "string") {
      throw new GraphQLError('Amount must be a string like "12.5" (a JSON number would lose precision).', {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
    return value;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError('Amount must be a string like "12.5", in quotes.', {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
    return ast.value;
  },
});
