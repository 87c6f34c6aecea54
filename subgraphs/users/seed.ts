import type { Database } from '../../lib/data/database';
import { chunks, SEED_TRANSACTIONS, DEMO_PASSWORD, type SeedPlan } from '../../tooling/seed-plan';
import { PrismaClient } from './generated/prisma/client';
import { hashPassword } from './auth/passwords';

/** Replaces all users with the plan's; they all sign in with DEMO_PASSWORD. */
export async function seedUsers(database: Database, plan: SeedPlan): Promise<void> {
  const db = new PrismaClient({ adapter: database.adapter, transactionOptions: SEED_TRANSACTIONS });
  try {
    const passwordHash = await hashPassword(DEMO_PASSWORD);
    await db.user.deleteMany();
    for (const batch of chunks(plan.users)) await db.user.createMany({ data: batch.map((user) => ({ ...user, passwordHash })) });
  } finally {
    await db.$disconnect();
  }
}

export async function countUsers(database: Database): Promise<number> {
  const db = new PrismaClient({ adapter: database.adapter, transactionOptions: SEED_TRANSACTIONS });
  try {
    return await db.user.count();
  } finally {
    await db.$disconnect();
  }
}
