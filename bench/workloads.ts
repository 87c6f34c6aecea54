/**
 * The varied workloads of `npm run bench` (bench/run.ts): each is a deterministic sequence of
 * requests drawn from the seeded data, and each request carries the answer it must get, worked out
 * from the seed plan and the real order of the posts list, so a fast wrong answer is caught.
 *
 * - W1, the posts page: 20 posts with author, avatar, media and cover after a cursor drawn from
 *   real cursors of the posts list (collected by paging it before the run).
 * - W2, a deep query five fetch levels down (posts → author, avatar, media → media's owner and the
 *   owner's posts → their cover → the cover's owner), with varied page sizes, cursors and renditions.
 * - W3, one post's detail by an id drawn from the published posts.
 *
 * The sequences are a function of the seed plan and a fixed PRNG seed, so every target is sent
 * the same requests in the same order (each connection takes the next one from a shared counter).
 */
import type { SeedPlan, SeedPost, SeedUser } from '../tooling/seed-plan';

/** One request of a workload: its JSON body and the check of its answer (a failure reason, or null). */
export interface WorkItem {
  body: string;
  check(response: unknown): string | null;
}

/** The posts list as the graph orders it: every published post's id, and the cursor of its edge. */
export interface PostsOrder {
  ids: string[];
  cursors: string[];
}

/** A small deterministic PRNG (mulberry32), so sequences are the same on every run and target. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct integers in [0, n), drawn with `random`. */
function distinct(random: () => number, n: number, count: number): number[] {
  if (count >= n) return Array.from({ length: n }, (_, i) => i);
  const picked = new Set<number>();
  while (picked.size < count) picked.add(Math.floor(random() * n));
  return [...picked];
}

export const PAGE_QUERY = `query Page($first: Int!, $after: String) { posts(first: $first, after: $after) { nodes { id title author { handle displayName avatar { url(size: THUMB) } } media { id kind url(size: LARGE) } coverImage { url(size: LARGE) } } } }`;

/** What the posts subgraph alone owns of W1's page: the reference for the gateways. */
export const PAGE_POSTS_ONLY_QUERY = `query PagePosts($first: Int!, $after: String) { posts(first: $first, after: $after) { nodes { id title author { id } } } }`;

export const DEEP_QUERY = `query Deep($first: Int!, $after: String, $n: Int!, $size: ImageSize!) {
  posts(first: $first, after: $after) {
    nodes {
      id title
      author { handle avatar { url(size: THUMB) } }
      media {
        id url(size: $size)
        owner {
          handle
          posts(first: $n) { nodes { id title coverImage { id url(size: THUMB) owner { handle displayName } } } }
        }
      }
    }
  }
}`;

export const DETAIL_QUERY = `query PostDetail($id: ID!) { post(id: $id) { id title bodyHtml publishedAt author { handle displayName avatar { url(size: SMALL) } } media { id kind alt url(size: LARGE) } coverImage { id url(size: LARGE) } } }`;

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === 'object' && x !== null && !Array.isArray(x);
const nonEmpty = (x: unknown): boolean => typeof x === 'string' && x.length > 0;

/** Lookups over the seed plan that the checks need. */
export class Expectations {
  readonly posts = new Map<string, SeedPost>();
  readonly users = new Map<string, SeedUser>();
  /** A post's media ids, and whether it has an image (so a cover). */
  readonly media = new Map<string, { ids: string[]; image: string | undefined }>();
  /** Each author's published posts, newest first. */
  readonly byAuthor = new Map<string, string[]>();

  constructor(plan: SeedPlan) {
    for (const user of plan.users) this.users.set(user.id, user);
    for (const post of plan.posts) this.posts.set(post.id, post);
    const sorted = [...plan.media].sort((a, b) => a.position - b.position);
    for (const m of sorted) {
      if (!m.postId) continue;
      const entry = this.media.get(m.postId) ?? { ids: [], image: undefined };
      entry.ids.push(m.id);
      if (m.kind === 'IMAGE') entry.image ??= m.id;
      this.media.set(m.postId, entry);
    }
    const published = plan.posts.filter((p) => p.status === 'PUBLISHED').sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1));
    for (const post of published) {
      const list = this.byAuthor.get(post.authorId) ?? [];
      list.push(post.id);
      this.byAuthor.set(post.authorId, list);
    }
  }

  /** The answer's `data`, or the reason it is not a complete answer. */
  static data(response: unknown): Json | string {
    if (!isObject(response)) return 'not a JSON object';
    if (response.errors !== undefined) return `errors: ${JSON.stringify(response.errors).slice(0, 200)}`;
    if (!isObject(response.data)) return 'no data';
    return response.data;
  }

  /** A user as the answer shows them (handle, display name when asked, avatar when asked). */
  user(got: unknown, id: string, fields: { displayName?: boolean; avatar?: boolean }): string | null {
    const want = this.users.get(id);
    if (!want) return `unknown user ${id}`;
    if (!isObject(got)) return `user ${id} missing`;
    if (got.handle !== want.handle) return `user ${id}: handle ${String(got.handle)}`;
    if (fields.displayName && got.displayName !== want.displayName) return `user ${id}: displayName`;
    if (fields.avatar && !(isObject(got.avatar) && nonEmpty(got.avatar.url))) return `user ${id}: avatar missing`;
    return null;
  }

  /** A post's media list, and its cover unless `cover` is false, as the answer shows them. */
  postMedia(got: Json, postId: string, { kind = false, cover = true } = {}): string | null {
    const want = this.media.get(postId) ?? { ids: [], image: undefined };
    if (!Array.isArray(got.media)) return `post ${postId}: media missing`;
    const ids = got.media.map((m) => (isObject(m) ? m.id : undefined));
    if (ids.join() !== want.ids.join()) return `post ${postId}: media ${ids.length} of ${want.ids.length}`;
    for (const m of got.media as Json[]) {
      if (!nonEmpty(m.url)) return `post ${postId}: media url missing`;
      if (kind && !nonEmpty(m.kind)) return `post ${postId}: media kind missing`;
    }
    if (cover && want.image && !(isObject(got.coverImage) && nonEmpty(got.coverImage.url))) return `post ${postId}: cover missing`;
    return null;
  }
}

/** `nodes` of `data.posts`, checked to be exactly `ids` in order. */
function pageNodes(data: Json, ids: string[]): Json[] | string {
  const posts = data.posts;
  if (!isObject(posts) || !Array.isArray(posts.nodes)) return 'posts.nodes missing';
  const got = posts.nodes.map((n) => (isObject(n) ? n.id : undefined));
  if (got.join() !== ids.join()) return `page: got ${got.length} posts, not the ${ids.length} expected after the cursor`;
  return posts.nodes as Json[];
}

/** Cursor positions for page-based workloads: `count` distinct edges, each followed by at least one post. */
function cursorPicks(order: PostsOrder, random: () => number, count: number): number[] {
  return distinct(random, order.cursors.length - 1, count);
}

/** W1: the posts page after one of `cursorCount` real cursors; `postsOnly` asks what the posts subgraph owns. */
export function pageWorkload(expect: Expectations, order: PostsOrder, { length, cursorCount, postsOnly = false }: { length: number; cursorCount: number; postsOnly?: boolean }): WorkItem[] {
  const random = prng(1801);
  const picks = cursorPicks(order, random, cursorCount);
  const first = 20;
  return Array.from({ length }, () => {
    const at = picks[Math.floor(random() * picks.length)];
    const ids = order.ids.slice(at + 1, at + 1 + first);
    const variables = { first, after: order.cursors[at] };
    return {
      body: JSON.stringify({ query: postsOnly ? PAGE_POSTS_ONLY_QUERY : PAGE_QUERY, variables }),
      check(response) {
        const data = Expectations.data(response);
        if (typeof data === 'string') return data;
        const nodes = pageNodes(data, ids);
        if (typeof nodes === 'string') return nodes;
        for (const node of nodes) {
          const post = expect.posts.get(node.id as string)!;
          if (node.title !== post.title) return `post ${post.id}: title`;
          if (postsOnly) {
            if (!isObject(node.author) || node.author.id !== post.authorId) return `post ${post.id}: author id`;
            continue;
          }
          const problem = expect.user(node.author, post.authorId, { displayName: true, avatar: true }) ?? expect.postMedia(node, post.id, { kind: true });
          if (problem) return problem;
        }
        return null;
      },
    };
  });
}

/** W2: the deep query, with varied page sizes, cursors, nested page sizes and renditions. */
export function deepWorkload(expect: Expectations, order: PostsOrder, { length, cursorCount }: { length: number; cursorCount: number }): WorkItem[] {
  const random = prng(1802);
  const picks = cursorPicks(order, random, cursorCount);
  const sizes = ['THUMB', 'SMALL', 'LARGE', 'ORIGINAL'];
  return Array.from({ length }, () => {
    const at = picks[Math.floor(random() * picks.length)];
    const first = 3 + Math.floor(random() * 4); // 3–6 posts
    const n = 2 + Math.floor(random() * 2); // 2–3 of the owner's posts
    const size = sizes[Math.floor(random() * sizes.length)];
    const ids = order.ids.slice(at + 1, at + 1 + first);
    return {
      body: JSON.stringify({ query: DEEP_QUERY, variables: { first, after: order.cursors[at], n, size } }),
      check(response) {
        const data = Expectations.data(response);
        if (typeof data === 'string') return data;
        const nodes = pageNodes(data, ids);
        if (typeof nodes === 'string') return nodes;
        for (const node of nodes) {
          const post = expect.posts.get(node.id as string)!;
          if (node.title !== post.title) return `post ${post.id}: title`;
          const problem = expect.user(node.author, post.authorId, { avatar: true }) ?? expect.postMedia(node, post.id, { cover: false });
          if (problem) return problem;
          for (const media of node.media as Json[]) {
            const owner = media.owner;
            const ownerProblem = expect.user(owner, post.authorId, {});
            if (ownerProblem) return `media ${String(media.id)} owner: ${ownerProblem}`;
            const theirs = (owner as Json).posts;
            const want = (expect.byAuthor.get(post.authorId) ?? []).slice(0, n);
            if (!isObject(theirs) || !Array.isArray(theirs.nodes)) return `owner's posts missing`;
            const got = theirs.nodes.map((p) => (isObject(p) ? p.id : undefined));
            if (got.join() !== want.join()) return `owner's posts: got ${got.length}, want ${want.length}`;
            for (const p of theirs.nodes as Json[]) {
              const cover = p.coverImage;
              if (expect.media.get(p.id as string)?.image === undefined) continue;
              if (!isObject(cover) || !nonEmpty(cover.url)) return `owner's post ${String(p.id)}: cover missing`;
              const coverOwner = expect.user(cover.owner, post.authorId, { displayName: true });
              if (coverOwner) return `cover owner: ${coverOwner}`;
            }
          }
        }
        return null;
      },
    };
  });
}

/** W3: one post's detail, by an id drawn from `idCount` published posts. */
export function detailWorkload(expect: Expectations, order: PostsOrder, { length, idCount }: { length: number; idCount: number }): WorkItem[] {
  const random = prng(1803);
  const picks = distinct(random, order.ids.length, idCount);
  return Array.from({ length }, () => {
    const id = order.ids[picks[Math.floor(random() * picks.length)]];
    const post = expect.posts.get(id)!;
    return {
      body: JSON.stringify({ query: DETAIL_QUERY, variables: { id } }),
      check(response) {
        const data = Expectations.data(response);
        if (typeof data === 'string') return data;
        const got = data.post;
        if (!isObject(got) || got.id !== id) return `post ${id} missing`;
        if (got.title !== post.title) return `post ${id}: title`;
        if (!nonEmpty(got.bodyHtml) || !nonEmpty(got.publishedAt)) return `post ${id}: body or publishedAt missing`;
        return expect.user(got.author, post.authorId, { displayName: true, avatar: true }) ?? expect.postMedia(got, id, { kind: true });
      },
    };
  });
}

/** A workload of one fixed request (the best-case scenarios), checked only for a complete answer. */
export function identicalWorkload(body: string): WorkItem[] {
  return [{ body, check: (response) => { const data = Expectations.data(response); return typeof data === 'string' ? data : null; } }];
}
