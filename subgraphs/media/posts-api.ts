import { GraphQLError } from 'graphql';
import { subgraphUrls } from '../../lib/composition';
import { ASSERTION_HEADER, type Caller } from '../../lib/identity';

/**
 * What media needs to know about a post, asked of the posts subgraph through its API (never its
 * database), on the caller's behalf: the caller's own assertion goes along, so posts answers
 * under its own rules (a draft is visible to its author and admins only).
 * `POSTS_SUBGRAPH_URL` overrides the posts routing URL of supergraph.yaml.
 */
const POSTS_URL = subgraphUrls().posts;
const QUERY = 'query MediaPostAuthor($id: ID!) { post(id: $id) { author { id } } }';

/** The author of `postId` as the caller may see it; null when there is no such post for them. */
export async function postAuthorFor(caller: Caller, postId: string): Promise<string | null> {
  let body: { data?: { post: { author: { id: string } | null } | null }; errors?: unknown[] };
  try {
    const response = await fetch(POSTS_URL, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [ASSERTION_HEADER]: caller.assertion ?? '' },
      body: JSON.stringify({ query: QUERY, variables: { id: postId } }),
      signal: AbortSignal.timeout(2_000),
    });
    body = (await response.json()) as typeof body;
    if (!response.ok || body.errors?.length || !body.data) throw new Error(`posts answered ${response.status}`);
  } catch {
    throw new GraphQLError('Cannot check the post right now; try again', { extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'posts' } });
  }
  return body.data.post?.author?.id ?? null;
}
