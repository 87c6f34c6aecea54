import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { registry } from '../../lib/telemetry/metrics';

/**
 * The shipped alert rules and dashboard, checked by Prometheus' own promtool: the rules parse,
 * each alert fires on the series that should fire it (deploy/prometheus/alerts.test.yml), and
 * every dashboard query parses and names only metrics the services serve.
 */
const ROOT = path.join(__dirname, '..', '..');
const ALERTS = path.join(ROOT, 'deploy/prometheus/alerts.yml');
const promtool = (...args: string[]) => execFileSync('promtool', args, { cwd: path.dirname(ALERTS), encoding: 'utf8', stdio: 'pipe' });

/** Every metric name the services serve, histograms with their series' suffixes; `up` is Prometheus' own. */
async function servedNames(): Promise<Set<string>> {
  const names = new Set(['up']);
  for (const metric of await registry.getMetricsAsJSON()) {
    names.add(metric.name);
    if (String(metric.type) === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) names.add(metric.name + suffix);
  }
  return names;
}
const metricsIn = (expr: string) => [...expr.matchAll(/([a-z_:][a-z0-9_:]*)\{/g)].map((m) => m[1]);

describe('alert rules', () => {
  it('pass promtool check rules', () => {
    expect(promtool('check', 'rules', ALERTS)).toMatch(/SUCCESS: 6 rules found/);
  });

  it('are loaded by the shipped scrape config, which promtool accepts', () => {
    expect(promtool('check', 'config', 'prometheus.yml')).toMatch(/SUCCESS: 1 rule files found/);
  });

  it('fire as promtool test rules expects (breaker open, error ratios, p99 latency, consumer lag)', () => {
    expect(promtool('test', 'rules', 'alerts.test.yml')).toMatch(/SUCCESS/);
  });

  it('name only metrics the services serve', async () => {
    const served = await servedNames();
    const rules = parse(readFileSync(ALERTS, 'utf8')).groups.flatMap((g: { rules: { expr: string }[] }) => g.rules);
    for (const rule of rules) for (const name of metricsIn(rule.expr)) expect(served).toContain(name);
  });
});

describe('the Grafana dashboard', () => {
  const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'deploy/grafana/dashboard.json'), 'utf8'));
  const exprs: string[] = dashboard.panels.flatMap((p: { targets: { expr: string }[] }) => p.targets.map((t) => t.expr));

  it('has queries that promtool parses, with its variables filled in', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fg-dashboard-'));
    try {
      // Each query as a recording rule: promtool parses the rule's PromQL.
      const rules = exprs.map((expr, i) => `      - record: dashboard:panel_${i}\n        expr: ${JSON.stringify(expr.replaceAll('$__rate_interval', '5m').replaceAll('$job', '.*'))}`);
      const file = path.join(dir, 'dashboard-rules.yml');
      writeFileSync(file, `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
      expect(promtool('check', 'rules', file)).toMatch(new RegExp(`SUCCESS: ${exprs.length} rules found`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names only metrics the services serve', async () => {
    const served = await servedNames();
    for (const expr of exprs) for (const name of metricsIn(expr)) expect(served).toContain(name);
  });
});
