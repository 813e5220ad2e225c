/**
 * Who is calling, as `authenticate` established it from the Authorization header (HTTP) or
 * `connectionParams.authorization` (graphql-ws). Resolvers authorize on this and nothing else.
 */
export type Caller =
  | { kind: "anonymous" }
  | { kind: "admin" }
  | { kind: "tenant"; tenantId: string; apiKeyId: string };
