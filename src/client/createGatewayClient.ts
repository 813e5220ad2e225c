import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { type DocumentNode, type FormattedExecutionResult, Kind, print } from "graphql";
import { type Client, createClient, type FormattedExecutionResult as SubscriptionResult } from "graphql-ws";
import { GatewayClientError } from "./gatewayClientError.ts";

export interface GatewayClientOptions {
  /** The gateway's GraphQL endpoint, "http://127.0.0.1:4000/graphql". Subscriptions use it over ws(s). */
  url: string;
  /** A tenant's API key (or the admin key): `Authorization: Bearer <apiKey>`, and over graphql-ws `connectionParams.authorization`. */
  apiKey: string;
  /** Default: the global fetch. */
  fetch?: typeof globalThis.fetch;
  /**
   * The WebSocket class subscriptions use. Default: the global WebSocket (browsers, Node 22+); on
   * Node 20 pass the `ws` package's.
   */
  webSocketImpl?: unknown;
}

/**
 * The variables argument: optional when the operation has no required variable, required otherwise
 * (`request(ViewerDocument)`, but `request(PaymentDocument, { id })`).
 */
export type VariablesArgument<TVariables> =
  Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

export interface GatewayClient {
  /** Runs a query or mutation over HTTP. Resolves to its data; rejects with a GatewayClientError. */
  request<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: VariablesArgument<TVariables>
  ): Promise<TResult>;
  /**
   * Starts a subscription over graphql-ws at once (results arriving before you iterate are kept) and
   * yields each result's data. Breaking out of the loop ends it. A GraphQL error or a lost
   * connection ends the iteration with a GatewayClientError: resubscribe with `after` set to the
   * last cursor you handled to miss nothing (the gateway replays from there).
   */
  subscribe<TResult, TVariables>(
    document: TypedDocumentNode<TResult, TVariables>,
    ...[variables]: VariablesArgument<TVariables>
  ): AsyncIterableIterator<TResult>;
  /** Ends every open subscription and closes the WebSocket. */
  close(): Promise<void>;
}

/** The gateway closes a WebSocket whose connectionParams carry no valid key with this code. */
const CLOSE_UNAUTHORIZED = 4401;

/** A typed GraphQL client for the gateway: documents come from src/client/generated (npm run codegen). */
export function createGatewayClient(options: GatewayClientOptions): GatewayClient {
  const { url, apiKey } = options;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  let webSocket: Client | undefined;
  const open = new Set<AsyncIterableIterator<unknown>>();

  const webSocketClient = (): Client => {
    if (webSocket) return webSocket;
    const webSocketImpl = options.webSocketImpl ?? (globalThis as { WebSocket?: unknown }).WebSocket;
    if (!webSocketImpl) {
      throw new GatewayClientError(
        "No WebSocket implementation for subscriptions: pass webSocketImpl (on Node 20, the `ws` package's WebSocket).",
      );
    }
    webSocket = createClient({
      url: webSocketUrl(url),
      webSocketImpl,
      connectionParams: { authorization: `Bearer ${apiKey}` },
      // A reconnect would resubscribe with the first `after` and replay what was already handled:
      // a lost connection ends the iteration instead, and the caller resumes from its last cursor.
      retryAttempts: 0,
    });
    return webSocket;
  };

  return {
    async request(document, ...[variables]) {
      let response: Response;
      try {
        response = await fetchImpl(url, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            accept: "application/graphql-response+json, application/json",
            authorization: `Bearer ${apiKey}`,
          },
          body: JSON.stringify({
            query: printed(document),
            operationName: operationNameOf(document),
            variables,
          }),
        });
      } catch (error) {
        throw new GatewayClientError(`Could not reach the gateway at ${url}: ${messageOf(error)}`, {
          cause: error,
        });
      }
      const text = await response.text();
      let body: FormattedExecutionResult;
      try {
        body = JSON.parse(text) as FormattedExecutionResult;
      } catch (error) {
        throw new GatewayClientError(
          `The gateway at ${url} answered HTTP ${response.status} with no GraphQL result: ${text.slice(0, 200)}`,
          { status: response.status, cause: error },
        );
      }
      if (body.errors?.length) {
        throw GatewayClientError.fromGraphQLErrors(body.errors, { status: response.status, data: body.data });
      }
      if (body.data == null) {
        throw new GatewayClientError(`The gateway at ${url} answered HTTP ${response.status} with no data`, {
          status: response.status,
        });
      }
      return body.data as never;
    },

    subscribe<TResult, TVariables>(
      document: TypedDocumentNode<TResult, TVariables>,
      ...[variables]: VariablesArgument<TVariables>
    ): AsyncIterableIterator<TResult> {
      const results = webSocketClient().iterate<TResult>({
        query: printed(document),
        operationName: operationNameOf(document),
        variables: variables as Record<string, unknown> | undefined,
      });
      open.add(results);
      return dataOf(results, () => open.delete(results));
    },

    async close() {
      // Ending the inner iterators also wakes a consumer waiting for its next result.
      await Promise.all([...open].map((results) => results.return?.()));
      open.clear();
      await webSocket?.dispose();
      webSocket = undefined;
    },
  };
}

/** Each result's data, or a GatewayClientError for its errors or for a closed connection. */
async function* dataOf<TResult>(
  results: AsyncIterableIterator<SubscriptionResult<TResult, unknown>>,
  onEnd: () => void,
): AsyncIterableIterator<TResult> {
  try {
    for await (const result of results) {
      if (result.errors?.length)
        throw GatewayClientError.fromGraphQLErrors(result.errors, { data: result.data });
      if (result.data == null) throw new GatewayClientError("A subscription result came with no data");
      yield result.data;
    }
  } catch (error) {
    throw subscriptionError(error);
  } finally {
    onEnd();
  }
}

/** graphql-ws rejects with GraphQL errors (an array), a close event, or an Error: one error type out. */
function subscriptionError(error: unknown): GatewayClientError {
  if (error instanceof GatewayClientError) return error;
  if (Array.isArray(error)) return GatewayClientError.fromGraphQLErrors(error);
  if (isCloseEvent(error)) {
    const message = `The gateway closed the subscription's connection: ${error.code} ${error.reason}`.trim();
    return error.code === CLOSE_UNAUTHORIZED
      ? new GatewayClientError(message, {
          errors: [{ message, extensions: { code: "UNAUTHENTICATED" } }],
          cause: error,
        })
      : new GatewayClientError(message, { cause: error });
  }
  return new GatewayClientError(`Subscription failed: ${messageOf(error)}`, { cause: error });
}

const isCloseEvent = (value: unknown): value is { code: number; reason: string } =>
  typeof value === "object" && value !== null && "code" in value && typeof value.code === "number";

const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

// Generated documents are module constants: print each once.
const printedDocuments = new WeakMap<DocumentNode, string>();
function printed(document: DocumentNode): string {
  let text = printedDocuments.get(document);
  if (text === undefined) {
    text = print(document);
    printedDocuments.set(document, text);
  }
  return text;
}

function operationNameOf(document: DocumentNode): string | undefined {
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) return definition.name?.value;
  }
  return undefined;
}

function webSocketUrl(httpUrl: string): string {
  const target = new URL(httpUrl);
  if (target.protocol === "http:") target.protocol = "ws:";
  else if (target.protocol === "https:") target.protocol = "wss:";
  return target.href;
}
