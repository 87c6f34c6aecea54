import type { Database } from '../../lib/data/database';
import { chunks, SEED_TRANSACTIONS, type SeedPlan } from '../../tooling/seed-plan';
import { PrismaClient } from './generated/prisma/client';
import { renderMarkdown } from './markdown';

/** Replaces all posts with the plan's. */
export async function seedPosts(database: Database, plan: SeedPlan): Promise<void> {
  const db = new PrismaClient({ adapter: database.adapter, transactionOptions: SEED_TRANSACTIONS });
  try {
    await db.post.deleteMany();
    // The seeded world starts with no history: the old posts' events would describe posts that never were.
    await db.outboxEvent.deleteMany();
    await db.eventSequence.deleteMany();
    for (const batch of chunks(plan.posts)) {
      await db.post.createMany({
        data: batch.map((p) => ({ ...p, bodyHtml: renderMarkdown(p.body), publishedAt: p.status === 'PUBLISHED' ? p.createdAt : null })),
      });
    }
  } finally {
    await db.$disconnect();
  }
}
