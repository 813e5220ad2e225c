import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root, Subscription } from "type-graphql";
import type { Caller } from "../../auth/caller.ts";
import { UnauthenticatedError } from "../../errors/gatewayError.ts";
import { chainHeadStream } from "../../events/paymentEventStream.ts";
import type { GatewayContext } from "../../graphql/gatewayContext.ts";
import { BlockHeightScalar } from "../../graphql/scalars/blockHeightScalar.ts";
import type { AssetRecord } from "../../store/store.ts";
import { Asset, Chain, ChainHeadEvent } from "./chain.type.ts";
import { type ChainView, toChainView } from "./chainView.ts";

/** Any key (tenant or admin) may read chains; the schema alone is public. */
export function requireCaller(caller: Caller): void {
  if (caller.kind === "anonymous") {
    throw new UnauthenticatedError("This needs an API key: send `Authorization: Bearer <apiKey>`.");
  }
}

@Resolver(() => Chain)
export class ChainResolver {
  @Query(() => [Chain], { description: "The chains this gateway runs." })
  chains(@Ctx() { caller, services }: GatewayContext): ChainView[] {
    requireCaller(caller);
    return services.chains.list().map(toChainView);
  }

  @FieldResolver(() => Asset)
  nativeAsset(@Root() chain: ChainView): AssetRecord {
    return chain.nativeAsset;
  }

  @FieldResolver(() => BlockHeightScalar, {
    nullable: true,
    description: "The latest block; null while the chain is unreachable.",
  })
  async head(@Root() chain: ChainView, @Ctx() { services, logger }: GatewayContext): Promise<bigint | null> {
    try {
      return (await services.chains.head(chain.id)).height;
    } catch (error) {
      logger.warn({ err: error, chainId: chain.id }, "chain head unavailable");
      return null;
    }
  }

  @FieldResolver(() => Boolean, { description: "The gateway is following this chain's blocks." })
  healthy(@Root() chain: ChainView, @Ctx() { services }: GatewayContext): boolean {
    return services.chains.healthy(chain.id);
  }

  @Subscription(() => ChainHeadEvent, {
    description: "New blocks, of one chain or of all.",
    subscribe: ({ args, context }) => {
      const { caller, services } = context as GatewayContext;
      requireCaller(caller);
      if (args.chainId != null) services.chains.get(args.chainId as string);
      return chainHeadStream({
        bus: services.bus,
        ...(args.chainId == null ? {} : { chainId: args.chainId as string }),
      });
    },
  })
  chainHeads(
    @Root() event: { chainId: string; height: bigint; hash: string; timestamp: bigint },
    @Arg("chainId", () => ID, { nullable: true }) _chainId: string | null,
  ): ChainHeadEvent {
    return {
      chainId: event.chainId,
      height: event.height,
      hash: event.hash,
      timestamp: new Date(Number(event.timestamp)),
    };
  }
}

@Resolver(() => Asset)
export class AssetResolver {
  @FieldResolver(() => Chain)
  chain(@Root() asset: AssetRecord, @Ctx() { services }: GatewayContext): ChainView {
    return toChainView(services.chains.adapterOf(asset.chainId));
  }
}
