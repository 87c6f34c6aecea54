import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_PORTS, SUBGRAPHS, databaseUrlVariable } from '../../lib/config/env';
import { databaseConfig } from '../../lib/config/database';
import { ROOT, SERVICES, composeDotenv, composeServices, configProblem, imageEnv, interpolate, type ServiceName } from '../support/deployment';

interface ComposeService {
  volumes?: string[];
  build?: { args?: { SERVICE?: string } };
  platform?: string;
  read_only?: boolean;
  cap_drop?: string[];
  security_opt?: string[];
  command?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test?: string[]; disable?: boolean };
  depends_on?: Record<string, { condition?: string }>;
  ports?: string[];
  restart?: string;
}

describe('compose.yaml', () => {
  const services = composeServices<ComposeService>();
  const serviceOf = (name: string) => services[name].build?.args?.SERVICE as ServiceName | undefined;
  const isMigration = (name: string) => services[name].command?.join(' ').includes('migrate deploy') ?? false;
  const apps = Object.keys(services).filter((name) => serviceOf(name) && !isMigration(name));
  const migrations = Object.keys(services).filter(isMigration);

  let dotenv: Record<string, string>;
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'compose-test-'));
    // What the README tells a team to put in .env before `docker compose up`.
    dotenv = composeDotenv(path.join(dir, '.env'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs each of the five services once, each from an image built for it', () => {
    expect(apps.map(serviceOf).sort()).toEqual([...SERVICES].sort());
    for (const name of apps) expect(name).toBe(serviceOf(name));
  });

  it('builds every image for a platform that npm ci installs every production dependency on', () => {
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { os?: string[]; cpu?: string[] }>;
    };
    const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
    // Docker's names for what npm calls os and cpu.
    const npmCpu: Record<string, string> = { amd64: 'x64', arm64: 'arm64' };
    for (const [name, service] of Object.entries(services).filter(([, s]) => s.build)) {
      const [os, arch] = (service.platform ?? 'the host').split('/');
      const refused = Object.keys(manifest.dependencies).filter((dependency) => {
        const { os: oses, cpu } = lock.packages[`node_modules/${dependency}`];
        return (oses && !oses.includes(os)) || (cpu && !cpu.includes(npmCpu[arch]));
      });
      expect({ name, platform: service.platform, refused }).toEqual({ name, platform: service.platform, refused: [] });
    }
  });

  it('runs every container of ours without capabilities, privilege gain or a writable root filesystem', () => {
    for (const name of [...apps, ...migrations]) {
      const { read_only, cap_drop, security_opt } = services[name];
      expect({ name, read_only, cap_drop, security_opt }).toEqual({ name, read_only: true, cap_drop: ['ALL'], security_opt: ['no-new-privileges:true'] });
    }
  });

  it('gives every long-running container a health check, the services theirs on /ready', () => {
    for (const [name, service] of Object.entries(services)) {
      if (isMigration(name)) continue;
      expect({ name, disabled: service.healthcheck?.disable === true, test: (service.healthcheck?.test?.length ?? 0) > 1 }).toEqual({ name, disabled: false, test: true });
    }
    for (const name of apps) expect(services[name].healthcheck?.test).toEqual(['CMD', 'node', '--import', 'tsx', 'tooling/healthcheck.ts', '/ready']);
  });

  it('starts each service after what it needs: conditions on every dependency, its migration finished first', () => {
    for (const name of [...apps, ...migrations]) {
      const dependsOn = services[name].depends_on ?? {};
      expect(Object.keys(dependsOn).length).toBeGreaterThan(0);
      for (const [target, { condition }] of Object.entries(dependsOn)) {
        expect(services[target]).toBeDefined();
        if (condition === 'service_completed_successfully') expect({ target, migration: isMigration(target) }).toEqual({ target, migration: true });
        else expect({ name, target, condition, healthcheck: Boolean(services[target].healthcheck?.test) }).toEqual({ name, target, condition: 'service_healthy', healthcheck: true });
      }
    }
    for (const subgraph of SUBGRAPHS) {
      const migration = migrations.find((name) => serviceOf(name) === subgraph)!;
      expect(services[migration].command).toEqual(['node', '--import', 'tsx', 'scripts/prisma.ts', subgraph, 'migrate', 'deploy']);
      expect(services[migration].restart).toBe('no');
      expect(services[subgraph].depends_on?.[migration]).toEqual({ condition: 'service_completed_successfully' });
    }
  });

  it("publishes the ports of the two BFFs only, on the host's loopback (plain HTTP, past the host's firewall)", () => {
    const published = Object.entries(services).filter(([, s]) => s.ports?.length).map(([name, s]) => [name, s.ports]);
    expect(Object.fromEntries(published)).toEqual({
      'bff-web': [`127.0.0.1:${DEFAULT_PORTS['bff-web']}:${DEFAULT_PORTS['bff-web']}`],
      'bff-mobile': [`127.0.0.1:${DEFAULT_PORTS['bff-mobile']}:${DEFAULT_PORTS['bff-mobile']}`],
    });
  });

  it('sets every variable each service requires in production, as its own config module decides', async () => {
    const problems: Record<string, string | undefined> = {};
    for (const name of apps) {
      const environment = Object.fromEntries(Object.entries(services[name].environment ?? {}).map(([k, v]) => [k, interpolate(String(v), dotenv)]));
      problems[name] = await configProblem(serviceOf(name)!, { ...imageEnv(serviceOf(name)!), ...environment });
    }
    expect(problems).toEqual(Object.fromEntries(apps.map((name) => [name, undefined])));
  });

  it('gives each subgraph its own NATS user of deploy/nats/nats-server.conf, whose password the server gets, and the BFFs none', () => {
    const nats = services.nats;
    expect(nats.volumes).toContain('./deploy/nats/nats-server.conf:/etc/nats/nats-server.conf:ro');
    expect(nats.command?.slice(0, 2)).toEqual(['--config', '/etc/nats/nats-server.conf']);
    for (const subgraph of SUBGRAPHS) {
      const variable = `${subgraph.toUpperCase()}_NATS_PASSWORD`;
      const url = new URL(interpolate(services[subgraph].environment!.NATS_URL, dotenv));
      expect({ subgraph, user: url.username, host: url.host }).toEqual({ subgraph, user: subgraph, host: 'nats:4222' });
      // npm run keys wrote it, and it needs no encoding in the URL.
      expect(dotenv[variable]).toMatch(/^[A-Za-z]{32,}$/);
      expect(url.password).toBe(dotenv[variable]);
      expect(interpolate(String(nats.environment?.[variable]), dotenv)).toBe(dotenv[variable]);
    }
    // The BFFs use no events: no credentials for them.
    for (const name of apps.filter((name) => !(SUBGRAPHS as readonly string[]).includes(name))) expect({ name, nats: services[name].environment?.NATS_URL }).toEqual({ name, nats: undefined });
  });

  it('gives each migration job its own database, and nothing else', () => {
    for (const name of migrations) {
      const subgraph = serviceOf(name) as (typeof SUBGRAPHS)[number];
      const environment = services[name].environment ?? {};
      expect(Object.keys(environment)).toEqual([databaseUrlVariable(subgraph)]);
      const saved = process.env;
      process.env = { [databaseUrlVariable(subgraph)]: interpolate(environment[databaseUrlVariable(subgraph)], dotenv) };
      try {
        expect(new URL(databaseConfig(subgraph).url).pathname).toBe(`/${subgraph}`);
      } finally {
        process.env = saved;
      }
    }
  });
});
