// How many sendTransaction calls per second the local endpoint takes from one sequential sender over
// HTTP (keep-alive), with and without preflight: the ceiling any benchmark through it can reach.
//   node --import tsx tools/solanaLocal/benchSendTransaction.ts [count] [url]
// Without a url it starts the endpoint in this process (as tests do); with one (`npm run solana:local`
// elsewhere) client and endpoint have a core each.
import { Keypair, LAMPORTS_PER_SOL, SystemProgram, Transaction } from "@solana/web3.js";
import { startSolanaLocal } from "./solanaLocal.ts";

const count = Number(process.argv[2] ?? 3000);
const local = process.argv[3] === undefined ? await startSolanaLocal({ port: 0, wsPort: 0 }) : undefined;
const url = process.argv[3] ?? (local?.url as string);

async function call(method: string, params: unknown[]): Promise<unknown> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const answer = (await response.json()) as { result?: unknown; error?: { message: string } };
  if (answer.error) throw new Error(`${method}: ${answer.error.message}`);
  return answer.result;
}

const processed = { commitment: "processed" };

async function fundedPayer(): Promise<Keypair> {
  const payer = Keypair.generate();
  await call("requestAirdrop", [payer.publicKey.toBase58(), 1_000 * LAMPORTS_PER_SOL]);
  for (;;) {
    const { value } = (await call("getBalance", [payer.publicKey.toBase58(), processed])) as {
      value: number;
    };
    if (value > 0) return payer;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function signedTransfers(n: number): Promise<string[]> {
  const payer = await fundedPayer();
  const { value } = (await call("getLatestBlockhash", [processed])) as { value: { blockhash: string } };
  const receiver = Keypair.generate().publicKey;
  const transfers: string[] = [];
  for (let i = 0; i < n; i++) {
    // A different amount each time: otherwise every transfer would be the same transaction.
    const transaction = new Transaction({ feePayer: payer.publicKey, recentBlockhash: value.blockhash }).add(
      SystemProgram.transfer({ fromPubkey: payer.publicKey, toPubkey: receiver, lamports: 1_000_000 + i }),
    );
    transaction.sign(payer);
    transfers.push(transaction.serialize().toString("base64"));
  }
  return transfers;
}

async function measure(n: number, skipPreflight: boolean): Promise<number> {
  const transfers = await signedTransfers(n);
  const config = { encoding: "base64", skipPreflight, preflightCommitment: "processed" };
  const started = performance.now();
  for (const transfer of transfers) await call("sendTransaction", [transfer, config]);
  return n / ((performance.now() - started) / 1000);
}

try {
  await measure(Math.ceil(count / 5), false); // warm-up: JIT and first allocations, not counted
  for (const skipPreflight of [false, true]) {
    const rate = await measure(count, skipPreflight);
    console.log(
      `${skipPreflight ? "skipPreflight" : "preflight"}: ${Math.round(rate)} sendTransaction/s (${count} sequential)`,
    );
  }
} finally {
  await local?.close();
}
