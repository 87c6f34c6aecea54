import { GraphQLError } from 'graphql';
import { subgraphUrls } from '../../lib/composition';
import { callSubgraph, type Caller } from '../../lib/identity';

/**
 * What media needs to know about a post, asked of the posts subgraph through its API (never its
 * database), on the caller's behalf: the caller's own assertion goes along, so posts answers
 * under its own rules (a draft is visible to its author and admins only).
 * `POSTS_SUBGRAPH_URL` overrides the posts routing URL of supergraph.yaml.
 */
const POSTS_URL = subgraphUrls().posts;
/** Asks posts, as the caller; a failure is SUBGRAPH_UNAVAILABLE naming posts. */
async function askPosts<T>(caller: Caller, query: string, variables: Record<string, unknown>): Promise<T> {
  try {
    const response = await callSubgraph(POSTS_URL, caller.assertion ?? '', query, variables, 2_000);
    const body = (await response.json()) as { data?: T; errors?: unknown[] };
    if (!response.ok || body.errors?.length || !body.data) throw new Error(`posts answered ${response.status}`);
    return body.data;
  } catch {
    throw new GraphQLError('Cannot check the post right now; try again', { extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'posts' } });
  }
}

/** The author of `postId` as the caller may see it; null when there is no such post for them. */
export async function postAuthorFor(caller: Caller, postId: string): Promise<string | null> {
  const data = await askPosts<{ post: { author: { id: string } | null } | null }>(caller, 'query MediaPostAuthor($id: ID!) { post(id: $id) { author { id } } }', { id: postId });
  return data.post?.author?.id ?? null;
}

/** Of `postIds`, those the caller may see (a draft only to its author and admins), in one call. */
export async function visiblePostIds(caller: Caller, postIds: string[]): Promise<Set<string>> {
  const unique = [...new Set(postIds)];
  if (unique.length === 0) return new Set();
  const data = await askPosts<{ _entities: ({ id: string } | null)[] }>(
    caller,
    'query MediaVisiblePosts($r: [_Any!]!) { _entities(representations: $r) { ... on Post { id } } }',
    { r: unique.map((id) => ({ __typename: 'Post', id })) },
  );
  return new Set(data._entities.filter((p): p is { id: string } => p !== null).map((p) => p.id));
}
