import type { ExplorerTab } from "./explorerPageConfig.ts";

// The tabs the explorer opens with: look around, set up an account, pay, and watch payments move.
// They are written for refchain (always there in dev); the docs pane has the rest.

const OVERVIEW = `# Who you are, your subnets and accounts, and the chains this gateway runs.
query Overview {
  viewer {
    id
    name
    subnets(first: 10) {
      edges {
        node {
          id
          name
          chain { id }
          asset { symbol decimals }
          accounts(first: 10) {
            edges { node { id address custody label balance } }
          }
        }
      }
    }
  }
  chains { id name head healthy nativeAsset { symbol decimals } }
}
`;

const SETUP = `# A first account to pay from: run these one after another (the run button asks which),
# copying each id into the variables below.
mutation CreateSubnet {
  createSubnet(input: { name: "main", chainId: "refchain:local" }) {
    subnet { id asset { symbol } }
  }
}

mutation CreateAccount($subnetId: ID!) {
  createAccount(input: { subnetId: $subnetId, label: "main" }) {
    account { id address custody }
  }
}

# refchain's faucet: test money for a dev account.
mutation FundAccount($accountId: ID!) {
  fundAccount(input: { accountId: $accountId, amount: "100" }) { txHash amount }
}
`;

const SEND_PAYMENT = `# Pay from one of your MANAGED accounts to an account id or any address on the same chain.
# The same idempotencyKey with the same input returns the same payment: it is never sent twice.
mutation SendPayment($input: SendPaymentInput!) {
  sendPayment(input: $input) {
    replayed
    payment { id status amount memo txHash error { code message } }
  }
}
`;

const PAYMENT_EVENTS = `# Your payments as they move:
# CREATED → SUBMITTED →
# CONFIRMED → FINALIZED,
# or RECEIVED. Narrow it with
# accountId or subnetId; pass
# after: a cursor to replay.
subscription PaymentEvents {
  paymentEvents {
    cursor
    type
    at
    payment {
      id
      direction
      status
      amount
      memo
      txHash
      account { id }
    }
  }
}
`;

const json = (value: unknown) => JSON.stringify(value, null, 2);

export const EXAMPLE_TABS: readonly ExplorerTab[] = [
  { query: OVERVIEW },
  { query: SETUP, variables: json({ subnetId: "sub_…", accountId: "acc_…" }) },
  {
    query: SEND_PAYMENT,
    variables: json({
      input: {
        fromAccountId: "acc_…",
        to: { address: "…" },
        amount: "1.5",
        memo: "first payment",
        idempotencyKey: "explorer-1",
      },
    }),
  },
  { query: PAYMENT_EVENTS },
];
