import type { ChainAdapter } from "../../../adapters/types.ts";
import { formatAmount } from "../../money/amount.ts";
import type { AssetRecord } from "../../store/store.ts";
import { ChainKind } from "./chain.type.ts";

/** What a Chain field resolves from: the adapter's description. */
export interface ChainView {
  id: string;
  kind: ChainKind;
  name: string;
  confirmationsToFinality: number;
  /** In the native asset's units, as an Amount. */
  minimumBalance: string;
  nativeAsset: AssetRecord;
}

export const toChainView = (adapter: ChainAdapter): ChainView => ({
  id: adapter.description.id,
  kind: ChainKind[adapter.description.kind],
  name: adapter.description.name,
  confirmationsToFinality: adapter.description.capabilities.finalityDepth,
  minimumBalance: formatAmount(
    adapter.description.capabilities.minimumBalance,
    adapter.description.nativeAsset.decimals,
  ),
  nativeAsset: adapter.description.nativeAsset,
});
