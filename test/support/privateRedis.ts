import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createClient } from "redis";

export interface PrivateRedis {
  url: string;
  /** Stops the server (SIGKILL: what it holds is gone, as after a crash). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
}

/**
 * A Redis server of the test's own (the machine's redis-server binary on a free port, nothing on
 * disk), for tests that restart Redis: the shared one on 6379 serves other tests at the same time.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let server: ChildProcess | null = null;

  async function start(): Promise<void> {
    server = spawn(
      "redis-server",
      ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
      {
        stdio: "ignore",
      },
    );
    const deadline = Date.now() + 10_000;
    for (;;) {
      const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 500 } });
      client.on("error", () => {});
      try {
        await client.connect();
        await client.ping();
        client.destroy();
        return;
      } catch (error) {
        client.destroy();
        if (Date.now() > deadline)
          throw new Error(`redis-server did not start on port ${port}: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  }

  async function stop(): Promise<void> {
    const running = server;
    server = null;
    if (running === null || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve());
      running.kill("SIGKILL");
    });
  }

  await start();
  return { url, start, stop };
}

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/** Whether redis-server can be run here (the Redis restart test needs its own). */
export async function redisServerMissing(): Promise<string | null> {
  return new Promise((resolve) => {
    const child = spawn("redis-server", ["--version"], { stdio: "ignore" });
    child.once("error", (error) => resolve(`redis-server cannot be run: ${error.message}`));
    child.once("exit", (code) => resolve(code === 0 ? null : `redis-server --version exited with ${code}`));
  });
}
