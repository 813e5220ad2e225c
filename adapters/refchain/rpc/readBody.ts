import type { IncomingMessage } from "node:http";

export type BodyResult =
  | { ok: true; body: Buffer }
  /** `complete`: the whole request was read (and discarded), so the connection can answer and stay usable. */
  | { ok: false; complete: boolean };

/**
 * Reads a request body of at most `limit` bytes. An oversize body is never buffered: once past the
 * limit (or when Content-Length already says so) the rest is read and thrown away, so the client
 * can finish sending and read the 413 instead of hitting a reset. Past `discardLimit` it stops
 * reading altogether (`complete: false`) and the caller drops the connection.
 */
export function readBody(
  request: IncomingMessage,
  limit: number,
  discardLimit = limit * 16,
): Promise<BodyResult> {
  return new Promise((resolve, reject) => {
    const declared = Number(request.headers["content-length"]);
    if (declared > discardLimit) {
      resolve({ ok: false, complete: false });
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared > limit;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > discardLimit) {
        request.pause();
        request.removeAllListeners("data");
        resolve({ ok: false, complete: false });
        return;
      }
      if (!over && size > limit) {
        over = true;
        chunks.length = 0;
      }
      if (!over) chunks.push(chunk);
    });
    request.on("end", () =>
      resolve(over ? { ok: false, complete: true } : { ok: true, body: Buffer.concat(chunks, size) }),
    );
    request.on("error", reject);
    // A client that goes away mid-body: nothing to answer, but the caller must not wait forever.
    request.on("close", () => resolve({ ok: false, complete: false }));
  });
}
