import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { printGatewaySchema } from "./buildGatewaySchema.ts";
import { SCHEMA_FILE } from "./emitSchema.ts";

test("schema/schema.graphql is what the type-graphql classes print (run `npm run schema` when this fails)", async () => {
  expect(readFileSync(SCHEMA_FILE, "utf8")).toBe(await printGatewaySchema());
});

test("the schema has DESIGN.md's contract names", async () => {
  const sdl = await printGatewaySchema();
  for (const name of [
    "viewer: Tenant!",
    "tenants(",
    "chains: [Chain!]!",
    "subnet(id: ID!): Subnet",
    "account(id: ID!): Account",
    "payment(id: ID!): Payment",
    "createTenant(input: CreateTenantInput!): CreateTenantPayload!",
    "createSubnet(input: CreateSubnetInput!): CreateSubnetPayload!",
    "createAccount(input: CreateAccountInput!): CreateAccountPayload!",
    "sendPayment(input: SendPaymentInput!): SendPaymentPayload!",
    "fundAccount(input: FundAccountInput!): FundAccountPayload!",
    "paymentEvents(",
    "chainHeads(chainId: ID): ChainHeadEvent!",
    "from: Party!",
    "to: Party!",
    "error: PaymentError",
    "enum PaymentStatus",
    "enum PaymentEventType",
    "enum Custody",
    "scalar Amount",
    "scalar DateTime",
    "scalar BlockHeight",
  ]) {
    expect(sdl).toContain(name);
  }
});
