// The Solana figures of `npm run bench` alone: see runSolanaBench.ts.
//
//   npm run bench:solana
import { runSolanaBench } from "./runSolanaBench.ts";

await runSolanaBench();
