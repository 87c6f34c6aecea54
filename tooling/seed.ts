import { seedMedia } from '../subgraphs/media/seed';
import { seedPosts } from '../subgraphs/posts/seed';
import { countUsers, seedUsers } from '../subgraphs/users/seed';
import { openDatabase } from '../lib/data/database';
import type { DatabaseUrls } from './databases';
import { planSeed, type SeedSize } from './seed-plan';

/**
 * Replaces the data of all three subgraphs with a fresh plan; each seeder writes only its own
 * database. With `files`, every media record is an image with real renditions in media's store
 * (the demo); without, records only (benchmarks, tests that never fetch a file).
 */
export async function seedAll(urls: DatabaseUrls, size?: SeedSize, { files = false } = {}) {
  const plan = planSeed(size, Date.now(), { videos: !files });
  const dbs = { users: openDatabase(urls.users), posts: openDatabase(urls.posts), media: openDatabase(urls.media) };
  try {
    await Promise.all([seedUsers(dbs.users, plan), seedPosts(dbs.posts, plan), seedMedia(dbs.media, plan, { files })]);
  } finally {
    await Promise.all(Object.values(dbs).map((db) => db.close().catch(() => undefined)));
  }
  return plan;
}

/** True when the users database has no user yet (a fresh install). */
export async function isEmpty(urls: DatabaseUrls): Promise<boolean> {
  const db = openDatabase(urls.users);
  try {
    return (await countUsers(db)) === 0;
  } finally {
    await db.close();
  }
}
