// The PubSub WebSocket (a validator's RPC port + 1): slot, root, signature and account subscriptions,
// notified as blocks are sealed, in the validator's message shapes.
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import type { RpcMethod } from "./clusterMethods.ts";
import { type AccountEncoding, accountEncodingParam, encodeAccount } from "./encodeAccount.ts";
import { answerBody, stringifyJson } from "./jsonRpc.ts";
import type { Block, Commitment, LandedTransaction } from "./ledger.ts";
import type { LocalChain } from "./localChain.ts";
import { invalidParams } from "./rpcError.ts";
import {
  commitmentParam,
  configParam,
  integerParam,
  type Params,
  pubkeyParam,
  required,
  signatureParam,
} from "./rpcParams.ts";

type Subscription =
  | { kind: "slot" }
  | { kind: "root"; lastRoot: number }
  | { kind: "signature"; signature: string; commitment: Commitment; notifyReceived: boolean }
  | { kind: "account"; address: string; commitment: Commitment; encoding: AccountEncoding; seenSlot: number };

interface Subscriber {
  socket: WebSocket;
  subscription: Subscription;
}

const NOTIFICATION_METHODS: Record<Subscription["kind"], string> = {
  slot: "slotNotification",
  root: "rootNotification",
  signature: "signatureNotification",
  account: "accountNotification",
};

/** An account that stopped existing is notified as an empty System account, as a validator does. */
const DELETED_ACCOUNT = {
  lamports: 0n,
  data: new Uint8Array(0),
  owner: "11111111111111111111111111111111",
  executable: false,
  rentEpoch: 0n,
};

export interface PubsubServer {
  port: number;
  close(): Promise<void>;
}

export async function listenPubsub(chain: LocalChain, host: string, port: number): Promise<PubsubServer> {
  const server = new WebSocketServer({ host, port });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.once("listening", () => {
      server.off("error", reject);
      resolve();
    });
  });

  const subscribers = new Map<number, Subscriber>();
  let nextId = 0;

  const notify = (id: number, subscriber: Subscriber, result: unknown) => {
    const method = NOTIFICATION_METHODS[subscriber.subscription.kind];
    subscriber.socket.send(stringifyJson({ jsonrpc: "2.0", method, params: { result, subscription: id } }));
  };

  const context = (slot: number) => ({ slot });

  /** Notifies a signature once its transaction is at the subscription's commitment, then forgets it. */
  const checkSignature = (id: number, subscriber: Subscriber) => {
    const { subscription } = subscriber;
    if (subscription.kind !== "signature") return;
    const transaction = chain.transaction(subscription.signature);
    const slot = chain.commitmentSlot(subscription.commitment);
    if (transaction === undefined || transaction.slot > slot) return;
    notify(id, subscriber, { context: context(slot), value: { err: transaction.err } });
    subscribers.delete(id);
  };

  const checkAccount = (id: number, subscriber: Subscriber) => {
    const { subscription } = subscriber;
    if (subscription.kind !== "account") return;
    const slot = chain.commitmentSlot(subscription.commitment);
    let changed = false;
    for (let written = subscription.seenSlot + 1; written <= slot && !changed; written++) {
      changed = (chain.block(written) as Block).writtenAccounts.includes(subscription.address);
    }
    subscription.seenSlot = Math.max(subscription.seenSlot, slot);
    if (!changed) return;
    const account = chain.account(subscription.address, slot) ?? DELETED_ACCOUNT;
    const value = encodeAccount(account, subscription.encoding, undefined, {
      mintDecimals: chain.mintDecimals,
    });
    notify(id, subscriber, { context: context(slot), value });
  };

  const notifySealed = (id: number, subscriber: Subscriber, block: Block, root: number) => {
    const { subscription } = subscriber;
    if (subscription.kind === "slot")
      notify(id, subscriber, { parent: block.parentSlot, root, slot: block.slot });
    else if (subscription.kind === "root" && root !== subscription.lastRoot) {
      subscription.lastRoot = root;
      notify(id, subscriber, root);
    } else if (subscription.kind === "signature") checkSignature(id, subscriber);
    else if (subscription.kind === "account") checkAccount(id, subscriber);
  };

  const unsealListener = chain.onSeal((block) => {
    const root = chain.commitmentSlot("finalized");
    for (const [id, subscriber] of subscribers) {
      try {
        notifySealed(id, subscriber, block, root);
      } catch (error) {
        // The slot clock runs this: one subscription's failure must not stop the chain.
        console.error(`solanaLocal pubsub: subscription ${id} failed`, error);
      }
    }
  });

  const unlandListener = chain.onLand((transaction: LandedTransaction) => {
    for (const [id, subscriber] of subscribers) {
      const { subscription } = subscriber;
      if (
        subscription.kind === "signature" &&
        subscription.notifyReceived &&
        subscription.signature === transaction.signature
      ) {
        notify(id, subscriber, { context: context(chain.latestSlot), value: "receivedSignature" });
      }
    }
  });

  const methodsFor = (socket: WebSocket): Record<string, RpcMethod> => {
    const subscribe = (
      subscription: Subscription,
      afterAnswer?: (id: number, subscriber: Subscriber) => void,
    ) => {
      const id = nextId++;
      const subscriber = { socket, subscription };
      subscribers.set(id, subscriber);
      // The answer (the subscription id) goes out first; a notification due at once follows it.
      if (afterAnswer) setImmediate(() => subscribers.has(id) && afterAnswer(id, subscriber));
      return id;
    };
    const unsubscribe = (kind: Subscription["kind"]) => (params: Params) => {
      required(params, 1);
      const id = integerParam(params[0]);
      const subscriber = subscribers.get(id);
      if (subscriber === undefined || subscriber.socket !== socket || subscriber.subscription.kind !== kind) {
        throw invalidParams("Invalid subscription id.");
      }
      subscribers.delete(id);
      return true;
    };
    return {
      slotSubscribe: () => subscribe({ kind: "slot" }),
      slotUnsubscribe: unsubscribe("slot"),
      rootSubscribe: () => subscribe({ kind: "root", lastRoot: chain.commitmentSlot("finalized") }),
      rootUnsubscribe: unsubscribe("root"),
      signatureSubscribe: (params) => {
        required(params, 1);
        const signature = signatureParam(params[0]);
        const config = configParam(params, 1);
        return subscribe(
          {
            kind: "signature",
            signature,
            commitment: commitmentParam(config),
            notifyReceived: config.enableReceivedNotification === true,
          },
          checkSignature,
        );
      },
      signatureUnsubscribe: unsubscribe("signature"),
      accountSubscribe: (params) => {
        required(params, 1);
        const address = pubkeyParam(params[0]);
        const config = configParam(params, 1);
        const commitment = commitmentParam(config);
        return subscribe({
          kind: "account",
          address,
          commitment,
          encoding: accountEncodingParam(config.encoding, "binary"),
          seenSlot: chain.commitmentSlot(commitment),
        });
      },
      accountUnsubscribe: unsubscribe("account"),
    };
  };

  server.on("connection", (socket) => {
    const methods = methodsFor(socket);
    socket.on("message", (data) => {
      const answered = answerBody(String(data), methods, (error, method) =>
        console.error(`solanaLocal pubsub: ${method} failed`, error),
      );
      if (answered !== undefined) socket.send(stringifyJson(answered));
    });
    socket.on("close", () => {
      for (const [id, subscriber] of subscribers) if (subscriber.socket === socket) subscribers.delete(id);
    });
  });

  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      unsealListener();
      unlandListener();
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
