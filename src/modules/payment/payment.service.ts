import { isAdapterError } from "../../../adapters/types.ts";
import {
  BadUserInputError,
  CrossChainUnsupportedError,
  ForbiddenError,
  IdempotencyConflictError,
  NotFoundError,
  UnsupportedError,
} from "../../errors/gatewayError.ts";
import { parseAmount } from "../../money/amount.ts";
import type {
  AccountRecord,
  Page,
  PageRequest,
  PaymentFilter,
  PaymentRecord,
  Store,
  SubnetRecord,
} from "../../store/store.ts";
import type { AccountService } from "../account/account.service.ts";
import { adapterCall, toGatewayError } from "../chain/adapterCall.ts";
import type { ChainService } from "../chain/chain.service.ts";
import { newOutgoingPayment } from "./newOutgoingPayment.ts";
import { paymentInputHash } from "./paymentInputHash.ts";
import type { PaymentSender, SendOutcome } from "./paymentSender.ts";

export interface SendPayment {
  fromAccountId: string;
  to: { accountId?: string | null; address?: string | null };
  amount: string;
  memo?: string | null;
  idempotencyKey: string;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * Payments: validates a request completely before anything is recorded, answers replays and
 * conflicts of an idempotency key, then hands the payment to the sender (per-account ordering).
 */
export class PaymentService {
  constructor(
    private readonly store: Store,
    private readonly chains: ChainService,
    private readonly accounts: AccountService,
    private readonly sender: PaymentSender,
  ) {}

  async sendPayment(tenantId: string, input: SendPayment): Promise<SendOutcome> {
    if (!IDEMPOTENCY_KEY.test(input.idempotencyKey)) {
      throw new BadUserInputError(
        "idempotencyKey must be 1 to 200 printable ASCII characters without spaces.",
        {
          field: "idempotencyKey",
        },
      );
    }
    const from = await this.accounts.getOwned(tenantId, input.fromAccountId, "fromAccountId");
    const [subnet] = await this.store.getSubnets([from.subnetId]);
    if (!subnet) throw new NotFoundError(`No subnet for account ${from.id}.`);
    const adapter = this.chains.adapterOf(from.chainId);
    const { toAccountId, toAddress } = await this.#target(tenantId, from, subnet, input.to);
    const amount = parseAmount(input.amount, subnet.asset.decimals);
    const memo = input.memo ?? null;
    if (memo !== null) {
      const { maxMemoBytes } = adapter.description.capabilities;
      if (maxMemoBytes === 0)
        throw new UnsupportedError(`Chain ${from.chainId} carries no memo; send without one.`);
      if (Buffer.byteLength(memo, "utf8") > maxMemoBytes) {
        throw new BadUserInputError(`memo is at most ${maxMemoBytes} bytes of UTF-8 on ${from.chainId}.`, {
          field: "memo",
        });
      }
    }
    const inputHash = paymentInputHash({ fromAccountId: from.id, toAccountId, toAddress, amount, memo });

    const existing = await this.store.findPaymentByIdempotencyKey(tenantId, input.idempotencyKey);
    if (existing) {
      if (existing.inputHash === inputHash) return { payment: existing, replayed: true };
      throw new IdempotencyConflictError(
        `idempotencyKey ${JSON.stringify(input.idempotencyKey)} was already used for a different payment (${existing.id}); use a new key for a new payment.`,
        { paymentId: existing.id },
      );
    }
    if (from.custody !== "MANAGED") {
      throw new ForbiddenError(
        `Account ${from.id} is EXTERNAL (watch-only): the gateway holds no key for ${from.address}, so it cannot send from it. Send from a MANAGED account.`,
      );
    }

    const record = newOutgoingPayment({
      from,
      asset: subnet.asset,
      amount,
      toAddress,
      toAccountId,
      memo,
      idempotencyKey: input.idempotencyKey,
      inputHash,
    });
    return this.sender.send({ record, from });
  }

  /** Exactly one of accountId (the caller's own) or address (anyone's, on the same chain). */
  async #target(
    tenantId: string,
    from: AccountRecord,
    subnet: SubnetRecord,
    to: SendPayment["to"],
  ): Promise<{ toAccountId: string | null; toAddress: string }> {
    const hasAccount = to.accountId != null;
    const hasAddress = to.address != null;
    if (hasAccount === hasAddress) {
      throw new BadUserInputError("to takes exactly one of accountId (your own account) or address.", {
        field: "to",
      });
    }
    if (hasAccount) {
      const target = await this.accounts.getOwned(tenantId, to.accountId as string, "to.accountId");
      if (target.chainId !== from.chainId) {
        throw new CrossChainUnsupportedError(
          `Account ${target.id} is on ${target.chainId} and ${from.id} on ${from.chainId}: payments move within one chain.`,
        );
      }
      const [targetSubnet] = await this.store.getSubnets([target.subnetId]);
      if (targetSubnet && targetSubnet.asset.id !== subnet.asset.id) {
        throw new BadUserInputError(
          `Account ${target.id} holds ${targetSubnet.asset.symbol} and ${from.id} sends ${subnet.asset.symbol}: pay an account of a subnet with the same asset.`,
          { field: "to.accountId" },
        );
      }
      return { toAccountId: target.id, toAddress: target.address };
    }
    const adapter = this.chains.adapterOf(from.chainId);
    try {
      return { toAccountId: null, toAddress: adapter.normalizeAddress(to.address as string) };
    } catch (error) {
      if (!isAdapterError(error) || error.code !== "INVALID_ADDRESS")
        throw toGatewayError(error, "to.address");
      const elsewhere = this.chains.list().find((other) => {
        if (other === adapter) return false;
        try {
          other.normalizeAddress(to.address as string);
          return true;
        } catch {
          return false;
        }
      });
      if (elsewhere) {
        throw new CrossChainUnsupportedError(
          `${to.address} is an address on ${elsewhere.description.id}; account ${from.id} is on ${from.chainId}. Payments move within one chain.`,
        );
      }
      throw toGatewayError(error, "to.address");
    }
  }

  /** Dev faucet: credits the account on chains that have one; the tracker then records it as RECEIVED. */
  async fundAccount(tenantId: string, input: { accountId: string; amount: string }) {
    const account = await this.accounts.getOwned(tenantId, input.accountId);
    const [subnet] = await this.store.getSubnets([account.subnetId]);
    if (!subnet) throw new NotFoundError(`No subnet for account ${account.id}.`);
    const adapter = this.chains.adapterOf(account.chainId);
    if (!adapter.description.capabilities.faucet || !adapter.faucet) {
      throw new UnsupportedError(
        `Chain ${account.chainId} has no faucet: fund ${account.address} from another wallet.`,
      );
    }
    const amount = parseAmount(input.amount, subnet.asset.decimals);
    const faucet = adapter.faucet.bind(adapter);
    const { hash } = await adapterCall(() => faucet(account.address, { ...subnet.asset }, amount), "amount");
    return { account, txHash: hash, amount };
  }

  /** The tenant's payment, or NOT_FOUND (also for another tenant's id). */
  async getOwned(tenantId: string, id: string): Promise<PaymentRecord> {
    const [payment] = await this.store.getPayments([id]);
    if (!payment || payment.tenantId !== tenantId)
      throw new NotFoundError(`No payment ${JSON.stringify(id)}.`);
    return payment;
  }

  listPayments(filter: PaymentFilter, page: PageRequest): Promise<Page<PaymentRecord>> {
    return this.store.listPayments(filter, page);
  }
}
