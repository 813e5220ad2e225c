// The gateway's typed client: createGatewayClient, its error, and every generated document and type
// (from src/client/operations/*.graphql; `npm run codegen` after changing one).
export {
  createGatewayClient,
  type GatewayClient,
  type GatewayClientOptions,
  type VariablesArgument,
} from "./createGatewayClient.ts";
export { GatewayClientError, isGatewayClientError } from "./gatewayClientError.ts";
export * from "./generated/graphql.ts";
