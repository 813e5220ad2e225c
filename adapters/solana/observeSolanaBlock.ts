import { PublicKey, SystemProgram, type VersionedBlockResponse } from "@solana/web3.js";
import type { AssetInfo, ObservedBlock, ObservedTransfer } from "../types.ts";

const MEMO_PROGRAM = new PublicKey("MemoSq4gqABAXKb96qnH8TysNcWxMyWCqXgDLGmfcHr");
/** The System Program's Transfer instruction: u32 index 2, then u64 lamports. */
const SYSTEM_TRANSFER = 2;

export interface ObserveContext {
  native: AssetInfo;
  /** The token of a mint, or null when it is not one the adapter can describe. */
  token(mint: string): Promise<AssetInfo | null>;
}

/**
 * A confirmed block as the watcher delivers it. SOL: System Program transfers made by a transaction
 * itself (not inside another program's call). Tokens: every owner whose token balance grew in a
 * successful transaction, from the transaction's pre/post token balances, so a transfer counts
 * however it was made (transfer, transferChecked, inside a program). A memo (Memo program)
 * travels with the transaction's transfers. Failed transactions move nothing but the fee.
 */
export async function observeSolanaBlock(
  block: VersionedBlockResponse,
  context: ObserveContext,
): Promise<ObservedBlock> {
  const transfers: ObservedTransfer[] = [];
  const failed = new Map<string, string>();
  const transactionHashes: string[] = [];
  for (const { transaction, meta } of block.transactions) {
    const signature = transaction.signatures[0];
    if (signature === undefined) continue;
    transactionHashes.push(signature);
    if (meta?.err) {
      failed.set(signature, `The transaction failed on chain: ${JSON.stringify(meta.err)}.`);
      continue;
    }
    const { message } = transaction;
    const keys = message.getAccountKeys(
      meta?.loadedAddresses ? { accountKeysFromLookups: meta.loadedAddresses } : undefined,
    );
    const keyAt = (index: number | undefined) => (index === undefined ? undefined : keys.get(index));
    const memos = message.compiledInstructions
      .filter((instruction) => keyAt(instruction.programIdIndex)?.equals(MEMO_PROGRAM))
      .map((instruction) => Buffer.from(instruction.data).toString("utf8"));
    const memo = memos.length > 0 ? memos.join("\n") : null;

    for (const instruction of message.compiledInstructions) {
      const data = Buffer.from(instruction.data);
      if (!keyAt(instruction.programIdIndex)?.equals(SystemProgram.programId)) continue;
      if (data.length !== 12 || data.readUInt32LE(0) !== SYSTEM_TRANSFER) continue;
      const from = keyAt(instruction.accountKeyIndexes[0]);
      const to = keyAt(instruction.accountKeyIndexes[1]);
      const lamports = data.readBigUInt64LE(4);
      if (!from || !to || lamports === 0n) continue;
      transfers.push({
        txHash: signature,
        index: transfers.length,
        from: from.toBase58(),
        to: to.toBase58(),
        asset: context.native,
        amount: lamports,
        memo,
      });
    }

    const before = new Map((meta?.preTokenBalances ?? []).map((balance) => [balance.accountIndex, balance]));
    const changes = (meta?.postTokenBalances ?? []).map((after) => ({
      owner: after.owner,
      mint: after.mint,
      delta:
        BigInt(after.uiTokenAmount.amount) -
        BigInt(before.get(after.accountIndex)?.uiTokenAmount.amount ?? "0"),
    }));
    for (const change of changes) {
      if (change.delta <= 0n || !change.owner) continue;
      const asset = await context.token(change.mint);
      if (asset === null) continue;
      // The payer: the one owner whose balance of this mint fell, else the fee payer.
      const payers = changes.filter((other) => other.mint === change.mint && other.delta < 0n && other.owner);
      const from = payers.length === 1 ? (payers[0]?.owner as string) : (keyAt(0)?.toBase58() ?? "");
      transfers.push({
        txHash: signature,
        index: transfers.length,
        from,
        to: change.owner,
        asset,
        amount: change.delta,
        memo,
      });
    }
  }
  // The RPC answers blockHeight; web3.js parses it but leaves it out of its types.
  const height = (block as { blockHeight?: number | null }).blockHeight;
  if (height === null || height === undefined) throw new Error("a block without a block height");
  return {
    height: BigInt(height),
    hash: block.blockhash,
    parentHash: block.previousBlockhash,
    timestamp: BigInt(block.blockTime ?? 0) * 1000n,
    transactionHashes,
    failed,
    transfers,
  };
}
