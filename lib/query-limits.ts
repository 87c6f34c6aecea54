import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isListType,
  isInterfaceType,
  isObjectType,
  Kind,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { envInt } from './config';

/**
 * Limits on what one operation may ask of the graph, checked at the BFF after validation and
 * before any subgraph is called. Each has its own code, and HTTP 400.
 */
export interface QueryLimits {
  /** Deepest field nesting (`MAX_QUERY_DEPTH`, default 12). */
  depth: number;
  /** Aliased fields in one operation (`MAX_QUERY_ALIASES`, default 30). */
  aliases: number;
  /** Root fields in one operation (`MAX_ROOT_FIELDS`, default 15). */
  rootFields: number;
  /** Estimated cost (`MAX_QUERY_COST`, default 25000): see `cost` below. */
  cost: number;
}

export function queryLimitsFromEnv(): QueryLimits {
  return {
    depth: envInt('MAX_QUERY_DEPTH', 12, { min: 1 }),
    aliases: envInt('MAX_QUERY_ALIASES', 30, { min: 0 }),
    rootFields: envInt('MAX_ROOT_FIELDS', 15, { min: 1 }),
    cost: envInt('MAX_QUERY_COST', 25_000, { min: 1 }),
  };
}

/** Items a list without a `first` argument is assumed to hold (e.g. `Post.media`). */
const ASSUMED_LIST_SIZE = 10;

function refuse(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

/**
 * Measures a selection: its depth, its aliases, and its cost, where every field costs 1 and the
 * fields under a list cost once per item: `first` items for a paginated field (its `nodes` or
 * `edges` are not counted again), ten for any other list. Introspection fields are free.
 */
function measure(
  schema: GraphQLSchema,
  selectionSet: SelectionSetNode,
  type: GraphQLCompositeType,
  fragments: Record<string, FragmentDefinitionNode>,
  variables: Record<string, unknown>,
  paged: boolean,
  seen: Set<string> = new Set(),
): Measure {
  const total: Measure = { depth: 0, aliases: 0, cost: 0 };
  const add = (m: Measure) => {
    total.depth = Math.max(total.depth, m.depth);
    total.aliases += m.aliases;
    total.cost += m.cost;
  };
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD || selection.kind === Kind.INLINE_FRAGMENT) {
      const fragment = selection.kind === Kind.FRAGMENT_SPREAD ? fragments[selection.name.value] : selection;
      if (!fragment || (selection.kind === Kind.FRAGMENT_SPREAD && seen.has(selection.name.value))) continue;
      const condition = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : type;
      const inner = new Set(seen);
      if (selection.kind === Kind.FRAGMENT_SPREAD) inner.add(selection.name.value);
      if (condition && isCompositeType(condition)) add(measure(schema, fragment.selectionSet, condition, fragments, variables, paged, inner));
      continue;
    }
    const name = selection.name.value;
    if (name.startsWith('__')) continue;
    const aliases = selection.alias ? 1 : 0;
    const field = isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
    if (!field || !selection.selectionSet) {
      add({ depth: 1, aliases, cost: 1 });
      continue;
    }
    const fieldType = field.type;
    const firstArg = selection.arguments?.find((a) => a.name.value === 'first');
    const first = firstArg
      ? firstArg.value.kind === Kind.INT
        ? Number(firstArg.value.value)
        : firstArg.value.kind === Kind.VARIABLE
          ? Number(variables[firstArg.value.name.value] ?? field.args.find((a) => a.name === 'first')?.defaultValue ?? ASSUMED_LIST_SIZE)
          : ASSUMED_LIST_SIZE
      : field.args.find((a) => a.name === 'first')?.defaultValue;
    const isList = isListType(getNullableType(fieldType));
    const multiplier = typeof first === 'number' && Number.isFinite(first) ? Math.max(first, 1) : isList && !paged ? ASSUMED_LIST_SIZE : 1;
    const child = measure(schema, selection.selectionSet, getNamedType(fieldType) as GraphQLCompositeType, fragments, variables, typeof first === 'number');
    add({ depth: child.depth + 1, aliases: aliases + child.aliases, cost: 1 + multiplier * child.cost });
  }
  return total;
}

/** The names of the root fields, fragments and inline fragments expanded (each spread once). */
function rootFields(selectionSet: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, seen = new Set<string>()): string[] {
  const names: string[] = [];
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (!selection.name.value.startsWith('__')) names.push(selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      names.push(...rootFields(selection.selectionSet, fragments, seen));
    } else if (!seen.has(selection.name.value) && fragments[selection.name.value]) {
      names.push(...rootFields(fragments[selection.name.value].selectionSet, fragments, new Set([...seen, selection.name.value])));
    }
  }
  return names;
}

/** Root fields that check a password: one per operation, so aliases cannot multiply guesses. */
const ONCE_PER_OPERATION = new Set(['signIn', 'signUp']);

/** A plugin that refuses operations beyond `limits` before they are executed. */
export function queryLimits<TContext extends BaseContext>(limits: QueryLimits): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request }) {
          if (!operation) return;
          const fragments = Object.fromEntries(
            document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
          );
          const root = schema.getRootType(operation.operation);
          if (!root) return;
          const names = rootFields(operation.selectionSet, fragments);
          const roots = names.length;
          const repeated = [...ONCE_PER_OPERATION].find((name) => names.filter((n) => n === name).length > 1);
          if (repeated) throw refuse('TOO_MANY_ROOT_FIELDS', `${repeated} may appear once per operation`);
          if (roots > limits.rootFields) {
            throw refuse('TOO_MANY_ROOT_FIELDS', `This operation asks for ${roots} root fields; the limit is ${limits.rootFields}. Split it.`);
          }
          // A variable the request leaves out takes its default from the operation.
          const defaults = Object.fromEntries(
            (operation.variableDefinitions ?? [])
              .filter((v) => v.defaultValue?.kind === Kind.INT)
              .map((v) => [v.variable.name.value, Number((v.defaultValue as { value: string }).value)]),
          );
          const m = measure(schema, operation.selectionSet, root, fragments, { ...defaults, ...request.variables }, false);
          if (m.depth > limits.depth) throw refuse('QUERY_TOO_DEEP', `This operation nests ${m.depth} levels deep; the limit is ${limits.depth}.`);
          if (m.aliases > limits.aliases) throw refuse('TOO_MANY_ALIASES', `This operation uses ${m.aliases} aliases; the limit is ${limits.aliases}.`);
          if (m.cost > limits.cost) {
            throw refuse('QUERY_TOO_COSTLY', `This operation's estimated cost is ${m.cost}; the limit is ${limits.cost}. Ask for smaller pages.`);
          }
        },
      };
    },
  };
}
