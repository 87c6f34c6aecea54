import { GraphQLError } from 'graphql';
import { HttpError } from '../../lib/http/server';
import { callSubgraph, type Caller } from '../../lib/identity/assertion';

/**
 * What media needs to know about a post, asked of the posts subgraph through its API (never its
 * database), on the caller's behalf: the caller's own assertion goes along, so posts answers
 * under its own rules (a draft is visible to its author and admins only). `postsUrl` is the
 * media config's (supergraph.yaml's routing URL, or `POSTS_SUBGRAPH_URL`).
 */
export function postsApi(postsUrl: string) {
  /** Asks posts, as the caller; a failure is SUBGRAPH_UNAVAILABLE naming posts. */
  async function askPosts<T>(caller: Caller, query: string, variables: Record<string, unknown>): Promise<T> {
    try {
      const response = await callSubgraph(postsUrl, caller.assertion ?? '', query, variables, 2_000);
      const body = (await response.json()) as { data?: T; errors?: unknown[] };
      if (!response.ok || body.errors?.length || !body.data) throw new Error(`posts answered ${response.status}`);
      return body.data;
    } catch {
      throw new GraphQLError('Cannot check the post right now; try again', { extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'posts' } });
    }
  }

  /** The author of `postId` as the caller may see it; null when there is no such post for them. */
  async function postAuthorFor(caller: Caller, postId: string): Promise<string | null> {
    const data = await askPosts<{ post: { author: { id: string } | null } | null }>(caller, 'query MediaPostAuthor($id: ID!) { post(id: $id) { author { id } } }', { id: postId });
    return data.post?.author?.id ?? null;
  }

  /** Of `postIds`, those the caller may see (a draft only to its author and admins), in one call. */
  async function visiblePostIds(caller: Caller, postIds: string[]): Promise<Set<string>> {
    const unique = [...new Set(postIds)];
    if (unique.length === 0) return new Set();
    const data = await askPosts<{ _entities: ({ id: string } | null)[] }>(
      caller,
      'query MediaVisiblePosts($r: [_Any!]!) { _entities(representations: $r) { ... on Post { id } } }',
      { r: unique.map((id) => ({ __typename: 'Post', id })) },
    );
    return new Set(data._entities.filter((p): p is { id: string } => p !== null).map((p) => p.id));
  }

  return { postAuthorFor, visiblePostIds };
}

export type PostsApi = ReturnType<typeof postsApi>;

/** Most posts whose anonymous visibility a process remembers at once. */
const REMEMBERED = 10_000;

/**
 * Who may see a post's files, for file delivery: `public` when an anonymous caller may see the
 * post (published), else `private` for a caller posts lets see it (its author, an admin), else
 * `hidden`. Anonymous visibility is remembered for `cacheMs` per process (a page asks for many
 * files of the same posts), so a post unpublished that recently may still have its files served
 * publicly; a caller's own visibility is never remembered. Posts unreachable: 503 SUBGRAPH_UNAVAILABLE.
 */
export function postVisibility({ visiblePostIds }: PostsApi, anonymousAssertion: () => Promise<string>, cacheMs: number) {
  const anonymous = new Map<string, { visible: boolean; until: number }>();
  const ask = async (caller: Caller, postId: string) => {
    try {
      return (await visiblePostIds(caller, [postId])).has(postId);
    } catch {
      throw new HttpError(503, 'SUBGRAPH_UNAVAILABLE', 'Cannot check who may see this file right now; try again shortly', { 'retry-after': '2' });
    }
  };
  return async function visibility(caller: Caller, postId: string): Promise<'public' | 'private' | 'hidden'> {
    let known = anonymous.get(postId);
    if (!known || known.until <= Date.now()) {
      known = { visible: await ask({ viewer: null, client: 'media', assertion: await anonymousAssertion() }, postId), until: Date.now() + cacheMs };
      if (anonymous.size >= REMEMBERED) anonymous.clear();
      anonymous.set(postId, known);
    }
    if (known.visible) return 'public';
    if (!caller.viewer) return 'hidden';
    return (await ask(caller, postId)) ? 'private' : 'hidden';
  };
}
