import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import type { Redis } from 'ioredis';
import { useResponseCaching } from '../../bff/plugins/use-response-caching';
import type { BffContext } from '../../bff/context';
import { connectRedis, disconnectRedis, redisCache } from '../../lib/data/redis';
import { createLogger } from '../../lib/telemetry/logger';
import { startRedis, type TestRedis } from '../support/redis';

/**
 * Replicas of two versions share the response cache in a redis-server of the test's own (a rolling
 * deploy, or one replica that has reloaded its supergraph): an anonymous answer cached by one
 * version is served by a replica of the same schema, never by one of another.
 */
let redis: TestRedis;
let client: Redis;
const servers: ApolloServer<BffContext>[] = [];
const logger = createLogger('test', 'silent');

beforeAll(async () => {
  redis = await startRedis();
  client = connectRedis({ url: redis.url, timeoutMs: 500 }, logger);
  if (client.status !== 'ready') await new Promise((resolve) => client.once('ready', resolve));
});
afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
  await disconnectRedis(client);
  await redis?.stop();
});

/** A replica whose `greeting` answers `answer`; `extra` adds to its schema (the next version). */
async function replica(answer: string, extra = '') {
  const server = new ApolloServer<BffContext>({
    typeDefs: `type Query { greeting: String ${extra} }`,
    resolvers: { Query: { greeting: () => answer } },
    plugins: [ApolloServerPluginCacheControl({ defaultMaxAge: 60 }), ...useResponseCaching<BffContext>({ cache: redisCache(client, 'bff-web:responses:') })],
  });
  await server.start();
  servers.push(server);
  return async () => {
    const response = await server.executeOperation({ query: '{ greeting }' }, { contextValue: { viewer: null, requestId: 'r', log: logger, session: {} } as BffContext });
    if (response.body.kind !== 'single') throw new Error('not a single answer');
    return response.body.singleResult.data?.greeting;
  };
}

it('serves a cached answer to replicas of the same schema only', async () => {
  const oldA = await replica('old');
  const oldB = await replica('old B');
  const next = await replica('new', 'farewell: String');
  expect(await oldA()).toBe('old');
  // The same schema: the copy stored through A, not B's own resolver.
  expect(await oldB()).toBe('old');
  // Another schema: its own answer.
  expect(await next()).toBe('new');
  expect(await redis.client().keys('bff-web:responses:*')).toHaveLength(2);
});
