// Builds TestToken.json from TestToken.sol with solc-js (the npm package solc):
//   node --import tsx test/support/evm/compileTestToken.ts
// and `... compileTestToken.ts --check` fails when the committed TestToken.json is not what the
// source compiles to. Tests deploy the committed JSON, so they need no compiler at run time.
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import solc from "solc";

export const TEST_TOKEN_SOURCE_FILE = fileURLToPath(new URL("./TestToken.sol", import.meta.url));
export const TEST_TOKEN_JSON_FILE = fileURLToPath(new URL("./TestToken.json", import.meta.url));

// The source's name in the compiler input. It is hashed into the bytecode's metadata, so it is a
// constant rather than a path that depends on where the repository is checked out.
const SOURCE_NAME = "TestToken.sol";

interface SolcOutput {
  errors?: { severity: "error" | "warning" | "info"; formattedMessage: string }[];
  contracts?: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
}

/** The text TestToken.json must hold for the current TestToken.sol and solc. */
export function compileTestToken(): string {
  const source = readFileSync(TEST_TOKEN_SOURCE_FILE, "utf8");
  const input = {
    language: "Solidity",
    sources: { [SOURCE_NAME]: { content: source } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      // Pinned rather than solc's newest default, so the bytecode runs on any node from Cancun on.
      evmVersion: "cancun",
      outputSelection: { [SOURCE_NAME]: { TestToken: ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const problems = (output.errors ?? []).filter((error) => error.severity !== "info");
  if (problems.length > 0) {
    // Warnings fail the build too: a test token should compile cleanly.
    throw new Error(`solc reported:\n${problems.map((error) => error.formattedMessage).join("\n")}`);
  }
  const contract = output.contracts?.[SOURCE_NAME]?.TestToken;
  if (!contract) throw new Error("solc produced no TestToken contract");
  const artifact = {
    abi: contract.abi,
    bytecode: `0x${contract.evm.bytecode.object}`,
    solcVersion: solc.version() as string,
    sourceSha256: createHash("sha256").update(source).digest("hex"),
  };
  // Two-space JSON with a final newline is already what biome's formatter writes.
  return `${JSON.stringify(artifact, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const compiled = compileTestToken();
  if (process.argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(TEST_TOKEN_JSON_FILE, "utf8");
    } catch {}
    if (committed !== compiled) {
      console.error(
        `${TEST_TOKEN_JSON_FILE} is not what TestToken.sol compiles to: run ` +
          "`node --import tsx test/support/evm/compileTestToken.ts` and commit the result.",
      );
      process.exit(1);
    }
    console.log(`${TEST_TOKEN_JSON_FILE} is current.`);
  } else {
    writeFileSync(TEST_TOKEN_JSON_FILE, compiled);
    console.log(`wrote ${TEST_TOKEN_JSON_FILE}`);
  }
}
