import type { ChainLeadership } from "../cluster/chainLeadership.ts";
import type { ChainService } from "../modules/chain/chain.service.ts";
import { withDeadline } from "../withDeadline.ts";
import type { GatewayMetrics } from "./gatewayMetrics.ts";

/** A scrape does not wait longer than this for a chain's head: a chain that is down reports no lag. */
const HEAD_READ_TIMEOUT_MS = 2_000;

/**
 * Feeds gateway_chain_head_lag_blocks and gateway_chain_tracker_leader from each chain's leadership:
 * at each scrape, the replica running a chain's tracker reads the chain's head (one adapter call, so
 * a tracker that fell behind shows, which the heads its own blocks announce would hide) and subtracts
 * the height its tracker applied last. Followers report the leader gauge (0) and no lag: the leader's
 * series is the one to watch.
 */
export function trackChainLag(
  metrics: GatewayMetrics,
  leaderships: ReadonlyMap<string, ChainLeadership>,
  chains: ChainService,
): void {
  metrics.trackChains(
    [...leaderships.values()].map((leadership) => ({
      chainId: leadership.chainId,
      leads: () => leadership.isLeader(),
      lagBlocks: async () => {
        const applied = leadership.tracker()?.progress()?.height;
        if (applied === undefined) return null;
        const head = await withDeadline(
          chains.adapterOf(leadership.chainId).head(),
          HEAD_READ_TIMEOUT_MS,
          () => new Error("no head in time"),
        ).catch(() => null);
        if (head === null) return null;
        // The head read may be a little older than the tracker's last block: never a negative lag.
        return head.height > applied ? head.height - applied : 0n;
      },
    })),
  );
}
