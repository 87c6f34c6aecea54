/**
 * Prints the query plan @apollo/gateway builds for an operation over the committed supergraph,
 * and counts its fetches by subgraph and its levels (fetches that must wait for one another).
 *
 *   node --import tsx bench/query-plan.ts '{ posts(first: 10) { nodes { author { handle } } } }'
 *   node --import tsx bench/query-plan.ts --file operation.graphql
 *   node --import tsx bench/query-plan.ts --config '{"generateQueryFragments":true}' '{ … }'
 *
 * With the BFFs' planner options (bff/gateway.ts `QUERY_PLANNER_CONFIG`), so what it prints is
 * what the BFFs run. A reading aid, not a test.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { prettyFormatQueryPlan, QueryPlanner, type PlanNode, type QueryPlan } from '@apollo/query-planner';
import { parse } from 'graphql';
import { QUERY_PLANNER_CONFIG } from '../bff/gateway';
import { SUPERGRAPH_SDL } from '../lib/graphql/composition';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { file: { type: 'string' }, supergraph: { type: 'string', default: SUPERGRAPH_SDL }, config: { type: 'string', default: '{}' } } });
const query = values.file ? readFileSync(values.file, 'utf8') : positionals[0];
if (!query) {
  console.error('usage: query-plan.ts <operation> | --file <path>');
  process.exit(2);
}

const supergraph = Supergraph.build(readFileSync(values.supergraph!, 'utf8'));
const planner = new QueryPlanner(supergraph, { ...QUERY_PLANNER_CONFIG, ...JSON.parse(values.config!) });
const plan: QueryPlan = planner.buildQueryPlan(operationFromDocument(supergraph.schema, parse(query)));

/** Fetches by subgraph, and the longest chain of fetches that wait for one another. */
function walk(node: PlanNode | undefined, counts: Map<string, number>): number {
  if (!node) return 0;
  switch (node.kind) {
    case 'Fetch':
      counts.set(node.serviceName, (counts.get(node.serviceName) ?? 0) + 1);
      return 1;
    case 'Flatten':
      return walk(node.node, counts);
    case 'Sequence':
      return node.nodes.reduce((depth, n) => depth + walk(n, counts), 0);
    case 'Parallel':
      return Math.max(0, ...node.nodes.map((n) => walk(n, counts)));
    case 'Condition':
      return Math.max(walk(node.ifClause, counts), walk(node.elseClause, counts));
    default:
      throw new Error(`plan node ${node.kind} not counted here`);
  }
}
const counts = new Map<string, number>();
const levels = walk(plan.node as PlanNode | undefined, counts);
const total = [...counts.values()].reduce((a, b) => a + b, 0);
process.stdout.write(`${prettyFormatQueryPlan(plan)}\n\nfetches: ${total} (${[...counts].map(([s, n]) => `${s} ${n}`).join(', ')}); levels: ${levels}\n`);
