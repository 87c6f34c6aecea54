import type { Database } from '../../lib/database';
import { chunks, type SeedPlan } from '../../lib/seed-plan';
import { PrismaClient } from './generated/prisma/client';

/** Replaces all users with the plan's. */
export async function seedUsers(database: Database, plan: SeedPlan): Promise<void> {
  const db = new PrismaClient({ adapter: database.adapter });
  try {
    await db.user.deleteMany();
    for (const batch of chunks(plan.users)) await db.user.createMany({ data: batch });
  } finally {
    await db.$disconnect();
  }
}

export async function countUsers(database: Database): Promise<number> {
  const db = new PrismaClient({ adapter: database.adapter });
  try {
    return await db.user.count();
  } finally {
    await db.$disconnect();
  }
}
