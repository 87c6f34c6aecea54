import {
  Kind,
  parse,
  print,
  visit,
  type DirectiveNode,
  type DefinitionNode,
  type DocumentNode,
  type TypeNode,
} from 'graphql';

/**
 * A contract of the supergraph, as Apollo's contracts define it: the supergraph without the
 * elements tagged (`@tag(name: …)`) with any of `excludeTags`, and without the types nothing
 * reachable from the root types uses any more. A gateway loaded with it serves, introspects and
 * validates against the contract only: a query naming a removed field fails validation.
 */
export function contractSupergraph(supergraphSdl: string, excludeTags: readonly string[]): string {
  const excluded = new Set(excludeTags);
  const tagged = (node: { directives?: readonly DirectiveNode[] }) =>
    node.directives?.some(
      (d) => d.name.value === 'tag' && d.arguments?.some((a) => a.name.value === 'name' && a.value.kind === Kind.STRING && excluded.has(a.value.value)),
    ) ?? false;

  // Remove tagged types, fields, arguments, input fields and enum values.
  let document: DocumentNode = visit(parse(supergraphSdl), {
    enter(node) {
      // Schema-level @link and @join__ machinery are never tagged; anything else that is, goes.
      if ('directives' in node && node.kind !== Kind.SCHEMA_DEFINITION && tagged(node)) return null;
      return undefined;
    },
  });

  // Remove fields and arguments whose type is gone, then types nothing reaches, until stable.
  for (;;) {
    const defined = new Set(document.definitions.filter(isTypeDefinition).map((d) => d.name.value));
    const exists = (type: TypeNode): boolean => (type.kind === Kind.NAMED_TYPE ? defined.has(type.name.value) || BUILT_IN.has(type.name.value) : exists(type.type));
    document = visit(document, {
      FieldDefinition: (field) => (exists(field.type) ? undefined : null),
      InputValueDefinition: (value) => (exists(value.type) ? undefined : null),
    });
    const reachable = reachableTypes(document);
    const before = document.definitions.length;
    document = {
      ...document,
      definitions: document.definitions.filter((d) => !isTypeDefinition(d) || reachable.has(d.name.value) || isFederationType(d.name.value)),
    };
    if (document.definitions.length === before) break;
  }
  return print(document);
}

const BUILT_IN = new Set(['String', 'Int', 'Float', 'Boolean', 'ID']);
const ROOTS = ['Query', 'Mutation', 'Subscription'];

type TypeDefinition = Extract<DefinitionNode, { name: { value: string } }> & { kind: `${string}TypeDefinition` };

function isTypeDefinition(node: DefinitionNode): node is TypeDefinition {
  return node.kind.endsWith('TypeDefinition');
}

/** Types of the supergraph's own machinery (join__, link__), referenced by directives, always kept. */
function isFederationType(name: string): boolean {
  return /^(join|link)__/.test(name);
}

function namedType(type: TypeNode): string {
  return type.kind === Kind.NAMED_TYPE ? type.name.value : namedType(type.type);
}

function reachableTypes(document: DocumentNode): Set<string> {
  const byName = new Map(document.definitions.filter(isTypeDefinition).map((d) => [d.name.value, d]));
  const seen = new Set<string>();
  const queue = ROOTS.filter((r) => byName.has(r));
  while (queue.length > 0) {
    const name = queue.pop()!;
    if (seen.has(name)) continue;
    seen.add(name);
    const node = byName.get(name) as Record<string, any> | undefined;
    if (!node) continue;
    const refs: string[] = [];
    for (const field of node.fields ?? []) {
      refs.push(namedType(field.type));
      for (const arg of field.arguments ?? []) refs.push(namedType(arg.type));
    }
    for (const iface of node.interfaces ?? []) refs.push(iface.name.value);
    for (const member of node.types ?? []) refs.push(member.name.value);
    // An interface reaches every type that implements it.
    if (node.kind === Kind.INTERFACE_TYPE_DEFINITION) {
      for (const other of byName.values()) {
        if ((other as Record<string, any>).interfaces?.some((i: { name: { value: string } }) => i.name.value === name)) refs.push(other.name.value);
      }
    }
    queue.push(...refs.filter((r) => !seen.has(r)));
  }
  return seen;
}
