// npm run bench:replicas: the replicas part of `npm run bench` alone (see runReplicasBench.ts).
import { runReplicasBench } from "./runReplicasBench.ts";

await runReplicasBench();
