import DataLoader from 'dataloader';
import { queryRows, type Database } from '../../lib/data/database';
import { byIdLoader, groupBy } from '../../lib/data/loaders';
import { Prisma, type Media, type PrismaClient } from './generated/prisma/client';

export type { Media };

/** A media row as raw SQL returns it. */
interface MediaRow {
  id: string;
  owner_id: string;
  post_id: string | null;
  purpose: Media['purpose'];
  kind: Media['kind'];
  mime_type: string;
  width: number | null;
  height: number | null;
  bytes: number;
  alt: string | null;
  position: number;
  created_at: Date;
  updated_at: Date;
}

const MEDIA_COLUMNS = Prisma.raw(
  'id, owner_id, post_id, purpose, kind, mime_type, width, height, bytes, alt, position, created_at, updated_at',
);

const toMedia = (row: MediaRow): Media => ({
  id: row.id,
  ownerId: row.owner_id,
  postId: row.post_id,
  purpose: row.purpose,
  kind: row.kind,
  mimeType: row.mime_type,
  width: row.width,
  height: row.height,
  bytes: row.bytes,
  alt: row.alt,
  position: row.position,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/**
 * Per-request loaders: one query per kind of lookup, however many rows ask. The loaders behind
 * the graph's entity fetches are raw SQL: Prisma's client engine compiles every `findMany` to a
 * query plan in WebAssembly, each time (no plan cache in 6.19), which profiled at a fifth of
 * media's CPU on the posts page. Even `$queryRaw` goes through that compiler, so they read
 * straight through the pool (queryRows; BENCHMARKS.md, issue 18). Every column read here is
 * uuid, text, enum, integer or timestamptz, which pg maps as Prisma does.
 */
export function createLoaders(_db: PrismaClient, database: Database) {
  return {
    media: byIdLoader(async (ids) =>
      (await queryRows<MediaRow>(database, Prisma.sql`SELECT ${MEDIA_COLUMNS} FROM media WHERE id = ANY(${ids}::uuid[])`)).map(toMedia),
    ),
    /** All media of each post, in display order; `Post.media` and `Post.coverImage` share it. */
    mediaOfPost: new DataLoader<string, Media[]>(async (postIds) => {
      const rows = await queryRows<MediaRow>(
        database,
        Prisma.sql`
          SELECT ${MEDIA_COLUMNS} FROM media
          WHERE post_id = ANY(${[...postIds]}::uuid[]) AND purpose = 'POST'
          ORDER BY position ASC, created_at ASC, id ASC`,
      );
      return groupBy(postIds, rows.map(toMedia), (row) => row.postId!);
    }),
    /** The newest avatar of each user: DISTINCT ON reads one row per owner from the index. */
    avatarOfUser: new DataLoader<string, Media | null>(async (ownerIds) => {
      const rows = await queryRows<MediaRow>(
        database,
        Prisma.sql`
          SELECT DISTINCT ON (owner_id) ${MEDIA_COLUMNS} FROM media
          WHERE owner_id = ANY(${[...ownerIds]}::uuid[]) AND purpose = 'AVATAR'
          ORDER BY owner_id, created_at DESC, id DESC`,
      );
      const byOwner = new Map(rows.map((row) => [row.owner_id, toMedia(row)]));
      return ownerIds.map((id) => byOwner.get(id) ?? null);
    }),
  };
}

export type MediaLoaders = ReturnType<typeof createLoaders>;
