import { GraphQLError, GraphQLScalarType, Kind } from "graphql";

/** An instant as an ISO 8601 string in UTC, with milliseconds: "2026-11-26T01:30:55.123Z". */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: "DateTime",
  description: 'An instant, ISO 8601 in UTC: "2026-11-26T01:30:55.123Z".',
  serialize(value) {
    if (!(value instanceof Date)) throw new GraphQLError("DateTime: expected a Date.");
    return value.toISOString();
  },
  parseValue(value) {
    const date = typeof value === "string" ? new Date(value) : new Date(Number.NaN);
    if (Number.isNaN(date.getTime())) {
      throw new GraphQLError("DateTime must be an ISO 8601 string.", {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
    return date;
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) {
      throw new GraphQLError("DateTime must be an ISO 8601 string.", {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
    const date = new Date(ast.value);
    if (Number.isNaN(date.getTime())) {
      throw new GraphQLError("DateTime must be an ISO 8601 string.", {
        extensions: { code: "BAD_USER_INPUT" },
      });
    }
    return date;
  },
});
