import type { AssetInfo, ChainAdapter } from "../../../adapters/types.ts";
import { type SendLocks, sendLockKey, soleReplicaSendLocks } from "../../cluster/sendLocks.ts";
import { BadUserInputError, NotFoundError, UnsupportedError } from "../../errors/gatewayError.ts";
import { newId } from "../../ids.ts";
import { parseAmount } from "../../money/amount.ts";
import type {
  AccountRecord,
  AssetRecord,
  Page,
  PageRequest,
  Store,
  SubnetRecord,
} from "../../store/store.ts";
import type { Vault } from "../../vault/vault.ts";
import { adapterCall } from "../chain/adapterCall.ts";
import type { ChainService } from "../chain/chain.service.ts";
import { checkName } from "../tenant/tenant.service.ts";

export interface SubnetAssetChoice {
  native?: boolean | null;
  token?: string | null;
  issue?: { symbol: string; decimals: number; supply: string } | null;
}

export interface CreateSubnet {
  name: string;
  chainId: string;
  asset?: SubnetAssetChoice | null;
}

const SYMBOL = /^[A-Z][A-Z0-9]{0,9}$/;
const MAX_DECIMALS = 18;

export const toAssetRecord = (asset: AssetInfo): AssetRecord => ({
  id: asset.id,
  chainId: asset.chainId,
  kind: asset.kind,
  symbol: asset.symbol,
  decimals: asset.decimals,
  address: asset.address,
});

/**
 * Subnets: a tenant's slice of one chain, moving one asset. The asset is the chain's native coin, an
 * existing token, or a new asset issued on chain by the tenant's owner key (whose address becomes
 * the subnet's "treasury" account holding the supply).
 */
export class SubnetService {
  constructor(
    private readonly store: Store,
    private readonly chains: ChainService,
    private readonly vault: Vault,
    /** Shared with the payment sender: issuing signs from the tenant's owner key, as its treasury's payments do. */
    private readonly sendLocks: SendLocks = soleReplicaSendLocks,
  ) {}

  async createSubnet(tenantId: string, input: CreateSubnet): Promise<SubnetRecord> {
    const name = checkName(input.name);
    const adapter = this.chains.get(input.chainId);
    const choice = input.asset ?? { native: true };
    const chosen = [choice.native === true, choice.token != null, choice.issue != null].filter(
      Boolean,
    ).length;
    if (chosen !== 1 || choice.native === false) {
      throw new BadUserInputError("asset takes exactly one of native: true, token, or issue.", {
        field: "asset",
      });
    }
    const subnet: SubnetRecord = {
      id: newId("sub"),
      tenantId,
      name,
      chainId: adapter.description.id,
      asset: toAssetRecord(adapter.description.nativeAsset),
      createdAt: new Date(),
    };
    if (choice.token != null) {
      subnet.asset = toAssetRecord(
        await adapterCall(
          () => adapter.resolveAsset({ kind: "TOKEN", address: choice.token as string }),
          "asset.token",
        ),
      );
    }
    if (choice.issue != null) {
      const { asset, treasury } = await this.#issue(tenantId, subnet, adapter, choice.issue);
      subnet.asset = toAssetRecord(asset);
      await this.store.createSubnet(subnet);
      await this.store.createAccount(treasury);
      return subnet;
    }
    await this.store.createSubnet(subnet);
    return subnet;
  }

  async #issue(
    tenantId: string,
    subnet: SubnetRecord,
    adapter: ChainAdapter,
    issue: NonNullable<SubnetAssetChoice["issue"]>,
  ): Promise<{ asset: AssetInfo; treasury: AccountRecord }> {
    if (!adapter.description.capabilities.issueAsset || !adapter.issueAsset) {
      throw new UnsupportedError(
        `Chain ${adapter.description.id} cannot issue assets; use native or an existing token.`,
      );
    }
    if (!SYMBOL.test(issue.symbol)) {
      throw new BadUserInputError(
        "asset.issue.symbol must be 1 to 10 capital letters or digits, starting with a letter.",
        {
          field: "asset.issue.symbol",
        },
      );
    }
    if (!Number.isInteger(issue.decimals) || issue.decimals < 0 || issue.decimals > MAX_DECIMALS) {
      throw new BadUserInputError(`asset.issue.decimals must be a whole number from 0 to ${MAX_DECIMALS}.`, {
        field: "asset.issue.decimals",
      });
    }
    const supply = parseAmount(issue.supply, issue.decimals, "asset.issue.supply");
    const ownerKeyId = await this.#ownerKey(tenantId, adapter);
    const issuer = await this.vault.signer(ownerKeyId, (publicKey) => adapter.addressOf(publicKey));
    const issueAsset = adapter.issueAsset.bind(adapter);
    const asset = await this.sendLocks.run(
      sendLockKey(adapter.description.id, issuer.address),
      (handedOver) => {
        // Another replica may have used the owner key's next nonce (issuing, or paying from a treasury).
        if (handedOver) adapter.resetNonce?.(issuer.address);
        return adapterCall(
          () =>
            issueAsset({ issuer, name: subnet.name, symbol: issue.symbol, decimals: issue.decimals, supply }),
          "asset.issue",
        );
      },
    );
    const treasury: AccountRecord = {
      id: newId("acc"),
      tenantId,
      subnetId: subnet.id,
      chainId: subnet.chainId,
      address: issuer.address,
      label: "treasury",
      custody: "MANAGED",
      keyId: ownerKeyId,
      createdAt: new Date(),
    };
    return { asset, treasury };
  }

  /** The tenant's owner key on this chain: made on first use, then always the same. */
  async #ownerKey(tenantId: string, adapter: ChainAdapter): Promise<string> {
    const existing = await this.store.getOwnerKeyId(tenantId, adapter.description.id);
    if (existing) return existing;
    const key = await this.vault.createKey(adapter.keyScheme);
    return this.store.setOwnerKeyId(tenantId, adapter.description.id, key.id);
  }

  /** The tenant's subnet, or NOT_FOUND (also for another tenant's id: its existence is not disclosed). */
  async getOwned(tenantId: string, id: string): Promise<SubnetRecord> {
    const [subnet] = await this.store.getSubnets([id]);
    if (!subnet || subnet.tenantId !== tenantId) throw new NotFoundError(`No subnet ${JSON.stringify(id)}.`);
    return subnet;
  }

  listSubnets(tenantId: string, page: PageRequest): Promise<Page<SubnetRecord>> {
    return this.store.listSubnets(tenantId, page);
  }
}
