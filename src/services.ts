import type { EventBus } from "./events/eventBus.ts";
import type { Logger } from "./logger.ts";
import type { AccountService } from "./modules/account/account.service.ts";
import type { ApiKeyService } from "./modules/apiKey/apiKey.service.ts";
import type { AuditService } from "./modules/audit/audit.service.ts";
import type { ChainService } from "./modules/chain/chain.service.ts";
import type { PaymentService } from "./modules/payment/payment.service.ts";
import type { SubnetService } from "./modules/subnet/subnet.service.ts";
import type { TenantService } from "./modules/tenant/tenant.service.ts";
import type { Store } from "./store/store.ts";

/** The gateway's services: global, shared by every request (resolvers reach them through the context). */
export interface Services {
  store: Store;
  bus: EventBus;
  chains: ChainService;
  tenants: TenantService;
  subnets: SubnetService;
  accounts: AccountService;
  payments: PaymentService;
  apiKeys: ApiKeyService;
  audit: AuditService;
  logger: Logger;
  /** Where a subscription without `after` starts: the newest event now. */
  latestCursor(): Promise<bigint>;
}
