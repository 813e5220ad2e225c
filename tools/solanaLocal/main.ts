// `npm run solana:local [-- --port 8899 --slot-ms 400]`: the LiteSVM-backed Solana endpoint until Ctrl-C.
// Flags win over the environment (SOLANA_LOCAL_PORT, SOLANA_LOCAL_WS_PORT, SOLANA_LOCAL_SLOT_MS).
import { parseArgs } from "node:util";
import { startSolanaLocal } from "./solanaLocal.ts";

const { values } = parseArgs({
  options: {
    port: { type: "string" },
    "ws-port": { type: "string" },
    host: { type: "string" },
    "slot-ms": { type: "string" },
    "confirmed-lag": { type: "string" },
    "finalized-lag": { type: "string" },
    "no-airdrop": { type: "boolean" },
  },
});

function numberOption(flag: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) {
    console.error(`solanaLocal: --${flag} takes a whole number, not "${value}"`);
    process.exit(2);
  }
  return number;
}

const local = await startSolanaLocal({
  port: numberOption("port", values.port ?? process.env.SOLANA_LOCAL_PORT),
  wsPort: numberOption("ws-port", values["ws-port"] ?? process.env.SOLANA_LOCAL_WS_PORT),
  host: values.host,
  slotMs: numberOption("slot-ms", values["slot-ms"] ?? process.env.SOLANA_LOCAL_SLOT_MS),
  confirmedLag: numberOption("confirmed-lag", values["confirmed-lag"]),
  finalizedLag: numberOption("finalized-lag", values["finalized-lag"]),
  airdrop: values["no-airdrop"] !== true,
});

console.log(`solanaLocal: JSON-RPC ${local.url}`);
console.log(`solanaLocal: PubSub   ${local.wsUrl}`);
console.log(`solanaLocal: genesis  ${local.chain.genesisHash}`);

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    void local.close().then(() => process.exit(0));
  });
}
