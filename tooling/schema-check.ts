/**
 * The schema gate (`npm run schema:check`): the schemas of today against the last released
 * baseline, each breaking change weighed against the operations clients actually send.
 *
 * Three APIs face clients, each with its own operations:
 * - the supergraph's API: bff-mobile's supergraph operations (bff-mobile/operations.graphql);
 * - bff-web's web contract: the web app's operations;
 * - bff-mobile's schema: the operations of every supported mobile app version, and through its
 *   resolvers the supergraph operations each field runs.
 * Subgraph schemas are diffed too, to say where a change comes from; a subgraph change that
 * reaches no client-facing API (a field another subgraph still provides) breaks no client.
 */
import { CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  TypeInfo,
  validate,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLSchema,
  type GraphQLType,
} from 'graphql';
import type { NamedOperation } from '../bff-mobile/documents';

/** The schemas compared, as GraphQLSchemas built from a snapshot (tooling/schema-sources.ts). */
export interface SchemaSet {
  /** Each subgraph's schema, by name. */
  subgraphs: Record<string, GraphQLSchema>;
  /** The supergraph's API schema. */
  supergraph: GraphQLSchema;
  /** bff-web's API: the web contract. */
  web: GraphQLSchema;
  /** bff-mobile's schema. */
  mobile: GraphQLSchema;
}

export interface KnownOperations {
  /** The web app's operations. */
  web: NamedOperation[];
  /** The supergraph operations bff-mobile's resolvers run. */
  supergraph: NamedOperation[];
  /** Which supergraph operations the resolver of each mobile root field runs (`Query.feed` → MobileFeed). */
  resolverOperations: Record<string, string[]>;
  /** The mobile app's operations, by supported app version (each released manifest, and the current one). */
  mobile: Record<string, NamedOperation[]>;
}

/** One client operation: `web PostPage`, `mobile 1.0.0 Feed (through bff-mobile's MobileFeed)`. */
export interface OperationRef {
  client: string;
  operation: string;
  /** The bff-mobile supergraph operation through which a mobile operation is affected. */
  via?: string;
}

export type Criticality = 'BREAKING' | 'DANGEROUS' | 'SAFE';

export interface Finding {
  criticality: Criticality;
  /** The schema coordinate: `Post.title`, `Post.posts.first`, `PostStatus.DRAFT`. */
  coordinate: string;
  /** graphql-inspector's change type, e.g. FIELD_REMOVED. */
  kind: string;
  message: string;
  /** The client-facing APIs where it shows (`supergraph`, `bff-web`, `bff-mobile`), or `subgraph <name>` only. */
  apis: string[];
  /** The subgraphs whose schema changed this way. */
  subgraphs: string[];
  /** The known operations it breaks (breaking changes only). */
  breaks: OperationRef[];
}

export interface InvalidOperation extends OperationRef {
  errors: string[];
}

export interface DeprecatedUse {
  coordinate: string;
  reason: string;
  usedBy: OperationRef[];
}

export interface CheckReport {
  findings: Finding[];
  /** Operations that do not validate against today's API, not explained by a breaking finding above. */
  invalid: InvalidOperation[];
  deprecated: DeprecatedUse[];
  /** False when a breaking change breaks a known operation, or a known operation is invalid. */
  ok: boolean;
}

const LEVEL: Record<CriticalityLevel, Criticality> = {
  [CriticalityLevel.Breaking]: 'BREAKING',
  [CriticalityLevel.Dangerous]: 'DANGEROUS',
  [CriticalityLevel.NonBreaking]: 'SAFE',
};

/** What an operation touches: coordinates, and the input and enum types it depends on as a whole. */
interface Usage {
  coordinates: Set<string>;
  wholeTypes: Set<string>;
}

/**
 * The coordinates `document` uses in `schema`: each field (`Post.title`), argument
 * (`Media.url.size`), enum value and input field it names, and the types it reaches. Input and
 * enum types count as a whole: a required input field added, or an enum value removed, can break
 * an operation that never names them.
 */
export function usage(schema: GraphQLSchema, document: DocumentNode): Usage {
  const coordinates = new Set<string>();
  const wholeTypes = new Set<string>();
  const typeInfo = new TypeInfo(schema);
  const note = (type: GraphQLType | null | undefined) => {
    const named = type && getNamedType(type);
    if (!named) return;
    coordinates.add(named.name);
    if (isEnumType(named) || isInputObjectType(named)) wholeTypes.add(named.name);
  };
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        if (!parent || node.name.value.startsWith('__')) return;
        coordinates.add(`${parent.name}.${node.name.value}`);
        note(typeInfo.getType());
      },
      Argument(node) {
        const field = typeInfo.getFieldDef();
        const parent = typeInfo.getParentType();
        if (field && parent) coordinates.add(`${parent.name}.${field.name}.${node.name.value}`);
        note(typeInfo.getInputType());
      },
      VariableDefinition() {
        note(typeInfo.getInputType());
      },
      ObjectField(node) {
        const parent = typeInfo.getParentInputType();
        const named = parent && getNamedType(parent);
        if (named) coordinates.add(`${named.name}.${node.name.value}`);
        note(typeInfo.getInputType());
      },
      EnumValue(node) {
        const type = typeInfo.getInputType();
        const named = type && getNamedType(type);
        if (named) coordinates.add(`${named.name}.${node.value}`);
      },
      InlineFragment() {
        note(typeInfo.getType());
      },
      FragmentDefinition() {
        note(typeInfo.getType());
      },
    }),
  );
  return { coordinates, wholeTypes };
}

/**
 * Whether a breaking change at `coordinate` breaks an operation with `used`: it names the
 * coordinate or something under it (a removed type), it uses the field whose argument changed,
 * or it depends on the input or enum type as a whole.
 */
export function affects(coordinate: string, { coordinates, wholeTypes }: Usage): boolean {
  if (coordinates.has(coordinate)) return true;
  const prefix = `${coordinate}.`;
  for (const used of coordinates) if (used.startsWith(prefix)) return true;
  const parts = coordinate.split('.');
  if (parts.length >= 3 && coordinates.has(`${parts[0]}.${parts[1]}`)) return true;
  return wholeTypes.has(parts[0]);
}

interface Api {
  name: 'supergraph' | 'bff-web' | 'bff-mobile';
  before: GraphQLSchema;
  after: GraphQLSchema;
  operations: { ref: OperationRef; document: DocumentNode }[];
}

/** The mobile app operations that run `supergraphOperation`, attributed to it. */
function mobileBehind(supergraphOperation: string, operations: KnownOperations, mobileUsage: Map<OperationRef, Usage>): OperationRef[] {
  const fields = Object.entries(operations.resolverOperations)
    .filter(([, ops]) => ops.includes(supergraphOperation))
    .map(([field]) => field);
  return [...mobileUsage]
    .filter(([, used]) => fields.some((field) => used.coordinates.has(field)))
    .map(([ref]) => ({ ...ref, via: supergraphOperation }));
}

export async function checkSchemas(baseline: SchemaSet, current: SchemaSet, operations: KnownOperations): Promise<CheckReport> {
  const refs = (client: string, ops: NamedOperation[]) => ops.map((op) => ({ ref: { client, operation: op.name }, document: op.document }));
  const apis: Api[] = [
    { name: 'supergraph', before: baseline.supergraph, after: current.supergraph, operations: refs('bff-mobile', operations.supergraph) },
    { name: 'bff-web', before: baseline.web, after: current.web, operations: refs('web', operations.web) },
    {
      name: 'bff-mobile',
      before: baseline.mobile,
      after: current.mobile,
      operations: Object.entries(operations.mobile).flatMap(([version, ops]) => refs(`mobile ${version}`, ops)),
    },
  ];
  // What each operation uses, read in the baseline where it was valid (a removed field is then
  // still known), else in today's schema (an operation added since the release).
  const usages = new Map<OperationRef, Usage>();
  for (const api of apis) {
    for (const { ref, document } of api.operations) {
      const schema = validate(api.before, document).length === 0 ? api.before : api.after;
      usages.set(ref, usage(schema, document));
    }
  }
  const mobileApi = apis[2];
  const mobileUsage = new Map(mobileApi.operations.map(({ ref }) => [ref, usages.get(ref)!]));

  const findings = new Map<string, Finding>();
  const record = (change: Change, api: string, subgraph?: string): Finding => {
    const criticality = LEVEL[change.criticality.level];
    const coordinate = change.path ?? '(schema)';
    const key = `${criticality} ${coordinate} ${change.type}`;
    let finding = findings.get(key);
    if (!finding) {
      finding = { criticality, coordinate, kind: change.type, message: change.message, apis: [], subgraphs: [], breaks: [] };
      findings.set(key, finding);
    }
    if (subgraph) {
      if (!finding.subgraphs.includes(subgraph)) finding.subgraphs.push(subgraph);
    } else if (!finding.apis.includes(api)) finding.apis.push(api);
    return finding;
  };
  const seen = (finding: Finding, ref: OperationRef) =>
    finding.breaks.some((b) => b.client === ref.client && b.operation === ref.operation && b.via === ref.via);

  for (const api of apis) {
    for (const change of await diff(api.before, api.after)) {
      const finding = record(change, api.name);
      if (finding.criticality !== 'BREAKING') continue;
      for (const { ref } of api.operations) {
        if (!affects(finding.coordinate, usages.get(ref)!)) continue;
        const broken = api.name === 'supergraph' ? [ref, ...mobileBehind(ref.operation, operations, mobileUsage)] : [ref];
        for (const b of broken) if (!seen(finding, b)) finding.breaks.push(b);
      }
    }
  }
  for (const [name, after] of Object.entries(current.subgraphs)) {
    const before = baseline.subgraphs[name];
    if (!before) continue;
    for (const change of await diff(before, after)) record(change, `subgraph ${name}`, name);
  }

  // Whatever the diff did not explain: operations that no longer validate today.
  const explained = (ref: OperationRef) => [...findings.values()].some((f) => f.breaks.some((b) => b.client === ref.client && b.operation === ref.operation));
  const invalid: InvalidOperation[] = [];
  for (const api of apis) {
    for (const { ref, document } of api.operations) {
      const errors = validate(api.after, document).map((e) => e.message);
      if (errors.length === 0 || explained(ref)) continue;
      invalid.push({ ...ref, errors });
      if (api.name === 'supergraph') {
        for (const behind of mobileBehind(ref.operation, operations, mobileUsage)) invalid.push({ ...behind, errors: [`${ref.operation} does not validate`] });
      }
    }
  }

  const deprecated = new Map<string, DeprecatedUse>();
  for (const api of apis) {
    for (const { ref, document } of api.operations) {
      for (const coordinate of usage(api.after, document).coordinates) {
        const reason = deprecationOf(api.after, coordinate);
        if (reason === undefined) continue;
        const use = deprecated.get(coordinate) ?? { coordinate, reason, usedBy: [] };
        use.usedBy.push(ref);
        deprecated.set(coordinate, use);
      }
    }
  }

  const all = [...findings.values()];
  return {
    findings: all,
    invalid,
    deprecated: [...deprecated.values()],
    ok: invalid.length === 0 && !all.some((f) => f.criticality === 'BREAKING' && f.breaks.length > 0),
  };
}

/** The deprecation reason of a field or enum value, or undefined when it is not deprecated. */
function deprecationOf(schema: GraphQLSchema, coordinate: string): string | undefined {
  const [typeName, member, ...rest] = coordinate.split('.');
  if (!member || rest.length) return undefined;
  const type = schema.getType(typeName);
  if (!type) return undefined;
  if (isEnumType(type)) return type.getValue(member)?.deprecationReason ?? undefined;
  if ('getFields' in type && !isInputObjectType(type)) return type.getFields()[member]?.deprecationReason ?? undefined;
  return undefined;
}

/** The report as the gate prints it. */
export function formatReport(report: CheckReport): string {
  const lines: string[] = [];
  const ref = (r: OperationRef) => `${r.client} ${r.operation}${r.via ? ` (through bff-mobile's supergraph operation ${r.via})` : ''}`;
  const where = (f: Finding) =>
    [f.subgraphs.length ? `subgraph ${f.subgraphs.join(', ')}` : '', f.apis.length ? `API ${f.apis.join(', ')}` : 'no client-facing API'].filter(Boolean).join('; ');
  const order: Criticality[] = ['BREAKING', 'DANGEROUS', 'SAFE'];
  const sorted = [...report.findings].sort((a, b) => order.indexOf(a.criticality) - order.indexOf(b.criticality) || a.coordinate.localeCompare(b.coordinate));
  for (const f of sorted) {
    const breaking = f.criticality === 'BREAKING';
    const failing = breaking && f.breaks.length > 0;
    lines.push(`${failing ? 'FAIL' : breaking ? 'WARN' : '    '} ${f.criticality} ${f.coordinate}: ${f.kind}: ${f.message} (${where(f)})`);
    for (const b of f.breaks) lines.push(`       breaks ${ref(b)}`);
    if (breaking && !failing) lines.push('       breaks no known client operation');
  }
  for (const op of report.invalid) lines.push(`FAIL ${ref(op)} does not validate: ${op.errors.join('; ')}`);
  if (report.deprecated.length) {
    lines.push('Deprecated, and still used by a supported client (keep them until no client does):');
    for (const d of report.deprecated) lines.push(`  ${d.coordinate} (${d.reason}): ${d.usedBy.map(ref).join(', ')}`);
  }
  if (report.findings.length === 0) lines.push('No schema change since the release baseline.');
  return lines.join('\n');
}
