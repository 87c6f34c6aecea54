import { queryRows, type Database } from '../../lib/data/database';
import { byIdLoader } from '../../lib/data/loaders';
import { Prisma, type PrismaClient, type User } from './generated/prisma/client';

export type { User };

/** A users row as raw SQL returns it. */
interface UserRow {
  id: string;
  handle: string;
  display_name: string;
  email: string;
  role: User['role'];
  password_hash: string;
  created_at: Date;
  updated_at: Date;
}

const USER_COLUMNS = Prisma.raw('id, handle, display_name, email, role, password_hash, created_at, updated_at');

const toUser = (row: UserRow): User => ({
  id: row.id,
  handle: row.handle,
  displayName: row.display_name,
  email: row.email,
  role: row.role,
  passwordHash: row.password_hash,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/**
 * Per-request loaders: every user looked up in one request costs one query together. Raw SQL
 * straight through the pool (queryRows): it answers every `_entities` fetch of users, and
 * Prisma's client engine compiles each `findMany`, and even each `$queryRaw`, to a query plan in
 * WebAssembly on every call (BENCHMARKS.md, issue 18). The Prisma client is not needed here.
 */
export function createLoaders(_db: PrismaClient, database: Database) {
  return {
    user: byIdLoader(async (ids) => (await queryRows<UserRow>(database, Prisma.sql`SELECT ${USER_COLUMNS} FROM users WHERE id = ANY(${ids}::uuid[])`)).map(toUser)),
  };
}

export type UserLoaders = ReturnType<typeof createLoaders>;
