import { type Client, createClient } from "graphql-ws";
import WebSocket from "ws";

export interface GraphQLResponse<T> {
  status: number;
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; [key: string]: unknown }; path?: unknown[] }[];
}

/** The error codes of a response, for assertions. */
export const codesOf = (response: GraphQLResponse<unknown>) =>
  (response.errors ?? []).map((error) => error.extensions?.code);

/** A GraphQL client over real HTTP (fetch) and WebSocket (graphql-ws), for tests. */
export class GraphQLTestClient {
  constructor(
    readonly url: string,
    readonly wsUrl: string,
    readonly apiKey?: string,
  ) {}

  async request<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<GraphQLResponse<T>> {
    const response = await fetch(this.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {}),
      },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as GraphQLResponse<T>;
    return { ...body, status: response.status };
  }

  /** The data of a response that must have no errors. */
  async data<T = Record<string, unknown>>(
    query: string,
    variables: Record<string, unknown> = {},
  ): Promise<T> {
    const response = await this.request<T>(query, variables);
    if (response.errors?.length || !response.data) {
      throw new Error(`GraphQL errors: ${JSON.stringify(response.errors)}`);
    }
    return response.data;
  }

  /** A graphql-ws client with this key in connectionParams. Close it with dispose(). */
  ws(
    options: {
      lazy?: boolean;
      retryAttempts?: number;
      onClose?: (code: number, reason: string) => void;
    } = {},
  ): Client {
    return createClient({
      url: this.wsUrl,
      webSocketImpl: WebSocket,
      lazy: options.lazy ?? true,
      retryAttempts: options.retryAttempts ?? 0,
      connectionParams: this.apiKey ? { authorization: `Bearer ${this.apiKey}` } : {},
      on: {
        closed: (event) => {
          const { code, reason } = event as { code: number; reason: string };
          options.onClose?.(code, String(reason));
        },
      },
    });
  }
}

/** Collects a subscription's results until `until` says stop (or the timeout passes). */
export function collect<T>(
  client: Client,
  query: string,
  variables: Record<string, unknown>,
): { items: T[]; errors: unknown[]; waitFor(count: number, timeoutMs?: number): Promise<T[]>; stop(): void } {
  const items: T[] = [];
  const errors: unknown[] = [];
  let wake: (() => void) | null = null;
  const stop = client.subscribe<T>(
    { query, variables },
    {
      next: (result) => {
        if (result.errors) errors.push(...result.errors);
        if (result.data) items.push(result.data as T);
        wake?.();
      },
      error: (error) => {
        errors.push(error);
        wake?.();
      },
      complete: () => wake?.(),
    },
  );
  return {
    items,
    errors,
    stop,
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (items.length < count && errors.length === 0 && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      if (errors.length) throw new Error(`subscription errors: ${JSON.stringify(errors)}`);
      if (items.length < count)
        throw new Error(`subscription: ${items.length} of ${count} results after ${timeoutMs} ms`);
      return items;
    },
  };
}

/** Polls until `check` returns a value that is not undefined. Not a timing assertion: it waits for an outcome. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
