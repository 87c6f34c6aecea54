import { byIdLoader } from '../../lib/data/loaders';
import type { PrismaClient, User } from './generated/prisma/client';

export type { User };

/** Per-request loaders: every user looked up in one request costs one query together. */
export function createLoaders(db: PrismaClient) {
  return {
    user: byIdLoader((ids) => db.user.findMany({ where: { id: { in: ids } } })),
  };
}

export type UserLoaders = ReturnType<typeof createLoaders>;
