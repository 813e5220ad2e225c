import "reflect-metadata";
import { type GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { buildSchema } from "type-graphql";
import { AccountResolver } from "../modules/account/account.resolver.ts";
import { ApiKeyResolver } from "../modules/apiKey/apiKey.resolver.ts";
import { AuditResolver } from "../modules/audit/audit.resolver.ts";
import { AssetResolver, ChainResolver } from "../modules/chain/chain.resolver.ts";
import { PaymentResolver } from "../modules/payment/payment.resolver.ts";
import { PaymentEventsResolver } from "../modules/payment/paymentEvents.resolver.ts";
import { SubnetResolver } from "../modules/subnet/subnet.resolver.ts";
import { TenantResolver } from "../modules/tenant/tenant.resolver.ts";
import { DateTimeScalar } from "./scalars/dateTimeScalar.ts";

let built: Promise<GraphQLSchema> | undefined;

/** The gateway's schema, built once from the type-graphql classes. */
export function buildGatewaySchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers: [
      TenantResolver,
      SubnetResolver,
      AccountResolver,
      PaymentResolver,
      PaymentEventsResolver,
      ChainResolver,
      AssetResolver,
      ApiKeyResolver,
      AuditResolver,
    ],
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    // Every object type is declared with simpleResolvers: plain fields are read as properties, with
    // no type-graphql wrapper per field (there are no middlewares to run).
    // Inputs are checked by the services, which know the asset and the chain.
    validate: false,
    // Every subscription brings its own `subscribe` (the event log's gap-free stream), but type-graphql
    // insists on a topic-based pubSub being present: one that refuses to be used.
    pubSub: {
      publish: () => {
        throw new Error("subscriptions stream from the event log, not type-graphql's pubSub");
      },
      subscribe: () => {
        throw new Error("subscriptions stream from the event log, not type-graphql's pubSub");
      },
    },
  });
  return built;
}

/** The SDL committed as schema/schema.graphql, sorted so that it diffs well. */
export async function printGatewaySchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildGatewaySchema()))}\n`;
}
