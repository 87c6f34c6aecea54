import { Kind, parse, print, type DocumentNode, type FieldNode, type OperationDefinitionNode, type VariableDefinitionNode } from 'graphql';
import type { GraphQLCall } from '../lib/resilience/dedup';

/** A subgraph's answer to one GraphQL call, as parsed. */
export interface CallResult {
  data?: Record<string, unknown> | null;
  errors?: { path?: (string | number)[]; [key: string]: unknown }[];
  extensions?: Record<string, unknown>;
}

/** An entity fetch's document, read once: its one `_entities` field and its variables. */
interface EntityDocument {
  operation: OperationDefinitionNode;
  field: FieldNode;
}

/** Documents read, and batches built, at most this many kept each. */
const KEPT = 1_000;

function remember<K, V>(map: Map<K, V>, key: K, value: V): V {
  if (map.size >= KEPT) map.delete(map.keys().next().value!);
  map.set(key, value);
  return value;
}

const REPRESENTATIONS = 'representations';

/** The same JSON value (variables are JSON: compared by their text, cheap for the client's few scalars). */
const sameValue = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

/**
 * Merges the entity fetches one request's query plan sends to one subgraph at the same moment
 * into one operation, as Hive Gateway does: each fetch's `_entities` under an alias of its own
 * (`_0`, `_1`, …), each with its own representations variable (`$r0`, `$r1`, …), the other
 * variables shared (they are the client's, the same for every fetch of one request). The query
 * planner sends such fetches separately: every page of the web app asks media twice at once (a
 * post's media, its author's avatar), and a five-level query four times as often as it has
 * levels. One operation is one HTTP call, one parse and validation at the subgraph, and one
 * round of its DataLoaders, which then batch the SQL of both.
 *
 * Only a plain entity fetch merges: a single query whose one field is `_entities(representations:
 * $representations)`, without fragments definitions (the planner adds those only when reusing a
 * client's fragments). Anything else is sent as it is (`batchable` says no).
 */
export function entityBatches() {
  const documents = new Map<string, EntityDocument | null>();
  const merged = new Map<string, string | null>();

  function read(query: string): EntityDocument | null {
    const known = documents.get(query);
    if (known !== undefined) return known;
    let document: DocumentNode;
    try {
      document = parse(query, { noLocation: true });
    } catch {
      return remember(documents, query, null);
    }
    const [operation, ...others] = document.definitions;
    if (others.length > 0 || operation.kind !== Kind.OPERATION_DEFINITION || operation.operation !== 'query') return remember(documents, query, null);
    const [field, ...rest] = operation.selectionSet.selections;
    const argument = field?.kind === Kind.FIELD && field.arguments?.length === 1 ? field.arguments[0] : undefined;
    const entities =
      rest.length === 0 &&
      field.kind === Kind.FIELD &&
      field.name.value === '_entities' &&
      !field.alias &&
      !field.directives?.length &&
      argument?.name.value === REPRESENTATIONS &&
      argument.value.kind === Kind.VARIABLE &&
      argument.value.name.value === REPRESENTATIONS;
    return remember(documents, query, entities ? { operation, field: field as FieldNode } : null);
  }

  /** The merged document's text, or null when the fetches' variables disagree on a type. */
  function mergedText(queries: string[]): string | null {
    const key = queries.join('\n\u0000');
    const known = merged.get(key);
    if (known !== undefined) return known;
    const variables = new Map<string, VariableDefinitionNode>();
    const fields: FieldNode[] = [];
    for (const [i, query] of queries.entries()) {
      const { operation, field } = read(query)!;
      for (const definition of operation.variableDefinitions ?? []) {
        const name = definition.variable.name.value === REPRESENTATIONS ? `r${i}` : definition.variable.name.value;
        const renamed: VariableDefinitionNode = { ...definition, variable: { ...definition.variable, name: { kind: Kind.NAME, value: name } } };
        const same = variables.get(name);
        if (same && print(same) !== print(renamed)) return remember(merged, key, null);
        variables.set(name, renamed);
      }
      fields.push({
        ...field,
        alias: { kind: Kind.NAME, value: `_${i}` },
        arguments: [{ ...field.arguments![0], value: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: `r${i}` } } }],
      });
    }
    const first = read(queries[0])!.operation;
    const operation: OperationDefinitionNode = {
      kind: Kind.OPERATION_DEFINITION,
      operation: first.operation,
      name: first.name,
      variableDefinitions: [...variables.values()],
      selectionSet: { kind: Kind.SELECTION_SET, selections: fields },
    };
    return remember(merged, key, print({ kind: Kind.DOCUMENT, definitions: [operation] }));
  }

  return {
    /** True for a plain entity fetch, which may be merged with others. */
    batchable: (call: GraphQLCall): boolean => typeof call.query === 'string' && read(call.query) !== null,

    /**
     * One call for several batchable ones, and how to split its answer back into theirs: each gets
     * its alias's data as `_entities`, and the errors under its alias (their path starting at
     * `_entities` again); errors under no alias go to every call. Null when they cannot merge.
     */
    merge(calls: GraphQLCall[]): { call: GraphQLCall; split: (result: CallResult) => CallResult[] } | null {
      const query = mergedText(calls.map((c) => c.query!));
      if (query === null) return null;
      const variables: Record<string, unknown> = {};
      for (const [i, { variables: own = {} }] of calls.entries()) {
        for (const [name, value] of Object.entries(own)) {
          const renamed = name === REPRESENTATIONS ? `r${i}` : name;
          // A variable of the same name is shared: merged only when every fetch gives it the same value
          // (a fetch's own variables, @fromContext's or @requires' for one, differ; one value for both would answer one wrongly).
          if (renamed in variables && !sameValue(variables[renamed], value)) return null;
          variables[renamed] = value;
        }
      }
      const split = ({ data, errors, extensions }: CallResult): CallResult[] =>
        calls.map((_, i) => {
          const alias = `_${i}`;
          const own = errors?.flatMap((error) => {
            const head = error.path?.[0];
            if (head === alias) return [{ ...error, path: ['_entities', ...error.path!.slice(1)] }];
            return typeof head === 'string' && /^_\d+$/.test(head) ? [] : [error];
          });
          return {
            data: data ? { _entities: data[alias] } : data,
            ...(own?.length && { errors: own }),
            ...(i === 0 && extensions && { extensions }),
          };
        });
      return { call: { query, variables, operationName: calls[0].operationName }, split };
    },
  };
}
