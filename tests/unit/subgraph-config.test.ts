import { ConfigError } from '../../lib/config/env';
import { loadMediaConfig } from '../../subgraphs/media/config';
import { loadPostsConfig } from '../../subgraphs/posts/config';
import { loadUsersConfig } from '../../subgraphs/users/config';
import { generatePrivateJwk, publicHalf } from '../../lib/identity/keys';

/** What every subgraph needs set; the rest has defaults (the keys are made before the cases run). */
const REQUIRED: Record<string, string> = {
  USERS_DATABASE_URL: 'postgresql://u@127.0.0.1:5432/users',
  POSTS_DATABASE_URL: 'postgresql://u@127.0.0.1:5432/posts',
  MEDIA_DATABASE_URL: 'postgresql://u@127.0.0.1:5432/media',
  CURSOR_SECRET: 'x'.repeat(32),
};
/** The BFFs' private key (GATEWAY_SIGNING_KEY), for the cases that give it to a service. */
let gatewayKey: string;
beforeAll(async () => {
  const gateway = await generatePrivateJwk();
  gatewayKey = JSON.stringify(gateway);
  const jwks = async (jwk?: object) => JSON.stringify({ keys: [publicHalf(jwk ?? (await generatePrivateJwk()))] });
  // The BFFs' public keys, and those of the services that call others as themselves (media → posts and users, posts → users): each its own.
  Object.assign(REQUIRED, { GATEWAY_PUBLIC_KEYS: await jwks(gateway), MEDIA_PUBLIC_KEYS: await jwks(), POSTS_PUBLIC_KEYS: await jwks() });
});

const saved = { ...process.env };
function withEnv(env: Record<string, string | undefined>): void {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, { PATH: saved.PATH }, REQUIRED, env);
}
afterEach(() => {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, saved);
});

function failure(load: () => unknown): string {
  try {
    load();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return 'no error';
}

describe('subgraph config', () => {
  it('gives every subgraph its defaults', () => {
    withEnv({});
    const posts = loadPostsConfig();
    expect(posts.listen).toEqual({ port: 4002, host: '127.0.0.1', logLevel: 'info' });
    expect(posts.database).toEqual({ url: REQUIRED.POSTS_DATABASE_URL, poolSize: 10, connectTimeoutMs: 5000, captureStatements: false });
    const users = loadUsersConfig();
    expect(users.signUpRole).toBe('AUTHOR');
    expect(users.signInLimits).toEqual({ accountLimit: 10, accountWindowSeconds: 900, hashConcurrency: 2, hashQueue: 32, hashMaxWaitMs: 1500, hashOtherPerSecond: 2 });
    const media = loadMediaConfig();
    expect(media).toMatchObject({ publicUrl: '', visibilityCacheMs: 2000, publicMaxAgeSeconds: 60, postsUrl: 'http://127.0.0.1:4002/graphql' });
    expect(media.events).toMatchObject({ natsUrl: undefined, pollMs: 500, maxAttempts: 5, retryBaseMs: 500, ackWaitMs: 10_000 });
    expect(media.events.origins).toEqual({ users: 'http://127.0.0.1:4001', posts: 'http://127.0.0.1:4002', media: 'http://127.0.0.1:4003' });
    expect(media.storage.kind).toBe('disk');
    expect(media.uploads).toMatchObject({ maxPixels: 40_000_000, processingConcurrency: 1, processingQueue: 8, maxConcurrentPerUser: 2 });
  });

  it("needs a service's public key only where that service calls: a feed reader's only on the embedded feed", () => {
    withEnv({ NATS_URL: 'nats://127.0.0.1:4290' });
    delete process.env.MEDIA_PUBLIC_KEYS;
    delete process.env.POSTS_PUBLIC_KEYS;
    expect(loadUsersConfig().serviceKeys).toEqual({});
    withEnv({});
    expect(Object.keys(loadUsersConfig().serviceKeys).sort()).toEqual(['media', 'posts']);
    expect(Object.keys(loadPostsConfig().serviceKeys)).toEqual(['media']);
    expect(loadMediaConfig().serviceKeys).toEqual({});
  });

  it.each([
    { service: 'posts', load: loadPostsConfig, env: { POSTS_PORT: 'abc' }, variable: 'POSTS_PORT' },
    { service: 'posts', load: loadPostsConfig, env: { LOG_LEVEL: 'verbose' }, variable: 'LOG_LEVEL' },
    { service: 'posts', load: loadPostsConfig, env: { POSTS_DATABASE_URL: undefined }, variable: 'POSTS_DATABASE_URL' },
    { service: 'posts', load: loadPostsConfig, env: { GATEWAY_PUBLIC_KEYS: 'not json' }, variable: 'GATEWAY_PUBLIC_KEYS' },
    { service: 'posts', load: loadPostsConfig, env: { DATABASE_POOL_SIZE: '0' }, variable: 'DATABASE_POOL_SIZE' },
    { service: 'posts', load: loadPostsConfig, env: { CURSOR_SECRET: 'short' }, variable: 'CURSOR_SECRET' },
    { service: 'users', load: loadUsersConfig, env: { SIGNUP_ROLE: 'ADMIN' }, variable: 'SIGNUP_ROLE' },
    { service: 'users', load: loadUsersConfig, env: { PASSWORD_HASH_CONCURRENCY: '100' }, variable: 'PASSWORD_HASH_CONCURRENCY' },
    { service: 'users', load: loadUsersConfig, env: { AUTH_PREVIOUS_PUBLIC_KEYS: '[1]' }, variable: 'AUTH_PREVIOUS_PUBLIC_KEYS' },
    { service: 'users', load: loadUsersConfig, env: { REDIS_URL: 'http://127.0.0.1:6390' }, variable: 'REDIS_URL' },
    { service: 'users', load: loadUsersConfig, env: { REDIS_TIMEOUT_MS: '0' }, variable: 'REDIS_TIMEOUT_MS' },
    { service: 'media', load: loadMediaConfig, env: { MEDIA_MAX_PIXELS: 'many' }, variable: 'MEDIA_MAX_PIXELS' },
    { service: 'media', load: loadMediaConfig, env: { MEDIA_PUBLIC_URL: 'cdn' }, variable: 'MEDIA_PUBLIC_URL' },
    { service: 'media', load: loadMediaConfig, env: { MEDIA_STORAGE: 'tape' }, variable: 'MEDIA_STORAGE' },
    { service: 'media', load: loadMediaConfig, env: { MEDIA_STORAGE: 's3' }, variable: 'S3_BUCKET' },
    { service: 'media', load: loadMediaConfig, env: { POSTS_SUBGRAPH_URL: 'posts' }, variable: 'POSTS_SUBGRAPH_URL' },
    // Parses as a URL with the scheme "localhost:": refused at start, not a failure at the first call.
    { service: 'media', load: loadMediaConfig, env: { POSTS_SUBGRAPH_URL: 'localhost:4002/graphql' }, variable: 'POSTS_SUBGRAPH_URL' },
    { service: 'media', load: loadMediaConfig, env: { EVENTS_POLL_MS: '3000000000' }, variable: 'EVENTS_POLL_MS' },
    { service: 'posts', load: loadPostsConfig, env: { NATS_URL: 'http://127.0.0.1:4290' }, variable: 'NATS_URL' },
    // A password left empty (an unset secret in the URL): the client would send the user name as a token.
    { service: 'posts', load: loadPostsConfig, env: { NATS_URL: 'nats://posts:@127.0.0.1:4290' }, variable: 'NATS_URL' },
    { service: 'posts', load: loadPostsConfig, env: { EVENTS_MAX_ATTEMPTS: '0' }, variable: 'EVENTS_MAX_ATTEMPTS' },
    { service: 'media', load: loadMediaConfig, env: { EVENTS_ACK_WAIT_MS: '10' }, variable: 'EVENTS_ACK_WAIT_MS' },
    // The embedded feed's reads are signed with posts' own key: needed in production (with NATS_URL it is not).
    { service: 'posts', load: loadPostsConfig, env: { NODE_ENV: 'production' }, variable: 'POSTS_SIGNING_KEY' },
    // Media asks posts as itself: posts must know media's key, whatever the transport.
    { service: 'posts', load: loadPostsConfig, env: { MEDIA_PUBLIC_KEYS: undefined }, variable: 'MEDIA_PUBLIC_KEYS' },
    { service: 'posts', load: loadPostsConfig, env: { MEDIA_PUBLIC_KEYS: undefined, NATS_URL: 'nats://127.0.0.1:4290' }, variable: 'MEDIA_PUBLIC_KEYS' },
    { service: 'posts', load: loadPostsConfig, env: { MEDIA_PUBLIC_KEYS: JSON.stringify({ keys: [] }) }, variable: 'MEDIA_PUBLIC_KEYS' },
    // Posts and media read users' embedded feed as themselves.
    { service: 'users', load: loadUsersConfig, env: { POSTS_PUBLIC_KEYS: undefined }, variable: 'POSTS_PUBLIC_KEYS' },
    { service: 'posts', load: loadPostsConfig, env: { GATEWAY_PUBLIC_KEYS: JSON.stringify({ keys: [] }) }, variable: 'GATEWAY_PUBLIC_KEYS' },
    { service: 'posts', load: loadPostsConfig, env: { POSTS_DATABASE_URL: 'http://127.0.0.1:5432/posts' }, variable: 'POSTS_DATABASE_URL' },
    { service: 'users', load: loadUsersConfig, env: { NODE_ENV: 'production' }, variable: 'AUTH_SIGNING_KEY' },
    { service: 'media', load: loadMediaConfig, env: { NODE_ENV: 'production' }, variable: 'MEDIA_SIGNING_KEY' },
  ])('$service: a bad $variable is a ConfigError naming it', ({ load, env, variable }) => {
    withEnv(env as Record<string, string | undefined>);
    expect(failure(load)).toMatch(new RegExp(`^${variable}\\b`));
  });

  // A service given the BFFs' key could sign a gateway assertion for any user: refused where it is set, and where it is trusted.
  it.each([
    { service: 'media', load: () => loadMediaConfig(), env: () => ({ MEDIA_SIGNING_KEY: gatewayKey }), variable: 'MEDIA_SIGNING_KEY' },
    { service: 'posts', load: () => loadPostsConfig(), env: () => ({ POSTS_SIGNING_KEY: gatewayKey }), variable: 'POSTS_SIGNING_KEY' },
    { service: 'posts', load: () => loadPostsConfig(), env: () => ({ MEDIA_PUBLIC_KEYS: REQUIRED.GATEWAY_PUBLIC_KEYS }), variable: 'MEDIA_PUBLIC_KEYS' },
    { service: 'users', load: () => loadUsersConfig(), env: () => ({ POSTS_PUBLIC_KEYS: REQUIRED.GATEWAY_PUBLIC_KEYS }), variable: 'POSTS_PUBLIC_KEYS' },
  ])("$service: the BFFs' key as $variable is a ConfigError naming it", ({ load, env, variable }) => {
    withEnv(env());
    expect(failure(load)).toMatch(new RegExp(`^${variable}\\b.*${'GATEWAY_PUBLIC_KEYS'}`));
  });

  // The line naming a bad value goes to the log: a URL's password must not.
  it.each([
    { env: { REDIS_URL: 'http://:s3cret@127.0.0.1:6390' }, variable: 'REDIS_URL' },
    { env: { REDIS_URL: 'redis//default:s3/cret@127.0.0.1:6390' }, variable: 'REDIS_URL' },
    { env: { USERS_DATABASE_URL: 'mysql://app:s3cret@db:3306/users' }, variable: 'USERS_DATABASE_URL' },
  ])('a bad $variable is named without the password in it', ({ env, variable }) => {
    withEnv(env);
    const message = failure(loadUsersConfig);
    expect(message).toMatch(new RegExp(`^${variable}\\b`));
    expect(message).not.toContain('s3');
  });
});
