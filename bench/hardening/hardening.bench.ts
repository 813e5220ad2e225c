// npm run bench:hardening: the query limits + metrics part of `npm run bench` alone (see runHardeningBench.ts).
import { runHardeningBench } from "./runHardeningBench.ts";

await runHardeningBench();
