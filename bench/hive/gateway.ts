/**
 * The second peer of npm run bench: Hive Gateway (@graphql-hive/gateway) with default options,
 * on node:http, over the same supergraph and subgraphs. Like the stock @apollo/gateway peer it
 * adds only what the subgraphs require of any caller: an anonymous gateway assertion for each
 * subgraph it calls. Lives in its own workspace (bench/hive) so the product does not depend on it.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createGatewayRuntime } from '@graphql-hive/gateway';
import { subgraphUrls } from '../../lib/config/subgraph-urls';
import { SUPERGRAPH_SDL } from '../../lib/graphql/composition';
import { ASSERTION_HEADER, assertionSigner } from '../../lib/identity/assertion';
import { signingKeyFrom } from '../../lib/identity/keys';

async function main() {
  const sign = assertionSigner(await signingKeyFrom(process.env.GATEWAY_SIGNING_KEY!, 'GATEWAY_SIGNING_KEY'), 'hive-gateway');
  // Point each join__graph at the subgraph the bench started.
  let supergraph = readFileSync(SUPERGRAPH_SDL, 'utf8');
  const urls = subgraphUrls();
  for (const [name, url] of Object.entries(urls)) {
    supergraph = supergraph.replace(new RegExp(`(join__graph\\(name: "${name}", url: ")[^"]*(")`), `$1${url}$2`);
  }
  const gateway = createGatewayRuntime({
    supergraph,
    logging: 'error',
    plugins: () => [
      {
        async onFetch({ url, options, setOptions }) {
          // Each assertion names the subgraph it is for: found by the URL fetched.
          const subgraph = Object.entries(urls).find(([, at]) => url === at)?.[0] ?? '';
          setOptions({ ...options, headers: { ...(options.headers as Record<string, string>), [ASSERTION_HEADER]: await sign(subgraph, null) } });
        },
      },
    ],
  });
  const server = createServer(gateway);
  server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
    const address = server.address();
    console.log(JSON.stringify({ msg: 'listening', port: typeof address === 'object' && address ? address.port : 0 }));
  });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
