import type { SubgraphName } from '../config/env';

/**
 * Which subgraph may call which as itself (a service assertion, signed with its own key), and
 * for what: the callee verifies a caller's assertions only if it is listed here, and runs its
 * GraphQL only for the exact operations listed (read-only ones). Feeds are the other use: a
 * producer's `GET /events` is read by the services its subgraph lists as readers.
 *
 * - media asks posts whether a viewer may see a post (file delivery, media listed by post) and
 *   who a post's author is (attaching media): it names the viewer, from the BFF's assertion it
 *   verified, and posts answers under its own rules. Media could name anyone, an admin too, but
 *   only here: it learns that a post exists and who wrote it, and can change nothing.
 * - media follows posts' and users' events, posts follows users' (on the embedded feed; with NATS
 *   no service calls another for events).
 */

/** media → posts: the author of a post, as the viewer may see it. */
export const MEDIA_POST_AUTHOR = 'query MediaPostAuthor($id: ID!) { post(id: $id) { author { id } } }';
/** media → posts: of some posts, those the viewer may see (a draft only to its author and admins). */
export const MEDIA_VISIBLE_POSTS = 'query MediaVisiblePosts($r: [_Any!]!) { _entities(representations: $r) { ... on Post { id } } }';

export interface ServiceCalls {
  /** The GraphQL operations it may run, by exact text; nothing else. */
  operations: readonly string[];
  /** It only reads the event feed, which it does on the embedded transport only (not with NATS_URL). */
  feedOnly: boolean;
}

/** The services that may call each subgraph, and what each may do there. */
export const SERVICE_CALLERS: Record<SubgraphName, Partial<Record<SubgraphName, ServiceCalls>>> = {
  users: {
    posts: { operations: [], feedOnly: true },
    media: { operations: [], feedOnly: true },
  },
  posts: {
    media: { operations: [MEDIA_POST_AUTHOR, MEDIA_VISIBLE_POSTS], feedOnly: false },
  },
  media: {},
};
