import type { ApolloServerPlugin, BaseContext } from '@apollo/server';
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isCompositeType,
  isIntrospectionType,
  isListType,
  isInterfaceType,
  isObjectType,
  Kind,
  SchemaMetaFieldDef,
  TypeMetaFieldDef,
  type FieldNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
  validate,
  valueFromASTUntyped,
} from 'graphql';

/**
 * Limits on what one operation may ask of the graph, checked at the BFF before any subgraph is
 * called. Each has its own code, and HTTP 400. The size of the document is checked while it is
 * parsed, so validation (whose OverlappingFieldsCanBeMerged rule is quadratic in repeated fields)
 * and the other checks only ever see a small document; the others after validation. Read from the
 * environment by lib/config/query-limits.ts (`queryLimitsConfig`); the defaults are there.
 */
export interface QueryLimits {
  /** Lexical tokens in the document (`MAX_QUERY_TOKENS`, default 500): punctuation, names, values. */
  tokens: number;
  /** Deepest field nesting (`MAX_QUERY_DEPTH`, default 12). */
  depth: number;
  /** Aliased fields in one operation (`MAX_QUERY_ALIASES`, default 30). */
  aliases: number;
  /** Root fields in one operation (`MAX_ROOT_FIELDS`, default 15). */
  rootFields: number;
  /** Estimated cost (`MAX_QUERY_COST`, default 25000): see `cost` below. */
  cost: number;
}

/**
 * graphql-js's message when parsing stops at `maxTokens` ("more that" in graphql 16, sic; "more
 * than" if it is ever corrected). The token limit is graphql-js's own parser option
 * (`parseOptions.maxTokens`, see bff/server-options.ts), not armor's max-tokens, which is an envelop
 * plugin that swaps in a counting parser: Apollo's own parse stops at the limit, no plugin needed.
 */
const TOO_MANY_TOKENS = /^Syntax Error: Document contains more tha[nt] (\d+) tokens/;

/**
 * The client's view of a document refused for its size: its own code, so a client can tell it
 * from a syntax error. Undefined for any other error.
 */
export function tooLarge(message: string): { message: string; code: 'QUERY_TOO_LARGE' } | undefined {
  const match = TOO_MANY_TOKENS.exec(message);
  if (!match) return undefined;
  return { message: `This operation's document has more than ${match[1]} tokens, the limit. Send a smaller one.`, code: 'QUERY_TOO_LARGE' };
}

/** Items a list without a `first` argument is assumed to hold (e.g. `Post.media`). */
const ASSUMED_LIST_SIZE = 10;

function refuse(code: string, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: 400 } } });
}

export interface Measure {
  depth: number;
  aliases: number;
  cost: number;
}

/** The schema's field `name` of `type`, the query type's `__schema` and `__type` included. */
function fieldOf(schema: GraphQLSchema, type: GraphQLCompositeType, name: string): GraphQLField<unknown, unknown> | undefined {
  if (type === schema.getQueryType() && name === SchemaMetaFieldDef.name) return SchemaMetaFieldDef;
  if (type === schema.getQueryType() && name === TypeMetaFieldDef.name) return TypeMetaFieldDef;
  return isObjectType(type) || isInterfaceType(type) ? type.getFields()[name] : undefined;
}

/** What every step of a cost estimate shares: the operation's fragments and variables, and a budget. */
interface Walk {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  /** The request's variables over the operation's defaults. */
  variables: Record<string, unknown>;
  /** A page's size when `first` is null or absent and the schema gives no default (the resolvers'). */
  pageSize: number;
  /** Field selections visited so far, fragments expanded; the walk stops past `limit`. */
  visited: number;
  /** The fragments being expanded on the current path. */
  expanding: Set<string>;
  /** Each named fragment's cost, by name and context, once it is known. */
  measured: Map<string, number>;
  limit: number;
}

const isGraphQLInt = (value: unknown): value is number => Number.isInteger(value) && Math.abs(value as number) <= 2 ** 31 - 1;

/** The value a `first` argument will have in the resolver: explicit, from a variable, or the default. */
function pageSizeOf(walk: Walk, node: FieldNode, field: GraphQLField<unknown, unknown>): number | undefined {
  const declared = field.args.find((a) => a.name === 'first');
  if (!declared) return undefined;
  const fallback = typeof declared.defaultValue === 'number' ? declared.defaultValue : walk.pageSize;
  const given = node.arguments?.find((a) => a.name.value === 'first')?.value;
  let value: unknown;
  if (!given) value = undefined;
  else if (given.kind === Kind.INT) value = Number(given.value);
  else if (given.kind === Kind.VARIABLE) value = walk.variables[given.name.value];
  // `first: null`, a null or absent variable: the resolver takes its default. A value that is no
  // GraphQL Int (a string, 2.5, over 32 bits) is refused when variables are coerced, after this.
  return isGraphQLInt(value) ? Math.max(value, 1) : fallback;
}

/**
 * A selection's estimated cost, where every selection costs 1 (`__typename` and the other
 * introspection fields included, inside fragments too) and the fields under a list cost once per
 * item: `first` items for a paginated field (its `nodes` or `edges` are not counted again), ten
 * for any other list. Introspection (`__schema`, `__type`) is answered in process from the
 * schema: its selections cost 1 each, its lists are not multiplied (graphql-js's
 * MaxIntrospectionDepthRule bounds them). Fragments are expanded where they are spread, each
 * named one measured once (a fragment spread twice in each of n fragments is 2^n fields, from a
 * short document: counted, not walked); and since each visited field costs at least 1, the walk
 * stops as soon as it has visited more than the cost limit.
 *
 * Our own code, not graphql-armor's cost-limit: armor prices a field by its kind and depth
 * (objectCost, scalarCost, depthCostFactor), blind to page sizes, so `posts(first: 100)` would
 * cost what `posts(first: 1)` costs. The estimate has to know `first`, the variables and the
 * resolvers' default page (web 20, mobile 10) to bound what the subgraphs will be asked.
 */
function cost(walk: Walk, selectionSet: SelectionSetNode, type: GraphQLCompositeType, paged: boolean, introspection: boolean): number {
  let total = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FRAGMENT_SPREAD || selection.kind === Kind.INLINE_FRAGMENT) {
      const spread = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : undefined;
      const fragment: FragmentDefinitionNode | InlineFragmentNode | undefined = spread === undefined ? (selection as InlineFragmentNode) : walk.fragments[spread];
      // A fragment already being expanded on this path is a cycle (validation refuses those anyway).
      if (!fragment || (spread !== undefined && walk.expanding.has(spread))) continue;
      const condition = fragment.typeCondition ? walk.schema.getType(fragment.typeCondition.name.value) : type;
      if (!condition || !isCompositeType(condition)) continue;
      if (spread === undefined) {
        total += cost(walk, fragment.selectionSet, condition, paged, introspection);
        continue;
      }
      // A named fragment costs the same wherever it is spread: measured once per document, not per spread.
      const key = `${spread}:${paged}:${introspection}`;
      let inner = walk.measured.get(key);
      if (inner === undefined) {
        walk.expanding.add(spread);
        try {
          inner = cost(walk, fragment.selectionSet, condition, paged, introspection);
        } finally {
          walk.expanding.delete(spread);
        }
        walk.measured.set(key, inner);
      }
      total += inner;
      continue;
    }
    walk.visited += 1;
    if (walk.visited > walk.limit) {
      throw refuse('QUERY_TOO_COSTLY', `This operation's estimated cost is over ${walk.limit}, the limit. Ask for smaller pages.`);
    }
    const field = fieldOf(walk.schema, type, selection.name.value);
    if (!field || !selection.selectionSet) {
      total += 1;
      continue;
    }
    const childType = getNamedType(field.type) as GraphQLCompositeType;
    if (introspection || isIntrospectionType(childType)) {
      total += 1 + cost(walk, selection.selectionSet, childType, paged, true);
      continue;
    }
    const first = pageSizeOf(walk, selection, field);
    const isList = isListType(getNullableType(field.type));
    const multiplier = first !== undefined ? first : isList && !paged ? ASSUMED_LIST_SIZE : 1;
    total += 1 + multiplier * cost(walk, selection.selectionSet, childType, first !== undefined, false);
  }
  return total;
}

/** Each validated document's depth and aliases, one entry per operation, in document order. */
const counted = new WeakMap<DocumentNode, { depth: number[]; aliases: number[] }>();

/** Armor's limits set out of reach: its rules only count here, and the plugin below decides. */
const COUNT_ONLY = { n: Number.MAX_SAFE_INTEGER, propagateOnRejection: false };

/**
 * Validation rules that count each operation's depth and aliases with graphql-armor's max-depth
 * and max-aliases rules: every alias counts, `__typename`'s too (armor's allow-list emptied),
 * fragments' aliases once per spread; fragments add no depth of their own, and `__schema` adds
 * none (the introspection query nests its type references deeply; graphql-js's
 * MaxIntrospectionDepthRule bounds it). Each rule measures a named fragment once, however often
 * it is spread. Given to Apollo Server as `validationRules`, they count during the validation it
 * does anyway, once per document: a document it has seen is not validated again, and keeps its
 * counts. They refuse nothing: `queryLimits` does, with its own codes, in its own order.
 */
export const queryLimitRules: ValidationRule[] = [
  (context) => ({ Document: { enter: () => void counted.set(context.getDocument(), { depth: [], aliases: [] }) } }),
  maxDepthRule({ ...COUNT_ONLY, flattenFragments: true, ignoreIntrospection: true, onAccept: [(context, { n }) => counted.get(context!.getDocument())?.depth.push(n)] }),
  maxAliasesRule({ ...COUNT_ONLY, allowList: [], onAccept: [(context, { n }) => counted.get(context!.getDocument())?.aliases.push(n)] }),
];

/** `operation`'s depth and aliases, as `queryLimitRules` counted them (counting now if they have not seen `document`). */
function depthAndAliases(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode): { depth: number; aliases: number } {
  if (!counted.has(document)) validate(schema, document, queryLimitRules);
  const counts = counted.get(document)!;
  const index = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION).indexOf(operation);
  return { depth: counts.depth[index] ?? 0, aliases: counts.aliases[index] ?? 0 };
}

/** A document's named fragments, by name. */
export function fragmentsOf(document: DocumentNode): Record<string, FragmentDefinitionNode> {
  return Object.fromEntries(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]));
}

/**
 * An operation's depth, aliases and estimated cost (see `cost` and `queryLimitRules`), variables
 * the request leaves out taking their defaults from the operation. Throws QUERY_TOO_COSTLY as
 * soon as more than `costLimit` fields have been visited.
 */
export function measureOperation(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  { pageSize, costLimit }: { pageSize: number; costLimit: number },
): Measure {
  const root = schema.getRootType(operation.operation);
  if (!root) return { depth: 0, aliases: 0, cost: 0 };
  const defaults = Object.fromEntries(
    (operation.variableDefinitions ?? []).filter((v) => v.defaultValue).map((v) => [v.variable.name.value, valueFromASTUntyped(v.defaultValue!)]),
  );
  const walk: Walk = { schema, fragments: fragmentsOf(document), variables: { ...defaults, ...variables }, pageSize, visited: 0, expanding: new Set(), measured: new Map(), limit: costLimit };
  const estimate = cost(walk, operation.selectionSet, root, false, false);
  return { ...depthAndAliases(schema, document, operation), cost: estimate };
}

/**
 * The names of the root fields, fragments and inline fragments expanded (each spread once per
 * path), up to `most` + 1 names: past the limit the operation is refused whatever the rest says.
 */
function rootFields(selectionSet: SelectionSetNode, fragments: Record<string, FragmentDefinitionNode>, most: number, names: string[] = [], seen: ReadonlySet<string> = new Set()): string[] {
  for (const selection of selectionSet.selections) {
    if (names.length > most) break;
    if (selection.kind === Kind.FIELD) {
      names.push(selection.name.value);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      rootFields(selection.selectionSet, fragments, most, names, seen);
    } else if (!seen.has(selection.name.value) && fragments[selection.name.value]) {
      rootFields(fragments[selection.name.value].selectionSet, fragments, most, names, new Set([...seen, selection.name.value]));
    }
  }
  return names;
}

/**
 * Root fields that check a password: one per operation, so aliases cannot multiply password
 * guesses. Our own rule (no library has it), as is the root-field count: armor's max-aliases
 * bounds aliases, not how many times one root field is asked.
 */
const ONCE_PER_OPERATION = new Set(['signIn', 'signUp']);

/**
 * A plugin that refuses operations beyond `limits` before they are executed. `pageSize` is the
 * page the resolvers serve when `first` is null or absent and the schema declares no default.
 * Give Apollo Server `queryLimitRules` as `validationRules` beside it, so depth and aliases are
 * counted in its validation pass (without them they are counted here, in a pass of their own).
 */
export function queryLimits<TContext extends BaseContext>(limits: QueryLimits, { pageSize }: { pageSize: number }): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, document, schema, request }) {
          if (!operation) return;
          const fragments = fragmentsOf(document);
          const root = schema.getRootType(operation.operation);
          if (!root) return;
          const names = rootFields(operation.selectionSet, fragments, limits.rootFields);
          const repeated = [...ONCE_PER_OPERATION].find((name) => names.filter((n) => n === name).length > 1);
          if (repeated) throw refuse('TOO_MANY_ROOT_FIELDS', `${repeated} may appear once per operation`);
          if (names.length > limits.rootFields) {
            throw refuse('TOO_MANY_ROOT_FIELDS', `This operation asks for more than ${limits.rootFields} root fields, the limit. Split it.`);
          }
          const m = measureOperation(schema, document, operation, request.variables ?? {}, { pageSize, costLimit: limits.cost });
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
