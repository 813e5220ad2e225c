// The fee a validator charges for a message: 5000 lamports per signature (precompile signatures
// included) plus the prioritization fee, ceil(compute-unit price × compute-unit limit / 1e6). LiteSVM
// charges the same but does not say how much, so the endpoint computes it for meta.fee and getFeeForMessage.
import type { CompiledInstruction } from "./wireTransaction.ts";

export const LAMPORTS_PER_SIGNATURE = 5000n;

const COMPUTE_BUDGET_PROGRAM = "ComputeBudget111111111111111111111111111111";
const MAX_COMPUTE_UNIT_LIMIT = 1_400_000n;
const DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT = 200_000n;
/** What an instruction of a builtin program reserves when the limit is not set. */
const MAX_BUILTIN_ALLOCATION_COMPUTE_UNIT_LIMIT = 3_000n;
const MICRO_LAMPORTS_PER_LAMPORT = 1_000_000n;

// Programs that still run natively (LiteSVM loads Stake and Address Lookup Table as Core BPF programs,
// so they reserve the full 200k like any other program).
const BUILTIN_PROGRAMS = new Set([
  "11111111111111111111111111111111",
  COMPUTE_BUDGET_PROGRAM,
  "Vote111111111111111111111111111111111111111",
  "BPFLoader1111111111111111111111111111111111",
  "BPFLoader2111111111111111111111111111111111",
  "BPFLoaderUpgradeab1e11111111111111111111111",
  "LoaderV411111111111111111111111111111111111",
  "Ed25519SigVerify111111111111111111111111111",
  "KeccakSecp256k11111111111111111111111111111",
  "Secp256r1SigVerify1111111111111111111111111",
]);

const SIGNATURE_PRECOMPILES = new Set([
  "Ed25519SigVerify111111111111111111111111111",
  "KeccakSecp256k11111111111111111111111111111",
  "Secp256r1SigVerify1111111111111111111111111",
]);

function readU32(data: Uint8Array, offset: number): bigint {
  return BigInt(new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(offset, true));
}

function readU64(data: Uint8Array, offset: number): bigint {
  return new DataView(data.buffer, data.byteOffset, data.byteLength).getBigUint64(offset, true);
}

export interface FeeInputs {
  numRequiredSignatures: number;
  instructions: readonly CompiledInstruction[];
  /** Static account keys (programs are always static). */
  accountKeys: readonly string[];
}

export interface FeeDetails {
  fee: bigint;
  /** Micro-lamports per compute unit (SetComputeUnitPrice), 0 when not set. */
  computeUnitPrice: bigint;
}

export function transactionFee({ numRequiredSignatures, instructions, accountKeys }: FeeInputs): FeeDetails {
  let signatures = BigInt(numRequiredSignatures);
  let explicitLimit: bigint | null = null;
  let microLamportsPerUnit = 0n;
  let defaultLimit = 0n;
  for (const instruction of instructions) {
    const program = accountKeys[instruction.programIdIndex] ?? "";
    const { data } = instruction;
    if (SIGNATURE_PRECOMPILES.has(program) && data.length > 0) signatures += BigInt(data[0] ?? 0);
    if (program === COMPUTE_BUDGET_PROGRAM) {
      if (data[0] === 2 && data.length >= 5) explicitLimit = readU32(data, 1);
      if (data[0] === 3 && data.length >= 9) microLamportsPerUnit = readU64(data, 1);
    }
    defaultLimit += BUILTIN_PROGRAMS.has(program)
      ? MAX_BUILTIN_ALLOCATION_COMPUTE_UNIT_LIMIT
      : DEFAULT_INSTRUCTION_COMPUTE_UNIT_LIMIT;
  }
  const limit = explicitLimit ?? defaultLimit;
  const cappedLimit = limit < MAX_COMPUTE_UNIT_LIMIT ? limit : MAX_COMPUTE_UNIT_LIMIT;
  const prioritizationFee =
    (microLamportsPerUnit * cappedLimit + MICRO_LAMPORTS_PER_LAMPORT - 1n) / MICRO_LAMPORTS_PER_LAMPORT;
  return {
    fee: signatures * LAMPORTS_PER_SIGNATURE + prioritizationFee,
    computeUnitPrice: microLamportsPerUnit,
  };
}
