import { execFileSync } from 'node:child_process';
import { appendFileSync, copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { DEFAULT_PORTS, SUBGRAPHS, databaseUrlVariable } from '../../lib/config/env';
import { databaseConfig } from '../../lib/config/database';
import { ROOT as SOURCE_ROOT, SUPERGRAPH_SDL } from '../../lib/graphql/composition';
import { SHUTDOWN_GRACE_MS } from '../../lib/http/main';
import { ROOT, SERVICES, configProblem, generateKeys, imageEnv, parseEnvFile, type ServiceName } from '../support/deployment';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are checked field by field */
type Manifest = { kind: string; metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }; [key: string]: any };

const OVERLAY = path.join('deploy', 'k8s', 'overlays', 'production');
/** The image's working directory (Dockerfile WORKDIR): where the code, and so the supergraph, is. */
const APP_DIR = '/app';

/**
 * Renders the production overlay as a team would: in a copy of deploy/k8s with the files the README has
 * them add (keys from `npm run keys`, the database URLs and bucket credentials, the composed supergraph).
 */
function renderProduction(): Manifest[] {
  const dir = mkdtempSync(path.join(tmpdir(), 'k8s-test-'));
  try {
    // Not a developer's own secrets.env or supergraph copy (gitignored): the test makes its own.
    const mine = (file: string) => !/overlays\/[^/]+\/(secrets\.env|supergraph\.graphql)$/.test(file);
    cpSync(path.join(ROOT, 'deploy', 'k8s'), path.join(dir, 'deploy', 'k8s'), { recursive: true, filter: mine });
    const overlay = path.join(dir, OVERLAY);
    const secrets = path.join(overlay, 'secrets.env');
    generateKeys(secrets);
    const urls = SUBGRAPHS.map((name) => `${databaseUrlVariable(name)}=postgresql://${name}:pw@db.internal:5432/${name}`);
    appendFileSync(secrets, [...urls, 'S3_ACCESS_KEY_ID=AKIDEXAMPLE', 'S3_SECRET_ACCESS_KEY=secret-example', ''].join('\n'));
    copyFileSync(SUPERGRAPH_SDL, path.join(overlay, 'supergraph.graphql'));
    let rendered: string;
    try {
      rendered = execFileSync('kubectl', ['kustomize', overlay], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      const { code, stderr } = error as { code?: string; stderr?: string };
      throw new Error(code === 'ENOENT' ? 'kubectl is not installed: .ci/run checks for it (README, Deploying)' : `kubectl kustomize failed: ${stderr}`);
    }
    return parseAllDocuments(rendered).map((doc) => doc.toJS() as Manifest);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The service a container runs: its image's name (registry/federated-graph/<service>:tag). */
function serviceOfImage(image: string): ServiceName {
  const name = image.split('/').pop()!.split(':')[0];
  expect(SERVICES).toContain(name);
  return name as ServiceName;
}

const decode = (value: string) => Buffer.from(value, 'base64').toString('utf8');

describe('the production overlay (kubectl kustomize deploy/k8s/overlays/production)', () => {
  let manifests: Manifest[];
  const ofKind = (kind: string) => manifests.filter((m) => m.kind === kind);
  const named = (kind: string, name: string) => ofKind(kind).find((m) => m.metadata.name === name);
  const deployments = () => ofKind('Deployment');

  /** The environment a container gets: the image's ENV, then envFrom, then env, references resolved. */
  function containerEnv(container: any, service: ServiceName, secretValues: Record<string, string> = {}): Record<string, string> {
    const env = imageEnv(service);
    const source = (kind: 'ConfigMap' | 'Secret', name: string): Record<string, string> => {
      const object = named(kind, name);
      expect({ missing: `${kind} ${name}`, found: Boolean(object) }).toEqual({ missing: `${kind} ${name}`, found: true });
      const data: Record<string, string> = object!.data ?? {};
      return kind === 'Secret' ? { ...Object.fromEntries(Object.entries(data).map(([k, v]) => [k, decode(v)])), ...secretValues } : data;
    };
    for (const from of container.envFrom ?? []) {
      if (from.configMapRef) Object.assign(env, source('ConfigMap', from.configMapRef.name));
      if (from.secretRef) Object.assign(env, source('Secret', from.secretRef.name));
    }
    for (const { name, value, valueFrom } of container.env ?? []) {
      const ref = valueFrom?.secretKeyRef ?? valueFrom?.configMapKeyRef;
      if (!ref) {
        // Kubernetes expands $(NAME) from the variables before it (envFrom's and env's); an unknown one stays as written.
        env[name] = String(value).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, variable: string) => env[variable] ?? whole);
        continue;
      }
      const data = source(valueFrom.secretKeyRef ? 'Secret' : 'ConfigMap', ref.name);
      // A key missing from its Secret keeps the pod from starting at all.
      expect({ variable: name, key: ref.key, present: ref.key in data }).toEqual({ variable: name, key: ref.key, present: true });
      env[name] = data[ref.key];
    }
    return env;
  }

  beforeAll(() => {
    manifests = renderProduction();
  });

  it('deploys each of the five services once, from its own image', () => {
    const services = deployments().map((d) => serviceOfImage(d.spec.template.spec.containers[0].image));
    expect(services.sort()).toEqual([...SERVICES].sort());
    for (const deployment of deployments()) expect(deployment.spec.template.spec.containers).toHaveLength(1);
  });

  it('probes readiness on /ready and liveness on /health, at the port the service listens on', () => {
    for (const deployment of deployments()) {
      const [container] = deployment.spec.template.spec.containers;
      const service = serviceOfImage(container.image);
      const http = container.ports.find((p: any) => p.name === 'http');
      expect({ service, port: http?.containerPort }).toEqual({ service, port: DEFAULT_PORTS[service] });
      expect({ service, readiness: container.readinessProbe?.httpGet, liveness: container.livenessProbe?.httpGet }).toEqual({
        service,
        readiness: { path: '/ready', port: 'http' },
        liveness: { path: '/health', port: 'http' },
      });
    }
  });

  it('gives every pod resources, and runs it non-root on a read-only root filesystem without privileges', () => {
    for (const pod of [...deployments(), ...ofKind('Job')].map((m) => m.spec.template.spec)) {
      const [container] = pod.containers;
      expect(container.resources.requests).toEqual({ cpu: expect.any(String), memory: expect.any(String) });
      expect(container.resources.limits.memory).toEqual(expect.any(String));
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
      // What is written goes to an emptyDir; everything else mounted is read-only configuration.
      for (const mount of container.volumeMounts ?? []) {
        const volume = pod.volumes.find((v: any) => v.name === mount.name);
        expect({ mount: mount.mountPath, writable: Boolean(volume.emptyDir) || mount.readOnly === true }).toEqual({ mount: mount.mountPath, writable: true });
      }
    }
  });

  it('lets a replica drain before it is killed: preStop, then SIGTERM, within the termination grace period', () => {
    for (const deployment of deployments()) {
      const pod = deployment.spec.template.spec;
      const [sleep, seconds] = pod.containers[0].lifecycle.preStop.exec.command;
      expect(sleep).toBe('sleep');
      expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(seconds) * 1000 + SHUTDOWN_GRACE_MS);
      expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
    }
  });

  it('scales every Deployment with an autoscaler and bounds its disruption', () => {
    for (const deployment of deployments()) {
      const name = deployment.metadata.name;
      const labels = deployment.spec.template.metadata.labels;
      const hpa = ofKind('HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.name === name);
      expect({ name, hpa: hpa?.spec.scaleTargetRef.kind, min: hpa?.spec.minReplicas >= 2 }).toEqual({ name, hpa: 'Deployment', min: true });
      // The autoscaler owns the count: a replica count in the Deployment would reset it on every apply.
      expect(deployment.spec.replicas).toBeUndefined();
      const pdb = ofKind('PodDisruptionBudget').find((p) => Object.entries(p.spec.selector.matchLabels).every(([k, v]) => labels[k] === v));
      expect({ name, pdb: Boolean(pdb) }).toEqual({ name, pdb: true });
    }
  });

  it('exposes the two BFFs only: the Ingress reaches no subgraph, and no Service leaves the cluster', () => {
    const backends = ofKind('Ingress').flatMap((ingress) =>
      ingress.spec.rules.flatMap((rule: any) => rule.http.paths.map((p: any) => p.backend.service.name)),
    );
    expect([...new Set(backends)].sort()).toEqual(['bff-mobile', 'bff-web']);
    // bff-web trusts WEB_PUBLIC_ORIGIN as its own origin: it must be the host the Ingress serves it on, over TLS.
    const ingress = named('Ingress', 'bffs')!;
    const webHost = ingress.spec.rules.find((rule: any) => rule.http.paths[0].backend.service.name === 'bff-web').host;
    const web = deployments().find((d) => d.metadata.name === 'bff-web')!.spec.template.spec.containers[0];
    expect(containerEnv(web, 'bff-web').WEB_PUBLIC_ORIGIN).toBe(`https://${webHost}`);
    expect(ingress.spec.tls.flatMap((t: any) => t.hosts).sort()).toEqual(ingress.spec.rules.map((r: any) => r.host).sort());
    for (const service of ofKind('Service')) expect({ name: service.metadata.name, type: service.spec.type }).toEqual({ name: service.metadata.name, type: 'ClusterIP' });
  });

  it("keeps the BFFs' /metrics from the internet: the Ingress answers it 403 to every address on each BFF host", () => {
    const prefixed = ofKind('Ingress').flatMap((ingress) =>
      ingress.spec.rules.flatMap((rule: any) => rule.http.paths.filter((p: any) => p.pathType === 'Prefix' && '/metrics'.startsWith(p.path)).map(() => rule.host)),
    );
    expect(prefixed.length).toBeGreaterThan(0);
    for (const host of new Set(prefixed)) {
      const closedBy = ofKind('Ingress').filter(
        (ingress) =>
          ingress.metadata.annotations?.['nginx.ingress.kubernetes.io/denylist-source-range'] === '0.0.0.0/0,::/0' &&
          ingress.spec.ingressClassName === named('Ingress', 'bffs')!.spec.ingressClassName &&
          ingress.spec.rules.some((rule: any) => rule.host === host && rule.http.paths.some((p: any) => p.path === '/metrics' && p.pathType === 'Exact')),
      );
      expect({ host, closed: closedBy.length }).toEqual({ host, closed: 1 });
    }
  });

  it('lets only the BFFs (and media, into posts) reach the subgraphs', () => {
    const policies = ofKind('NetworkPolicy');
    expect(policies.some((p) => Object.keys(p.spec.podSelector).length === 0 && p.spec.policyTypes.includes('Ingress') && !p.spec.ingress)).toBe(true);
    const labelsOf = (name: string) => deployments().find((d) => d.metadata.name === name)!.spec.template.metadata.labels;
    const selects = (selector: any, labels: Record<string, string>) =>
      Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    for (const subgraph of SUBGRAPHS) {
      const admitted = new Set<string>();
      for (const policy of policies.filter((p) => selects(p.spec.podSelector, labelsOf(subgraph)))) {
        for (const rule of policy.spec.ingress ?? []) {
          expect({ subgraph, policy: policy.metadata.name, from: Array.isArray(rule.from) }).toEqual({ subgraph, policy: policy.metadata.name, from: true });
          for (const peer of rule.from) {
            for (const d of deployments()) if (peer.podSelector && selects(peer.podSelector, d.spec.template.metadata.labels)) admitted.add(d.metadata.name);
          }
        }
      }
      expect({ subgraph, admitted: [...admitted].sort() }).toEqual({
        subgraph,
        admitted: subgraph === 'posts' ? ['bff-mobile', 'bff-web', 'media'] : ['bff-mobile', 'bff-web'],
      });
    }
  });

  it('lets only the ingress controller reach the BFFs, whose TRUST_PROXY believes its forwarded headers', () => {
    const selects = (selector: any, labels: Record<string, string>) =>
      Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
    const namespace = ofKind('Namespace')[0].metadata.name;
    for (const name of ['bff-web', 'bff-mobile']) {
      const labels = deployments().find((d) => d.metadata.name === name)!.spec.template.metadata.labels;
      const rules = ofKind('NetworkPolicy')
        .filter((p) => selects(p.spec.podSelector, labels))
        .flatMap((p) => p.spec.ingress ?? []);
      expect({ name, rules: rules.length > 0 }).toEqual({ name, rules: true });
      // Every peer is one other namespace, whole: no rule open to all, no address range, none of the graph's pods.
      const peers = rules.flatMap((rule: any) => rule.from ?? [{ everywhere: true }]);
      for (const peer of peers) {
        const admitted = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
        expect({ name, peer }).toEqual({ name, peer: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': admitted } } } });
        expect({ name, admitted: typeof admitted === 'string' && admitted !== namespace }).toEqual({ name, admitted: true });
      }
      expect(containerEnv(deployments().find((d) => d.metadata.name === name)!.spec.template.spec.containers[0], name as ServiceName).TRUST_PROXY).toBe('true');
    }
  });

  it('sets every variable each service requires in production, as its own config module decides', async () => {
    const problems: Record<string, string | undefined> = {};
    for (const deployment of deployments()) {
      const [container] = deployment.spec.template.spec.containers;
      const service = serviceOfImage(container.image);
      problems[service] = await configProblem(service, containerEnv(container, service));
    }
    expect(problems).toEqual(Object.fromEntries(SERVICES.map((s) => [s, undefined])));
  });

  it('lists every key of graph-secrets in secrets.env.example, and a value left from it stops the service that reads it', async () => {
    const example = parseEnvFile(readFileSync(path.join(ROOT, OVERLAY, 'secrets.env.example'), 'utf8'));
    const secret = ofKind('Secret').find((s) => s.metadata.name.startsWith('graph-secrets-'))!;
    expect(Object.keys(example).sort()).toEqual(Object.keys(secret.data).sort());
    // A team that fills in a copy of the example by hand and misses a line must get a pod that will not
    // start, never a service running on a value published in this repository.
    const refused: Record<string, string[]> = {};
    for (const [variable, value] of Object.entries(example)) {
      refused[variable] = [];
      for (const deployment of deployments()) {
        const [container] = deployment.spec.template.spec.containers;
        const service = serviceOfImage(container.image);
        const env = containerEnv(container, service);
        if (!(variable in env)) continue;
        // The value in graph-secrets, so that what is composed of it ($(…) in NATS_URL) has it too.
        const problem = await configProblem(service, containerEnv(container, service, { [variable]: value }));
        if (problem?.includes(variable) || (variable.endsWith('_NATS_PASSWORD') && problem?.includes('NATS_URL'))) refused[variable].push(service);
      }
    }
    const readers = (variable: string) =>
      deployments()
        .filter((d) => (d.spec.template.spec.containers[0].env ?? []).some((e: any) => e.valueFrom?.secretKeyRef?.key === variable))
        .map((d) => serviceOfImage(d.spec.template.spec.containers[0].image));
    expect(refused).toEqual(Object.fromEntries(Object.keys(example).map((variable) => [variable, readers(variable)])));
  });

  it('connects each subgraph to NATS as its own user, with its password from graph-secrets, and the BFFs not at all', () => {
    const secret = ofKind('Secret').find((s) => s.metadata.name.startsWith('graph-secrets-'))!;
    for (const deployment of deployments()) {
      const [container] = deployment.spec.template.spec.containers;
      const service = serviceOfImage(container.image);
      const env = containerEnv(container, service);
      if (!(SUBGRAPHS as readonly string[]).includes(service)) {
        expect({ service, nats: env.NATS_URL }).toEqual({ service, nats: undefined });
        continue;
      }
      const url = new URL(env.NATS_URL);
      expect({ service, user: url.username, host: url.host }).toEqual({ service, user: service, host: 'nats.messaging:4222' });
      expect(url.password).toBe(decode(secret.data[`${service.toUpperCase()}_NATS_PASSWORD`]));
      expect(url.password).toMatch(/^[A-Za-z]{32,}$/);
    }
  });

  it('migrates each database with a Job from its subgraph own image, given that database only', () => {
    const jobs = ofKind('Job');
    expect(jobs).toHaveLength(SUBGRAPHS.length);
    for (const subgraph of SUBGRAPHS) {
      const job = jobs.find((j) => j.spec.template.spec.containers[0].command.includes(subgraph))!;
      const [container] = job.spec.template.spec.containers;
      expect(serviceOfImage(container.image)).toBe(subgraph);
      expect(container.command).toEqual(['node', '--import', 'tsx', 'scripts/prisma.ts', subgraph, 'migrate', 'deploy']);
      expect(job.spec.template.spec.restartPolicy).toBe('Never');
      const env = containerEnv(container, subgraph);
      expect(Object.keys(env).filter((k) => k.endsWith('_DATABASE_URL'))).toEqual([databaseUrlVariable(subgraph)]);
      const saved = process.env;
      process.env = env;
      try {
        expect(new URL(databaseConfig(subgraph).url).pathname).toBe(`/${subgraph}`);
      } finally {
        process.env = saved;
      }
    }
  });

  it('serves the BFFs the composed supergraph from a ConfigMap, where the gateway loads it', () => {
    const supergraph = readFileSync(SUPERGRAPH_SDL, 'utf8');
    const mountPath = path.posix.join(APP_DIR, path.relative(SOURCE_ROOT, SUPERGRAPH_SDL));
    for (const name of ['bff-web', 'bff-mobile']) {
      const pod = deployments().find((d) => d.metadata.name === name)!.spec.template.spec;
      const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === mountPath);
      expect({ name, mounted: Boolean(mount) }).toEqual({ name, mounted: true });
      const volume = pod.volumes.find((v: any) => v.name === mount.name);
      expect(named('ConfigMap', volume.configMap.name)?.data[mount.subPath]).toBe(supergraph);
    }
  });
});
