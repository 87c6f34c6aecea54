import { buildSchema, getIntrospectionQuery, Kind, parse, type OperationDefinitionNode } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { measureOperation, queryLimitRules, queryLimits, tooLarge } from '../../lib/graphql/query-limits';

const schema = buildSchema(`
  type Query { feed(first: Int = 10): Feed!, list(first: Int): Feed!, card: Card }
  type Feed { cards: [Card!]! }
  type Card { id: ID!, title: String, tags: [String!]! }
`);

/** The estimate of `query`'s first operation, with the resolvers' page size `pageSize` for a `first` the schema gives no default. */
function measure(query: string, variables: Record<string, unknown> = {}, pageSize = 20, costLimit = 1_000_000) {
  const document = parse(query);
  const operation = document.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return measureOperation(schema, document, operation, variables, { pageSize, costLimit });
}

describe('query limits: what an operation is estimated to cost', () => {
  it('takes a null or absent first as the resolver does: the schema default, else the page size', () => {
    const ten = measure('{ feed(first: 10) { cards { id } } }').cost;
    expect(measure('{ feed(first: null) { cards { id } } }').cost).toBe(ten);
    expect(measure('{ feed { cards { id } } }').cost).toBe(ten);
    expect(measure('query($n: Int) { feed(first: $n) { cards { id } } }').cost).toBe(ten);
    expect(measure('query($n: Int = 3) { feed(first: $n) { cards { id } } }', { n: null }).cost).toBe(ten);

    const twenty = measure('{ list(first: 20) { cards { id } } }').cost;
    expect(measure('{ list(first: null) { cards { id } } }').cost).toBe(twenty);
    expect(measure('{ list { cards { id } } }').cost).toBe(twenty);
    expect(measure('query($n: Int) { list(first: $n) { cards { id } } }', { n: null }).cost).toBe(twenty);
    expect(measure('{ list { cards { id } } }', {}, 7).cost).toBe(measure('{ list(first: 7) { cards { id } } }').cost);
    expect(measure('query($n: Int = 3) { list(first: $n) { cards { id } } }').cost).toBe(measure('{ list(first: 3) { cards { id } } }').cost);
  });

  it('counts __typename and other introspection fields toward aliases and cost, in fragments too', () => {
    const plain = measure('{ card { id } }');
    const typed = measure('{ card { id a: __typename b: __typename } }');
    expect(typed.aliases).toBe(2);
    expect(typed.cost).toBe(plain.cost + 2);
    const spread = measure('{ card { ...F ... on Card { c: __typename } } } fragment F on Card { id a: __typename b: __typename }');
    expect(spread.aliases).toBe(3);
    expect(spread.cost).toBe(plain.cost + 3);
    expect(measure('{ x: __typename y: __schema { z: queryType { name } } }').aliases).toBe(3);
  });

  it('counts a page of __typename aliases once per item', () => {
    expect(measure(`{ feed(first: 10) { cards { ${Array.from({ length: 50 }, (_, i) => `a${i}: __typename`).join(' ')} } } }`)).toEqual({ depth: 3, aliases: 50, cost: 1 + 10 * (1 + 50) });
  });

  it('counts a fragment expanded 2^60 times without walking it 2^60 times', () => {
    const fragments = Array.from({ length: 60 }, (_, i) => `fragment F${i} on Query { ...F${i + 1} ...F${i + 1} }`).join(' ');
    const started = performance.now();
    expect(measure(`{ ...F0 } ${fragments} fragment F60 on Query { __typename }`, {}, 20, 25_000).cost).toBe(2 ** 60);
    expect(performance.now() - started).toBeLessThan(200);
  });

  it('counts aliases once per spread of a fragment, and depth through fragments without adding any', () => {
    expect(measure('{ card { ...F ...F } } fragment F on Card { a: id b: title }')).toMatchObject({ depth: 2, aliases: 4 });
    expect(measure('{ feed { ... on Feed { cards { ...G } } } } fragment G on Card { id }').depth).toBe(3);
  });

  it('stops walking a wide selection as soon as it has visited more fields than the cost limit', () => {
    expect(() => measure(`{ ${Array.from({ length: 200 }, () => 'card { id }').join(' ')} }`, {}, 20, 100)).toThrow(
      expect.objectContaining({ extensions: expect.objectContaining({ code: 'QUERY_TOO_COSTLY' }) }),
    );
  });

  it('keeps the full introspection query (Sandbox, codegen) within the default limits', () => {
    const m = measure(getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true, directiveIsRepeatable: true, schemaDescription: true }), {}, 20, 25_000);
    expect(m.depth).toBeLessThanOrEqual(12);
    expect(m.aliases).toBe(0);
    expect(m.cost).toBeLessThanOrEqual(25_000);
  });

  it('names a document refused by the parser for its tokens QUERY_TOO_LARGE, and nothing else', () => {
    let message = '';
    try {
      parse('{ a b c d e }', { maxTokens: 3 });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(tooLarge(message)).toEqual({ code: 'QUERY_TOO_LARGE', message: expect.stringContaining('more than 3 tokens') });
    expect(tooLarge('Syntax Error: Expected Name, found <EOF>.')).toBeUndefined();
  });
});

describe('query limits: the plugin on Apollo Server', () => {
  const limits = { tokens: 500, depth: 2, aliases: 2, rootFields: 3, cost: 100 };
  const server = new ApolloServer({
    typeDefs: `type Query { feed(first: Int = 10): Feed!, card: Card } type Feed { cards: [Card!]! } type Card { id: ID!, title: String }
      type Mutation { signIn(email: String!): Boolean }`,
    resolvers: { Query: { feed: () => ({ cards: [] }) } },
    plugins: [queryLimits(limits, { pageSize: 20 })],
    validationRules: queryLimitRules,
  });
  beforeAll(() => server.start());
  afterAll(() => server.stop());
  const code = async (query: string) => {
    const { body } = await server.executeOperation({ query });
    return body.kind === 'single' ? body.singleResult.errors?.[0]?.extensions?.code : 'incremental';
  };

  it('refuses each limit with its own code, root fields first, and lets what fits through', async () => {
    expect(await code('{ card { id } }')).toBeUndefined();
    expect(await code('{ feed { cards { id } } }')).toBe('QUERY_TOO_DEEP');
    expect(await code('{ feed { cards { id } } } ')).toBe('QUERY_TOO_DEEP'); // another document, counted in its own validation
    expect(await code('{ feed { __typename } }')).toBeUndefined();
    expect(await code('{ card { a: id b: id c: __typename } }')).toBe('TOO_MANY_ALIASES');
    expect(await code('{ card { ...A } } fragment A on Card { a: id b: id c: __typename }')).toBe('TOO_MANY_ALIASES');
    expect(await code('{ card { ... on Card { ...I } } } fragment I on Card { id }')).toBeUndefined(); // fragments add no depth
    expect(await code('{ a: card { id } b: card { id } c: card { id } d: card { id } }')).toBe('TOO_MANY_ROOT_FIELDS');
    expect(await code('mutation { a: signIn(email: "x") b: signIn(email: "y") }')).toBe('TOO_MANY_ROOT_FIELDS');
    expect(await code('{ feed(first: 200) { __typename } }')).toBe('QUERY_TOO_COSTLY');
  });
});
