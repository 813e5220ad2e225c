// The EVM figures of `npm run bench` alone: see runEvmBench.ts.
//
//   node --import tsx bench/evm/evm.bench.ts
import { runEvmBench } from "./runEvmBench.ts";

await runEvmBench();
