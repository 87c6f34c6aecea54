import DataLoader from 'dataloader';
import type { PrismaClient, User } from './generated/prisma/client';

export type { User };

/** Per-request loaders: every user looked up in one request costs one query together. */
export function createLoaders(db: PrismaClient) {
  return {
    user: new DataLoader<string, User | null>(async (ids) => {
      const rows = await db.user.findMany({ where: { id: { in: [...ids] } } });
      const byId = new Map(rows.map((row) => [row.id, row]));
      return ids.map((id) => byId.get(id) ?? null);
    }),
  };
}

export type UserLoaders = ReturnType<typeof createLoaders>;
