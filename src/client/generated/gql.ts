/* eslint-disable */
import * as types from './graphql.ts';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "query Account($id: ID!, $first: Int, $after: String, $direction: PaymentDirection, $status: PaymentStatus) {\n  account(id: $id) {\n    id\n    address\n    label\n    custody\n    chain {\n      id\n    }\n    subnet {\n      id\n    }\n    balance\n    balances {\n      amount\n      asset {\n        id\n        symbol\n        decimals\n      }\n    }\n    payments(first: $first, after: $after, direction: $direction, status: $status) {\n      edges {\n        node {\n          ...PaymentFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    createdAt\n  }\n}": typeof types.AccountDocument,
    "query ApiKeys {\n  viewer {\n    id\n    apiKeys {\n      id\n      label\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n}": typeof types.ApiKeysDocument,
    "query AuditLog($first: Int, $after: String, $tenantId: ID) {\n  auditLog(first: $first, after: $after, tenantId: $tenantId) {\n    edges {\n      cursor\n      node {\n        id\n        at\n        actor {\n          kind\n          tenantId\n          apiKeyId\n        }\n        action\n        targetId\n        tenantId\n        details\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": typeof types.AuditLogDocument,
    "subscription ChainHeads($chainId: ID) {\n  chainHeads(chainId: $chainId) {\n    chainId\n    height\n    hash\n    timestamp\n  }\n}": typeof types.ChainHeadsDocument,
    "query Chains {\n  chains {\n    id\n    kind\n    name\n    head\n    healthy\n    confirmationsToFinality\n    minimumBalance\n    nativeAsset {\n      id\n      symbol\n      decimals\n    }\n  }\n}": typeof types.ChainsDocument,
    "mutation CreateAccount($input: CreateAccountInput!) {\n  createAccount(input: $input) {\n    account {\n      id\n      address\n      label\n      custody\n      subnet {\n        id\n      }\n      createdAt\n    }\n  }\n}": typeof types.CreateAccountDocument,
    "mutation CreateApiKey($input: CreateApiKeyInput!) {\n  createApiKey(input: $input) {\n    apiKey\n    key {\n      id\n      label\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n}": typeof types.CreateApiKeyDocument,
    "mutation CreateSubnet($input: CreateSubnetInput!) {\n  createSubnet(input: $input) {\n    subnet {\n      id\n      name\n      chain {\n        id\n      }\n      asset {\n        id\n        kind\n        symbol\n        decimals\n        address\n      }\n      createdAt\n    }\n  }\n}": typeof types.CreateSubnetDocument,
    "mutation CreateTenant($input: CreateTenantInput!) {\n  createTenant(input: $input) {\n    tenant {\n      id\n      name\n      createdAt\n    }\n    apiKey\n  }\n}": typeof types.CreateTenantDocument,
    "mutation FundAccount($input: FundAccountInput!) {\n  fundAccount(input: $input) {\n    account {\n      id\n      balance\n    }\n    amount\n    txHash\n  }\n}": typeof types.FundAccountDocument,
    "query Payment($id: ID!) {\n  payment(id: $id) {\n    ...PaymentFields\n  }\n}": typeof types.PaymentDocument,
    "subscription PaymentEvents($accountId: ID, $subnetId: ID, $after: String) {\n  paymentEvents(accountId: $accountId, subnetId: $subnetId, after: $after) {\n    cursor\n    type\n    at\n    payment {\n      ...PaymentFields\n    }\n  }\n}": typeof types.PaymentEventsDocument,
    "fragment PaymentFields on Payment {\n  id\n  direction\n  status\n  amount\n  asset {\n    id\n    symbol\n    decimals\n  }\n  from {\n    address\n    account {\n      id\n    }\n  }\n  to {\n    address\n    account {\n      id\n    }\n  }\n  memo\n  txHash\n  blockHeight\n  confirmations\n  fee\n  error {\n    code\n    message\n  }\n  idempotencyKey\n  createdAt\n  updatedAt\n}": typeof types.PaymentFieldsFragmentDoc,
    "mutation RevokeApiKey($input: RevokeApiKeyInput!) {\n  revokeApiKey(input: $input) {\n    key {\n      id\n      label\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n}": typeof types.RevokeApiKeyDocument,
    "mutation SendPayment($input: SendPaymentInput!) {\n  sendPayment(input: $input) {\n    replayed\n    payment {\n      ...PaymentFields\n    }\n  }\n}": typeof types.SendPaymentDocument,
    "query Viewer {\n  viewer {\n    id\n    name\n    createdAt\n    subnets(first: 100) {\n      edges {\n        node {\n          id\n          name\n          chain {\n            id\n          }\n          asset {\n            id\n            symbol\n            decimals\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": typeof types.ViewerDocument,
};
const documents: Documents = {
    "query Account($id: ID!, $first: Int, $after: String, $direction: PaymentDirection, $status: PaymentStatus) {\n  account(id: $id) {\n    id\n    address\n    label\n    custody\n    chain {\n      id\n    }\n    subnet {\n      id\n    }\n    balance\n    balances {\n      amount\n      asset {\n        id\n        symbol\n        decimals\n      }\n    }\n    payments(first: $first, after: $after, direction: $direction, status: $status) {\n      edges {\n        node {\n          ...PaymentFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    createdAt\n  }\n}": types.AccountDocument,
    "query ApiKeys {\n  viewer {\n    id\n    apiKeys {\n      id\n      label\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n}": types.ApiKeysDocument,
    "query AuditLog($first: Int, $after: String, $tenantId: ID) {\n  auditLog(first: $first, after: $after, tenantId: $tenantId) {\n    edges {\n      cursor\n      node {\n        id\n        at\n        actor {\n          kind\n          tenantId\n          apiKeyId\n        }\n        action\n        targetId\n        tenantId\n        details\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}": types.AuditLogDocument,
    "subscription ChainHeads($chainId: ID) {\n  chainHeads(chainId: $chainId) {\n    chainId\n    height\n    hash\n    timestamp\n  }\n}": types.ChainHeadsDocument,
    "query Chains {\n  chains {\n    id\n    kind\n    name\n    head\n    healthy\n    confirmationsToFinality\n    minimumBalance\n    nativeAsset {\n      id\n      symbol\n      decimals\n    }\n  }\n}": types.ChainsDocument,
    "mutation CreateAccount($input: CreateAccountInput!) {\n  createAccount(input: $input) {\n    account {\n      id\n      address\n      label\n      custody\n      subnet {\n        id\n      }\n      createdAt\n    }\n  }\n}": types.CreateAccountDocument,
    "mutation CreateApiKey($input: CreateApiKeyInput!) {\n  createApiKey(input: $input) {\n    apiKey\n    key {\n      id\n      label\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n}": types.CreateApiKeyDocument,
    "mutation CreateSubnet($input: CreateSubnetInput!) {\n  createSubnet(input: $input) {\n    subnet {\n      id\n      name\n      chain {\n        id\n      }\n      asset {\n        id\n        kind\n        symbol\n        decimals\n        address\n      }\n      createdAt\n    }\n  }\n}": types.CreateSubnetDocument,
    "mutation CreateTenant($input: CreateTenantInput!) {\n  createTenant(input: $input) {\n    tenant {\n      id\n      name\n      createdAt\n    }\n    apiKey\n  }\n}": types.CreateTenantDocument,
    "mutation FundAccount($input: FundAccountInput!) {\n  fundAccount(input: $input) {\n    account {\n      id\n      balance\n    }\n    amount\n    txHash\n  }\n}": types.FundAccountDocument,
    "query Payment($id: ID!) {\n  payment(id: $id) {\n    ...PaymentFields\n  }\n}": types.PaymentDocument,
    "subscription PaymentEvents($accountId: ID, $subnetId: ID, $after: String) {\n  paymentEvents(accountId: $accountId, subnetId: $subnetId, after: $after) {\n    cursor\n    type\n    at\n    payment {\n      ...PaymentFields\n    }\n  }\n}": types.PaymentEventsDocument,
    "fragment PaymentFields on Payment {\n  id\n  direction\n  status\n  amount\n  asset {\n    id\n    symbol\n    decimals\n  }\n  from {\n    address\n    account {\n      id\n    }\n  }\n  to {\n    address\n    account {\n      id\n    }\n  }\n  memo\n  txHash\n  blockHeight\n  confirmations\n  fee\n  error {\n    code\n    message\n  }\n  idempotencyKey\n  createdAt\n  updatedAt\n}": types.PaymentFieldsFragmentDoc,
    "mutation RevokeApiKey($input: RevokeApiKeyInput!) {\n  revokeApiKey(input: $input) {\n    key {\n      id\n      label\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n}": types.RevokeApiKeyDocument,
    "mutation SendPayment($input: SendPaymentInput!) {\n  sendPayment(input: $input) {\n    replayed\n    payment {\n      ...PaymentFields\n    }\n  }\n}": types.SendPaymentDocument,
    "query Viewer {\n  viewer {\n    id\n    name\n    createdAt\n    subnets(first: 100) {\n      edges {\n        node {\n          id\n          name\n          chain {\n            id\n          }\n          asset {\n            id\n            symbol\n            decimals\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}": types.ViewerDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Account($id: ID!, $first: Int, $after: String, $direction: PaymentDirection, $status: PaymentStatus) {\n  account(id: $id) {\n    id\n    address\n    label\n    custody\n    chain {\n      id\n    }\n    subnet {\n      id\n    }\n    balance\n    balances {\n      amount\n      asset {\n        id\n        symbol\n        decimals\n      }\n    }\n    payments(first: $first, after: $after, direction: $direction, status: $status) {\n      edges {\n        node {\n          ...PaymentFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    createdAt\n  }\n}"): (typeof documents)["query Account($id: ID!, $first: Int, $after: String, $direction: PaymentDirection, $status: PaymentStatus) {\n  account(id: $id) {\n    id\n    address\n    label\n    custody\n    chain {\n      id\n    }\n    subnet {\n      id\n    }\n    balance\n    balances {\n      amount\n      asset {\n        id\n        symbol\n        decimals\n      }\n    }\n    payments(first: $first, after: $after, direction: $direction, status: $status) {\n      edges {\n        node {\n          ...PaymentFields\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n    createdAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ApiKeys {\n  viewer {\n    id\n    apiKeys {\n      id\n      label\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n}"): (typeof documents)["query ApiKeys {\n  viewer {\n    id\n    apiKeys {\n      id\n      label\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AuditLog($first: Int, $after: String, $tenantId: ID) {\n  auditLog(first: $first, after: $after, tenantId: $tenantId) {\n    edges {\n      cursor\n      node {\n        id\n        at\n        actor {\n          kind\n          tenantId\n          apiKeyId\n        }\n        action\n        targetId\n        tenantId\n        details\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"): (typeof documents)["query AuditLog($first: Int, $after: String, $tenantId: ID) {\n  auditLog(first: $first, after: $after, tenantId: $tenantId) {\n    edges {\n      cursor\n      node {\n        id\n        at\n        actor {\n          kind\n          tenantId\n          apiKeyId\n        }\n        action\n        targetId\n        tenantId\n        details\n      }\n    }\n    pageInfo {\n      hasNextPage\n      endCursor\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription ChainHeads($chainId: ID) {\n  chainHeads(chainId: $chainId) {\n    chainId\n    height\n    hash\n    timestamp\n  }\n}"): (typeof documents)["subscription ChainHeads($chainId: ID) {\n  chainHeads(chainId: $chainId) {\n    chainId\n    height\n    hash\n    timestamp\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Chains {\n  chains {\n    id\n    kind\n    name\n    head\n    healthy\n    confirmationsToFinality\n    minimumBalance\n    nativeAsset {\n      id\n      symbol\n      decimals\n    }\n  }\n}"): (typeof documents)["query Chains {\n  chains {\n    id\n    kind\n    name\n    head\n    healthy\n    confirmationsToFinality\n    minimumBalance\n    nativeAsset {\n      id\n      symbol\n      decimals\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateAccount($input: CreateAccountInput!) {\n  createAccount(input: $input) {\n    account {\n      id\n      address\n      label\n      custody\n      subnet {\n        id\n      }\n      createdAt\n    }\n  }\n}"): (typeof documents)["mutation CreateAccount($input: CreateAccountInput!) {\n  createAccount(input: $input) {\n    account {\n      id\n      address\n      label\n      custody\n      subnet {\n        id\n      }\n      createdAt\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateApiKey($input: CreateApiKeyInput!) {\n  createApiKey(input: $input) {\n    apiKey\n    key {\n      id\n      label\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n}"): (typeof documents)["mutation CreateApiKey($input: CreateApiKeyInput!) {\n  createApiKey(input: $input) {\n    apiKey\n    key {\n      id\n      label\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateSubnet($input: CreateSubnetInput!) {\n  createSubnet(input: $input) {\n    subnet {\n      id\n      name\n      chain {\n        id\n      }\n      asset {\n        id\n        kind\n        symbol\n        decimals\n        address\n      }\n      createdAt\n    }\n  }\n}"): (typeof documents)["mutation CreateSubnet($input: CreateSubnetInput!) {\n  createSubnet(input: $input) {\n    subnet {\n      id\n      name\n      chain {\n        id\n      }\n      asset {\n        id\n        kind\n        symbol\n        decimals\n        address\n      }\n      createdAt\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation CreateTenant($input: CreateTenantInput!) {\n  createTenant(input: $input) {\n    tenant {\n      id\n      name\n      createdAt\n    }\n    apiKey\n  }\n}"): (typeof documents)["mutation CreateTenant($input: CreateTenantInput!) {\n  createTenant(input: $input) {\n    tenant {\n      id\n      name\n      createdAt\n    }\n    apiKey\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation FundAccount($input: FundAccountInput!) {\n  fundAccount(input: $input) {\n    account {\n      id\n      balance\n    }\n    amount\n    txHash\n  }\n}"): (typeof documents)["mutation FundAccount($input: FundAccountInput!) {\n  fundAccount(input: $input) {\n    account {\n      id\n      balance\n    }\n    amount\n    txHash\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Payment($id: ID!) {\n  payment(id: $id) {\n    ...PaymentFields\n  }\n}"): (typeof documents)["query Payment($id: ID!) {\n  payment(id: $id) {\n    ...PaymentFields\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "subscription PaymentEvents($accountId: ID, $subnetId: ID, $after: String) {\n  paymentEvents(accountId: $accountId, subnetId: $subnetId, after: $after) {\n    cursor\n    type\n    at\n    payment {\n      ...PaymentFields\n    }\n  }\n}"): (typeof documents)["subscription PaymentEvents($accountId: ID, $subnetId: ID, $after: String) {\n  paymentEvents(accountId: $accountId, subnetId: $subnetId, after: $after) {\n    cursor\n    type\n    at\n    payment {\n      ...PaymentFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "fragment PaymentFields on Payment {\n  id\n  direction\n  status\n  amount\n  asset {\n    id\n    symbol\n    decimals\n  }\n  from {\n    address\n    account {\n      id\n    }\n  }\n  to {\n    address\n    account {\n      id\n    }\n  }\n  memo\n  txHash\n  blockHeight\n  confirmations\n  fee\n  error {\n    code\n    message\n  }\n  idempotencyKey\n  createdAt\n  updatedAt\n}"): (typeof documents)["fragment PaymentFields on Payment {\n  id\n  direction\n  status\n  amount\n  asset {\n    id\n    symbol\n    decimals\n  }\n  from {\n    address\n    account {\n      id\n    }\n  }\n  to {\n    address\n    account {\n      id\n    }\n  }\n  memo\n  txHash\n  blockHeight\n  confirmations\n  fee\n  error {\n    code\n    message\n  }\n  idempotencyKey\n  createdAt\n  updatedAt\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation RevokeApiKey($input: RevokeApiKeyInput!) {\n  revokeApiKey(input: $input) {\n    key {\n      id\n      label\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n}"): (typeof documents)["mutation RevokeApiKey($input: RevokeApiKeyInput!) {\n  revokeApiKey(input: $input) {\n    key {\n      id\n      label\n      createdAt\n      lastUsedAt\n      revokedAt\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation SendPayment($input: SendPaymentInput!) {\n  sendPayment(input: $input) {\n    replayed\n    payment {\n      ...PaymentFields\n    }\n  }\n}"): (typeof documents)["mutation SendPayment($input: SendPaymentInput!) {\n  sendPayment(input: $input) {\n    replayed\n    payment {\n      ...PaymentFields\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query Viewer {\n  viewer {\n    id\n    name\n    createdAt\n    subnets(first: 100) {\n      edges {\n        node {\n          id\n          name\n          chain {\n            id\n          }\n          asset {\n            id\n            symbol\n            decimals\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"): (typeof documents)["query Viewer {\n  viewer {\n    id\n    name\n    createdAt\n    subnets(first: 100) {\n      edges {\n        node {\n          id\n          name\n          chain {\n            id\n          }\n          asset {\n            id\n            symbol\n            decimals\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;