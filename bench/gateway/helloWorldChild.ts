// The baseline server: a bare Apollo Server 5 hello world on its standalone HTTP server, in its own
// process. Whatever the gateway costs beyond GraphQL over HTTP shows as its ratio to this.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { serveParent } from "./parentLink.ts";

/** What the child announces when it listens. */
export interface HelloWorldInfo {
  url: string;
}

const server = new ApolloServer({
  typeDefs: "type Query { hello: String }",
  resolvers: { Query: { hello: () => "world" } },
});
const { url } = await startStandaloneServer(server, { listen: { host: "127.0.0.1", port: 0 } });
serveParent<HelloWorldInfo>({ url }, {}, () => server.stop());
