import { Kind, print, visit, type DefinitionNode, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';

export interface NamedOperation {
  name: string;
  type: OperationDefinitionNode['operation'];
  /** The operation and the fragments it uses, nothing else. */
  document: DocumentNode;
  /** `document` printed: the operation first, then its fragments by name. */
  body: string;
}

/**
 * Splits a set of definitions into one self-contained document per named operation. The
 * federation query planner validates every fragment of a document against the operation's
 * variables, so an operation must not carry fragments that only other operations use.
 */
export function splitOperations(definitions: readonly DefinitionNode[]): NamedOperation[] {
  const fragments = new Map(
    definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((f) => [f.name.value, f]),
  );
  const used = (node: DefinitionNode, seen: Set<string>): Set<string> => {
    visit(node, {
      FragmentSpread(spread) {
        if (seen.has(spread.name.value)) return;
        seen.add(spread.name.value);
        used(fragments.get(spread.name.value)!, seen);
      },
    });
    return seen;
  };
  return definitions
    .filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((op) => {
      if (!op.name) throw new Error('every operation needs a name');
      const nodes = [op, ...[...used(op, new Set())].sort().map((name) => fragments.get(name)!)];
      return {
        name: op.name.value,
        type: op.operation,
        document: { kind: Kind.DOCUMENT, definitions: nodes },
        body: nodes.map((d) => print(d)).join('\n\n'),
      };
    });
}
