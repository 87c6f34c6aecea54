import type { Database } from '../../lib/database';
import { chunks, type SeedPlan } from '../../lib/seed-plan';
import { PrismaClient } from './generated/prisma/client';

/** Replaces all media records with the plan's. */
export async function seedMedia(database: Database, plan: SeedPlan): Promise<void> {
  const db = new PrismaClient({ adapter: database.adapter });
  try {
    await db.media.deleteMany();
    for (const batch of chunks(plan.media)) await db.media.createMany({ data: batch });
  } finally {
    await db.$disconnect();
  }
}
