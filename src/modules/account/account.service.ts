import { BadUserInputError, NotFoundError } from "../../errors/gatewayError.ts";
import { newId } from "../../ids.ts";
import type { AccountRecord, Page, PageRequest, Store } from "../../store/store.ts";
import type { Vault } from "../../vault/vault.ts";
import { adapterCallSync } from "../chain/adapterCall.ts";
import type { ChainService } from "../chain/chain.service.ts";
import type { SubnetService } from "../subnet/subnet.service.ts";

export interface CreateAccount {
  subnetId: string;
  label?: string | null;
  /** Watch an address the gateway holds no key for (EXTERNAL); absent: a new MANAGED key. */
  address?: string | null;
}

const MAX_LABEL_LENGTH = 100;

/** Accounts: MANAGED ones get a new key in the vault; EXTERNAL ones are watch-only addresses. */
export class AccountService {
  constructor(
    private readonly store: Store,
    private readonly chains: ChainService,
    private readonly vault: Vault,
    private readonly subnets: SubnetService,
  ) {}

  async createAccount(tenantId: string, input: CreateAccount): Promise<AccountRecord> {
    const subnet = await this.subnets.getOwned(tenantId, input.subnetId);
    const adapter = this.chains.adapterOf(subnet.chainId);
    if (
      input.label != null &&
      (input.label.length > MAX_LABEL_LENGTH || input.label.trim() !== input.label)
    ) {
      throw new BadUserInputError(
        `label must be at most ${MAX_LABEL_LENGTH} characters with no leading or trailing spaces.`,
        {
          field: "label",
        },
      );
    }
    const base = {
      id: newId("acc"),
      tenantId,
      subnetId: subnet.id,
      chainId: subnet.chainId,
      label: input.label ?? null,
      createdAt: new Date(),
    };
    let account: AccountRecord;
    if (input.address != null) {
      const address = adapterCallSync(() => adapter.normalizeAddress(input.address as string), "address");
      account = { ...base, address, custody: "EXTERNAL", keyId: null };
    } else {
      const key = await this.vault.createKey(adapter.keyScheme);
      account = { ...base, address: adapter.addressOf(key.publicKey), custody: "MANAGED", keyId: key.id };
    }
    await this.store.createAccount(account);
    return account;
  }

  /** The tenant's account, or NOT_FOUND (also for another tenant's id). */
  async getOwned(tenantId: string, id: string, field = "accountId"): Promise<AccountRecord> {
    const [account] = await this.store.getAccounts([id]);
    if (!account || account.tenantId !== tenantId) {
      throw new NotFoundError(`No account ${JSON.stringify(id)}.`, { field });
    }
    return account;
  }

  listAccounts(subnetId: string, page: PageRequest): Promise<Page<AccountRecord>> {
    return this.store.listAccounts(subnetId, page);
  }
}
