import type { Authenticator } from "../auth/authenticate.ts";
import type { EventBus } from "../events/eventBus.ts";
import type { Logger } from "../logger.ts";
import type { Store } from "../store/store.ts";
import type { SocketsByApiKey } from "./socketsByApiKey.ts";

export interface FollowApiKeyRevocationsOptions {
  bus: EventBus;
  store: Pick<Store, "getApiKeys">;
  authenticator: Pick<Authenticator, "invalidateKeyId" | "clear">;
  sockets: SocketsByApiKey;
  logger: Logger;
  /**
   * How often the keys of the open sockets are checked against the store: the backstop for a
   * revocation notice that never arrived. Default 30 s; 0 turns it off.
   */
  recheckEveryMs?: number;
}

/**
 * Makes a revocation take effect on this replica as soon as it is heard, whichever replica made it:
 * the authenticator forgets the key (the next HTTP request with it is refused) and its open sockets
 * are closed with 4401. When notices may have been lost (the bus resyncs), every cached key is
 * dropped and the open sockets' keys are checked against the store; they are also checked every
 * `recheckEveryMs`. Returns the function that stops following.
 */
export function followApiKeyRevocations(options: FollowApiKeyRevocationsOptions): () => void {
  const { bus, store, authenticator, sockets, logger } = options;
  let stopped = false;

  const revoked = (apiKeyId: string) => {
    // The cache first: a client that reconnects on the close must find the key refused.
    authenticator.invalidateKeyId(apiKeyId);
    sockets.revoked(apiKeyId);
  };

  let checking = false;
  const recheck = async () => {
    const ids = sockets.apiKeyIds();
    if (ids.length === 0 || checking || stopped) return;
    checking = true;
    try {
      const keys = await store.getApiKeys(ids);
      ids.forEach((id, i) => {
        const key = keys[i];
        if (!stopped && (key == null || key.revokedAt !== null)) revoked(id);
      });
    } catch (error) {
      logger.warn({ err: error }, "could not check the open sockets' API keys; trying again later");
    } finally {
      checking = false;
    }
  };

  const stopNotices = bus.onApiKeyRevoked(revoked);
  const stopResyncs = bus.onResync?.(() => {
    authenticator.clear();
    void recheck();
  });
  const everyMs = options.recheckEveryMs ?? 30_000;
  const timer = everyMs > 0 ? setInterval(() => void recheck(), everyMs) : null;
  timer?.unref();

  return () => {
    stopped = true;
    stopNotices();
    stopResyncs?.();
    if (timer !== null) clearInterval(timer);
  };
}
