/**
 * `npm run seed`: replaces all data with the demo data set (6 users, 36 posts, 78 media records
 * with their image files), on the databases and media store `npm start` uses.
 * `npm run seed -- --users 1000 --posts-per-user 10 --media-per-post 2 --records-only` sizes it
 * for benchmarks: records only, half of the media videos, and no files.
 */
import { parseArgs } from 'node:util';
import { migrateAll, provideDatabases } from '../tooling/databases';
import { createLogger } from '../lib/telemetry/logger';
import { seedAll } from '../tooling/seed';
import { DEMO_SIZE } from '../tooling/seed-plan';

async function main() {
  const { values } = parseArgs({
    options: { users: { type: 'string' }, 'posts-per-user': { type: 'string' }, 'media-per-post': { type: 'string' }, 'records-only': { type: 'boolean' } },
  });
  const size = {
    users: Number(values.users ?? DEMO_SIZE.users),
    postsPerUser: Number(values['posts-per-user'] ?? DEMO_SIZE.postsPerUser),
    mediaPerPost: Number(values['media-per-post'] ?? DEMO_SIZE.mediaPerPost),
  };
  if (!Object.values(size).every((n) => Number.isInteger(n) && n >= 0) || size.users < 1) {
    console.error('--users must be a positive integer, the other sizes whole numbers');
    process.exit(2);
  }
  const logger = createLogger('seed');
  const databases = await provideDatabases(logger);
  try {
    await migrateAll(databases.urls);
    const plan = await seedAll(databases.urls, size, { files: !values['records-only'] });
    logger.info({ users: plan.users.length, posts: plan.posts.length, media: plan.media.length }, 'seeded');
  } finally {
    await databases.stop();
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
