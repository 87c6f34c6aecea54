import type { ChildProcess } from 'node:child_process';
import { portVariable, type SubgraphName } from '../lib/config/env';
import { subgraphUrlVariable } from '../lib/config/subgraph-urls';
import { databaseEnv, type DatabaseUrls } from './databases';
import { gatewayKeyEnv, serviceKeyEnv } from '../lib/identity/keys';
import { startService, waitUntilReady, type RunningService, type ServiceName } from './processes';

export interface LaunchOptions {
  urls: DatabaseUrls;
  /** The BFFs' assertion signing key, a private JWK as JSON. */
  gatewayKey: string;
  /** The signing keys of the subgraphs that call others as themselves (media, posts), private JWKs as JSON. */
  serviceKeys: ServiceKeys;
  /** The port each service listens on (0 picks a free one). */
  portOf: (name: ServiceName) => number;
  /** Extra environment for the subgraphs, and for the BFFs. */
  subgraphEnv?: Record<string, string>;
  /** Extra environment for one subgraph (e.g. its own NATS_URL), over subgraphEnv. */
  subgraphEnvOf?: Partial<Record<SubgraphName, Record<string, string>>>;
  bffEnv?: Record<string, string>;
  onLine?: (line: string) => void;
  onSpawn?: (child: ChildProcess) => void;
  /** How long each service may take to report its port, and then to be ready (30 s each unless set). */
  startTimeoutMs?: number;
}

export interface ServiceKeys {
  media: string;
  posts: string;
}

export interface Launched {
  subgraphs: Record<SubgraphName, RunningService>;
  web: RunningService;
  mobile: RunningService;
  /**
   * Starts a service again after it stopped, on the port it had and with the environment it had;
   * awaits /ready unless told not to. The new process replaces the old one in this object.
   */
  restart(name: ServiceName, options?: { ready?: boolean }): Promise<RunningService>;
  /** The current process of a service. */
  service(name: ServiceName): RunningService;
  /**
   * Starts one more process of a service, with the environment the first had plus `env` (e.g. a
   * BFF pointed at a load balancer), on a free port, and awaits /ready. The first stays as it is.
   */
  replica(name: ServiceName, env?: Record<string, string>): Promise<RunningService>;
}

/**
 * The whole graph as separate processes: users, then posts (which follows users' events, so it
 * needs users' port), then media (which follows both and asks posts about posts), then both BFFs
 * pointed at the subgraphs; each awaited through /ready.
 */
export async function launchGraph(options: LaunchOptions): Promise<Launched> {
  const { urls, gatewayKey, portOf, onLine, onSpawn } = options;
  const keys = gatewayKeyEnv(gatewayKey);
  const media = serviceKeyEnv('media', options.serviceKeys.media);
  const posts = serviceKeyEnv('posts', options.serviceKeys.posts);
  // Every subgraph trusts the BFFs' key, and the keys of the services that may call it (users: both; posts: media's).
  const subgraphEnv: Record<string, string> = { ...databaseEnv(urls), ...keys.subgraph, ...media.callees, ...posts.callees, ...options.subgraphEnv };
  /** The environment each service was started with, so that a restart gets the same. */
  const envs = {} as Record<ServiceName, Record<string, string>>;
  const start = (name: ServiceName, extra: Record<string, string>, port = portOf(name)) => {
    envs[name] = extra;
    return startService(name, { env: { ...extra, [portVariable(name)]: String(port) }, onLine, onSpawn, timeoutMs: options.startTimeoutMs });
  };

  // Each is told where the ones before it are: posts follows users' events, media follows both
  // and asks posts about posts. Posts and media also sign, each with its own key: they read those
  // feeds (and media asks posts) as themselves.
  const usersService = await start('users', { ...subgraphEnv, ...options.subgraphEnvOf?.users });
  subgraphEnv[subgraphUrlVariable('users')] = `${usersService.origin}/graphql`;
  const postsService = await start('posts', { ...subgraphEnv, ...posts.own, ...options.subgraphEnvOf?.posts });
  subgraphEnv[subgraphUrlVariable('posts')] = `${postsService.origin}/graphql`;
  const mediaService = await start('media', { ...subgraphEnv, ...media.own, ...options.subgraphEnvOf?.media });
  const subgraphs = { users: usersService, posts: postsService, media: mediaService };
  const bffEnv = {
    ...keys.bff,
    ...Object.fromEntries(Object.values(subgraphs).map((s) => [subgraphUrlVariable(s.name), `${s.origin}/graphql`])),
    ...options.bffEnv,
  };
  const [web, mobile] = await Promise.all([start('bff-web', bffEnv), start('bff-mobile', bffEnv)]);
  await Promise.all([...Object.values(subgraphs), web, mobile].map((s) => waitUntilReady(s.origin, options.startTimeoutMs)));
  const launched: Launched = {
    subgraphs,
    web,
    mobile,
    service: (name) => (name === 'bff-web' ? launched.web : name === 'bff-mobile' ? launched.mobile : launched.subgraphs[name]),
    async restart(name, { ready = true } = {}) {
      const service = await start(name, envs[name], launched.service(name).port);
      if (name === 'bff-web') launched.web = service;
      else if (name === 'bff-mobile') launched.mobile = service;
      else launched.subgraphs[name] = service;
      if (ready) await waitUntilReady(service.origin);
      return service;
    },
    async replica(name, env = {}) {
      const service = await startService(name, { env: { ...envs[name], ...env, [portVariable(name)]: '0' }, onLine, onSpawn });
      await waitUntilReady(service.origin);
      return service;
    },
  };
  return launched;
}
