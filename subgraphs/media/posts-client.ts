import { GraphQLError } from 'graphql';
import { callSubgraph, type Caller, type Viewer } from '../../lib/identity/assertion';
import { MEDIA_POST_AUTHOR, MEDIA_VISIBLE_POSTS } from '../../lib/identity/service-calls';

/** How long media waits for posts on a request's behalf. */
const REQUEST_TIMEOUT_MS = 2_000;

/**
 * What media needs to know about posts, asked of the posts subgraph through its API (never its
 * database). Media asks as itself (`sign`: its service assertion for posts), naming the caller's
 * viewer, so posts answers under its own rules (a draft is visible to its author and admins only);
 * posts runs only these two read-only operations for media (lib/identity/service-calls.ts).
 * `postsUrl` is the media config's (supergraph.yaml's routing URL, or `POSTS_SUBGRAPH_URL`).
 */
export function postsClient(postsUrl: string, sign: (viewer: Viewer | null) => Promise<string>) {
  /** Posts' data for `query`; an Error naming what posts answered when it has none. */
  async function query<T>(assertion: string, text: string, variables: Record<string, unknown>, timeoutMs: number, headers?: Record<string, string>): Promise<T> {
    const response = await callSubgraph(postsUrl, assertion, text, variables, timeoutMs, headers);
    const body = (await response.json()) as { data?: T; errors?: { message: string }[] };
    if (!response.ok || body.errors?.length || !body.data) throw new Error(`posts answered ${response.status}: ${body.errors?.[0]?.message ?? 'no data'}`);
    return body.data;
  }

  /** Asks posts about the caller's viewer; a failure is SUBGRAPH_UNAVAILABLE naming posts. */
  async function askPosts<T>(caller: Pick<Caller, 'viewer'>, text: string, variables: Record<string, unknown>): Promise<T> {
    try {
      return await query<T>(await sign(caller.viewer), text, variables, REQUEST_TIMEOUT_MS);
    } catch {
      throw new GraphQLError('Cannot check the post right now; try again', { extensions: { code: 'SUBGRAPH_UNAVAILABLE', serviceName: 'posts' } });
    }
  }

  /** The author of `postId` as the caller may see it; null when there is no such post for them. */
  async function postAuthorFor(caller: Pick<Caller, 'viewer'>, postId: string): Promise<string | null> {
    const data = await askPosts<{ post: { author: { id: string } | null } | null }>(caller, MEDIA_POST_AUTHOR, { id: postId });
    return data.post?.author?.id ?? null;
  }

  /** Of `postIds`, those the caller may see (a draft only to its author and admins), in one call. */
  async function visiblePostIds(caller: Pick<Caller, 'viewer'>, postIds: string[]): Promise<Set<string>> {
    const unique = [...new Set(postIds)];
    if (unique.length === 0) return new Set();
    const data = await askPosts<{ _entities: ({ id: string } | null)[] }>(
      caller,
      MEDIA_VISIBLE_POSTS,
      { r: unique.map((id) => ({ __typename: 'Post', id })) },
    );
    return new Set(data._entities.filter((p): p is { id: string } => p !== null).map((p) => p.id));
  }

  return { postAuthorFor, visiblePostIds };
}

export type PostsClient = ReturnType<typeof postsClient>;
