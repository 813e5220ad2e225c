/** Live subscriptions allowed at once: on one socket, and for one tenant over all its sockets. */
export interface SubscriptionCaps {
  perSocket: number;
  perTenant: number;
}

/** Which cap a subscription was refused for. */
export type SubscriptionCap = "subscriptionsPerSocket" | "subscriptionsPerTenant";

/**
 * Counts the live subscriptions of each socket and each tenant, in this process (a replica counts
 * its own sockets). A slot is taken when a subscription is admitted and given back when it ends,
 * however it ends: completed by either side, failed, or its socket closed. Releasing is idempotent,
 * so the last two may both report the same subscription.
 */
export class SubscriptionSlots<Socket extends object> {
  private readonly sockets = new Map<Socket, { tenantId: string | null; ids: Set<string> }>();
  private readonly tenants = new Map<string, number>();

  constructor(private readonly caps: SubscriptionCaps) {}

  /**
   * Takes a slot for subscription `id` on `socket`, whose caller is `tenantId` (null: not a tenant,
   * only the socket's cap applies). Returns the cap that refused it, or null when it was taken.
   */
  take(socket: Socket, id: string, tenantId: string | null): SubscriptionCap | null {
    const held = this.sockets.get(socket);
    if ((held?.ids.size ?? 0) >= this.caps.perSocket) return "subscriptionsPerSocket";
    if (tenantId !== null && (this.tenants.get(tenantId) ?? 0) >= this.caps.perTenant) {
      return "subscriptionsPerTenant";
    }
    const entry = held ?? { tenantId, ids: new Set<string>() };
    if (entry.ids.has(id)) return null;
    entry.ids.add(id);
    this.sockets.set(socket, entry);
    if (tenantId !== null) this.tenants.set(tenantId, (this.tenants.get(tenantId) ?? 0) + 1);
    return null;
  }

  /** Gives back the slot of subscription `id` on `socket`, if it holds one. */
  release(socket: Socket, id: string): void {
    const held = this.sockets.get(socket);
    if (!held?.ids.delete(id)) return;
    this.giveBack(held.tenantId, 1);
    if (held.ids.size === 0) this.sockets.delete(socket);
  }

  /** Gives back every slot of a socket that closed. */
  releaseSocket(socket: Socket): void {
    const held = this.sockets.get(socket);
    if (!held) return;
    this.sockets.delete(socket);
    this.giveBack(held.tenantId, held.ids.size);
  }

  /** Live subscriptions of a socket (for tests and metrics). */
  ofSocket(socket: Socket): number {
    return this.sockets.get(socket)?.ids.size ?? 0;
  }

  /** Live subscriptions of a tenant on this replica (for tests and metrics). */
  ofTenant(tenantId: string): number {
    return this.tenants.get(tenantId) ?? 0;
  }

  private giveBack(tenantId: string | null, count: number): void {
    if (tenantId === null || count === 0) return;
    const left = (this.tenants.get(tenantId) ?? 0) - count;
    if (left > 0) this.tenants.set(tenantId, left);
    else this.tenants.delete(tenantId);
  }
}
