import { isDeepStrictEqual } from "node:util";
import { type GraphQLSchema, isObjectType } from "graphql";
import type { GraphQLTestClient } from "../../e2e/support/graphqlTestClient.ts";

// What the users of a gateway see, read through GraphQL as they would: each tenant's subnets, their
// accounts with balances, their payments; the admin's list of tenants (with their API keys) and the
// audit log, where the gateway has them. Two snapshots are equal when nothing a user can see has
// changed. Fields that move on their own (a chain's head, a payment's confirmations, a key's
// lastUsedAt) are left out.

const ACCOUNT_FIELDS = "id address label custody createdAt balances { amount asset { id } }";
const PAYMENT_FIELDS = `id direction status amount memo idempotencyKey txHash blockHeight fee
  from { address } to { address } account { id } error { code }`;
const SUBNET_FIELDS = `id name createdAt chain { id } asset { id kind symbol decimals address }
  accounts(first: 100) { pageInfo { hasNextPage endCursor } edges { node { ${ACCOUNT_FIELDS} } } }
  payments(first: 100) { pageInfo { hasNextPage endCursor } edges { node { ${PAYMENT_FIELDS} } } }`;

const tenantStateQuery = (apiKeys: string) => `query TenantState($after: String) {
  viewer {
    id
    name
    ${apiKeys}
    subnets(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { ${SUBNET_FIELDS} } }
    }
  }
}`;

/** A subnet's further pages of accounts or payments. */
const subnetPageQuery = (list: "accounts" | "payments") => `query SubnetPage($id: ID!, $after: String) {
  subnet(id: $id) {
    ${list}(first: 100, after: $after) {
      pageInfo { hasNextPage endCursor }
      edges { node { ${list === "accounts" ? ACCOUNT_FIELDS : PAYMENT_FIELDS} } }
    }
  }
}`;

const tenantsPageQuery = (apiKeys: string) => `query TenantsPage($after: String) {
  tenants(first: 100, after: $after) {
    pageInfo { hasNextPage endCursor }
    edges { node { id name createdAt ${apiKeys} } }
  }
}`;

/** The newest entries: an entry added by a call would be among them. */
const AUDIT_LOG = `query AuditLog {
  auditLog(first: 100) { edges { node { id action targetId tenantId details actor { kind tenantId apiKeyId } } } }
}`;

interface Page<T> {
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
  edges: { node: T }[];
}
interface PaymentView {
  status: string;
}
interface SubnetPages {
  id: string;
  accounts: Page<unknown>;
  payments: Page<PaymentView>;
}
/** A subnet with all its accounts and payments, however many pages they took. */
interface SubnetView {
  id: string;
  accounts: unknown[];
  payments: PaymentView[];
}
interface TenantView {
  viewer: Record<string, unknown>;
  subnets: SubnetView[];
}

export interface VisibleState {
  tenants: unknown[];
  /** The audit log's newest entries, where the gateway keeps one. */
  auditLog: unknown;
  /** Each watched tenant's view, in the order the tenants were given. */
  views: TenantView[];
}

/** Statuses a payment stays in: a snapshot with others in it is still moving on its own. */
const SETTLED = new Set(["FINALIZED", "FAILED"]);

/** Every item of a list read a page at a time: `fetch(after)` reads the page after that cursor. */
async function allItems<T>(first: Page<T>, fetch: (after: string | null) => Promise<Page<T>>): Promise<T[]> {
  const items = first.edges.map((edge) => edge.node);
  let page = first;
  while (page.pageInfo.hasNextPage) {
    page = await fetch(page.pageInfo.endCursor ?? null);
    items.push(...page.edges.map((edge) => edge.node));
  }
  return items;
}

/**
 * Reads snapshots of what `admin` and each of `tenants` see. `schema` is the gateway's: the parts it
 * has (API keys, the audit log) are read too.
 */
export class VisibleStateReader {
  readonly #tenantState: string;
  readonly #tenantsPage: string;
  readonly #auditLog: boolean;

  constructor(
    schema: GraphQLSchema,
    private readonly admin: GraphQLTestClient,
    private readonly tenants: readonly GraphQLTestClient[],
  ) {
    const tenantType = schema.getType("Tenant");
    const hasApiKeys = isObjectType(tenantType) && "apiKeys" in tenantType.getFields();
    const apiKeys = hasApiKeys ? "apiKeys { id label createdAt revokedAt }" : "";
    this.#tenantState = tenantStateQuery(apiKeys);
    this.#tenantsPage = tenantsPageQuery(apiKeys);
    this.#auditLog = "auditLog" in (schema.getQueryType()?.getFields() ?? {});
  }

  /** One snapshot. */
  async read(): Promise<VisibleState> {
    const [tenants, auditLog, views] = await Promise.all([
      this.#allTenants(),
      this.#auditLog ? this.admin.data(AUDIT_LOG) : null,
      Promise.all(this.tenants.map((tenant) => this.#tenantView(tenant))),
    ]);
    return { tenants, auditLog, views };
  }

  /**
   * A snapshot once the effects of earlier successful calls have landed: every payment settled, and
   * the same snapshot twice in a row a few blocks apart. Waits for an outcome; asserts nothing on time.
   */
  async settled({ pauseMs = 40, timeoutMs = 30_000 } = {}): Promise<VisibleState> {
    const deadline = Date.now() + timeoutMs;
    let previous = await this.read();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
      const current = await this.read();
      if (isSettled(current) && isDeepStrictEqual(current, previous)) return current;
      if (Date.now() > deadline) throw new Error("snapshot: the state did not settle");
      previous = current;
    }
  }

  async #tenantView(tenant: GraphQLTestClient): Promise<TenantView> {
    type ViewerPage = { viewer: { subnets: Page<SubnetPages> } & Record<string, unknown> };
    const first = await tenant.data<ViewerPage>(this.#tenantState);
    const { subnets: firstSubnets, ...viewer } = first.viewer;
    const subnets = await allItems(firstSubnets, async (after) => {
      return (await tenant.data<ViewerPage>(this.#tenantState, { after })).viewer.subnets;
    });
    const rest =
      <T>(id: string, list: "accounts" | "payments") =>
      async (after: string | null) => {
        const { subnet } = await tenant.data<{ subnet: Record<string, Page<T>> }>(subnetPageQuery(list), {
          id,
          after,
        });
        return subnet[list] as Page<T>;
      };
    return {
      viewer,
      subnets: await Promise.all(
        subnets.map(async (subnet) => ({
          ...subnet,
          accounts: await allItems(subnet.accounts, rest(subnet.id, "accounts")),
          payments: await allItems(subnet.payments, rest<PaymentView>(subnet.id, "payments")),
        })),
      ),
    };
  }

  async #allTenants(): Promise<unknown[]> {
    const page = async (after: string | null) =>
      (await this.admin.data<{ tenants: Page<unknown> }>(this.#tenantsPage, { after })).tenants;
    return allItems(await page(null), page);
  }
}

/** True when no payment in the snapshot is still on its way (the chain will not change it further). */
export function isSettled(state: VisibleState): boolean {
  return state.views.every((view) =>
    view.subnets.every((subnet) => subnet.payments.every((payment) => SETTLED.has(payment.status))),
  );
}
