import DataLoader from 'dataloader';
import { queryRows, type Database } from '../../lib/data/database';
import { byIdLoader } from '../../lib/data/loaders';
import type { Cursor, Page } from '../../lib/graphql/pagination';
import { recordEvents, type SqlClient } from '../../lib/events/outbox';
import { Prisma, type PrismaClient, type Post, type PostStatus } from './generated/prisma/client';

export type { Post, PostStatus };

/** One author's page of posts, asked for by `User.posts`. */
export interface AuthorPageKey {
  authorId: string;
  status: PostStatus;
  page: Page;
}

interface PostRow {
  id: string;
  author_id: string;
  title: string;
  body: string;
  body_html: string;
  status: PostStatus;
  created_at: Date;
  updated_at: Date;
  published_at: Date | null;
}

const toPost = (row: PostRow): Post => ({
  id: row.id,
  authorId: row.author_id,
  title: row.title,
  body: row.body,
  bodyHtml: row.body_html,
  status: row.status,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  publishedAt: row.published_at,
});

const POST_COLUMNS = Prisma.raw('id, author_id, title, body, body_html, status, created_at, updated_at, published_at');

/**
 * `take` newest posts with `status` (of `authorId` when given) strictly after the cursor `after`:
 * the `posts` list. Raw SQL straight through the pool (queryRows), like the `post` loader below:
 * Prisma's client engine compiles each `findMany`, and even each `$queryRaw`, to a query plan in
 * WebAssembly on every call (BENCHMARKS.md, issue 18). The row comparison is the index's own order.
 */
export async function newestPosts(database: Pick<Database, 'pool'>, where: { status: PostStatus; authorId?: string; after: Cursor | null }, take: number): Promise<Post[]> {
  const author = where.authorId ? Prisma.sql`AND author_id = ${where.authorId}::uuid` : Prisma.empty;
  const after = where.after ? Prisma.sql`AND (created_at, id) < (${where.after.createdAt}, ${where.after.id}::uuid)` : Prisma.empty;
  const rows = await queryRows<PostRow>(
    database,
    Prisma.sql`
      SELECT ${POST_COLUMNS} FROM posts
      WHERE status = ${where.status}::"PostStatus" ${author} ${after}
      ORDER BY created_at DESC, id DESC
      LIMIT ${take}`,
  );
  return rows.map(toPost);
}

/**
 * `first + 1` newest posts of each author in one statement: a window over the authors, so a
 * page of users with their posts costs one query, not one per user. Keys that share status and
 * page (the usual case: one selection for a list of users) go into the same statement.
 */
async function postsOfAuthors(db: PrismaClient, keys: readonly AuthorPageKey[]): Promise<Post[][]> {
  const groups = new Map<string, AuthorPageKey[]>();
  for (const key of keys) {
    const group = `${key.status}|${key.page.first}|${key.page.after?.createdAt.toISOString()}|${key.page.after?.id}`;
    groups.set(group, [...(groups.get(group) ?? []), key]);
  }
  const byKey = new Map<AuthorPageKey, Post[]>();
  await Promise.all(
    [...groups.values()].map(async (group) => {
      const { status, page } = group[0];
      const authorIds = [...new Set(group.map((k) => k.authorId))];
      const after = page.after ? Prisma.sql`AND (created_at, id) < (${page.after.createdAt}, ${page.after.id}::uuid)` : Prisma.empty;
      const rows = await db.$queryRaw<PostRow[]>`
        SELECT ${POST_COLUMNS} FROM (
          SELECT *, row_number() OVER (PARTITION BY author_id ORDER BY created_at DESC, id DESC) AS rank
          FROM posts
          WHERE author_id = ANY(${authorIds}::uuid[]) AND status = ${status}::"PostStatus" ${after}
        ) ranked
        WHERE rank <= ${page.first + 1}
        ORDER BY author_id, created_at DESC, id DESC`;
      const byAuthor = new Map<string, Post[]>();
      for (const row of rows) byAuthor.set(row.author_id, [...(byAuthor.get(row.author_id) ?? []), toPost(row)]);
      for (const key of group) byKey.set(key, byAuthor.get(key.authorId) ?? []);
    }),
  );
  return keys.map((key) => byKey.get(key)!);
}

/** Per-request loaders: one query per kind of lookup, however many rows ask. */
export function createLoaders(db: PrismaClient, database: Database) {
  return {
    post: byIdLoader(async (ids) => (await queryRows<PostRow>(database, Prisma.sql`SELECT ${POST_COLUMNS} FROM posts WHERE id = ANY(${ids}::uuid[])`)).map(toPost)),
    /** The `posts` list (newestPosts), through this request's pool. */
    newestPosts: (where: Parameters<typeof newestPosts>[1], take: number) => newestPosts(database, where, take),
    postsOfAuthor: new DataLoader<AuthorPageKey, Post[]>((keys) => postsOfAuthors(db, keys), { cache: false }),
  };
}

export type PostLoaders = ReturnType<typeof createLoaders>;

/**
 * Deletes the posts `where` selects inside the transaction `tx`, each with its PostDeleted event
 * (media follows them to delete the posts' media and files); the number deleted.
 */
export async function deletePosts(tx: Prisma.TransactionClient, where: { id: string } | { authorId: string }): Promise<number> {
  const doomed = await tx.post.findMany({ where, select: { id: true, authorId: true } });
  if (doomed.length === 0) return 0;
  const { count } = await tx.post.deleteMany({ where: { id: { in: doomed.map((p) => p.id) } } });
  await recordEvents(tx as SqlClient, 'posts', 'PostDeleted', doomed.map((post) => ({ aggregateId: post.id, payload: { postId: post.id, authorId: post.authorId } })));
  return count;
}
