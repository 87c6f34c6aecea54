/**
 * The peer a user would pick instead of our BFF: a stock @apollo/gateway with default options,
 * served by @apollo/server's standalone server, over the same supergraph. It adds only what the
 * subgraphs require of any caller: an anonymous gateway assertion for each subgraph it calls.
 * Started by bench/run.ts; not part of the product.
 */
import { readFileSync } from 'node:fs';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { subgraphUrls } from '../lib/config/subgraph-urls';
import { SUPERGRAPH_SDL } from '../lib/graphql/composition';
import { ASSERTION_HEADER, assertionSigner } from '../lib/identity/assertion';
import { signingKeyFrom } from '../lib/identity/keys';

async function main() {
  const sign = assertionSigner(await signingKeyFrom(process.env.GATEWAY_SIGNING_KEY!, 'GATEWAY_SIGNING_KEY'), 'stock-gateway');
  const urls = subgraphUrls();
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(SUPERGRAPH_SDL, 'utf8'),
    buildService: ({ name }) =>
      new RemoteGraphQLDataSource({
        url: urls[name],
        async willSendRequest({ request }) {
          request.http?.headers.set(ASSERTION_HEADER, await sign(name, null));
        },
      }),
  });
  const server = new ApolloServer({ gateway });
  const { url } = await startStandaloneServer(server, { listen: { port: Number(process.env.PORT ?? 0), host: '127.0.0.1' } });
  console.log(JSON.stringify({ msg: 'listening', port: Number(new URL(url).port) }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
