import { randomUUID } from 'node:crypto';

/**
 * Demo and benchmark data, planned once and written by each subgraph's own seeder with its
 * own client: the plan holds the ids that link them, no service reads another's database.
 */
/** Every seeded account's password, for trying the demo. Seed data is for development only. */
export const DEMO_PASSWORD = 'demo-password';

export interface SeedUser {
  id: string;
  handle: string;
  displayName: string;
  email: string;
  role: 'READER' | 'AUTHOR' | 'ADMIN';
  createdAt: Date;
}
export interface SeedPost {
  id: string;
  authorId: string;
  title: string;
  body: string;
  status: 'DRAFT' | 'PUBLISHED';
  createdAt: Date;
}
export interface SeedMedia {
  id: string;
  ownerId: string;
  postId: string | null;
  purpose: 'POST' | 'AVATAR';
  kind: 'IMAGE' | 'VIDEO';
  mimeType: string;
  width: number | null;
  height: number | null;
  bytes: number;
  alt: string;
  position: number;
  createdAt: Date;
}
export interface SeedPlan {
  users: SeedUser[];
  posts: SeedPost[];
  media: SeedMedia[];
}

const PEOPLE = [
  ['ada', 'Ada Lovelace'],
  ['grace', 'Grace Hopper'],
  ['alan', 'Alan Turing'],
  ['margaret', 'Margaret Hamilton'],
  ['edsger', 'Edsger Dijkstra'],
  ['barbara', 'Barbara Liskov'],
];
const TOPICS = ['compilers', 'federation', 'caching', 'schemas', 'databases', 'testing', 'latency', 'queues', 'types'];

export interface SeedSize {
  users: number;
  postsPerUser: number;
  /** Media records per post; every other one is an image, the rest videos. */
  mediaPerPost: number;
}

/**
 * A seed replaces whole tables in one transaction, on a database that may be busy (the test suites
 * seed while other suites run): it waits longer for a connection than a request would.
 */
export const SEED_TRANSACTIONS = { maxWait: 15_000, timeout: 120_000 };

export const DEMO_SIZE: SeedSize = { users: 6, postsPerUser: 6, mediaPerPost: 2 };

/** `videos: false` makes every media record an image (a seed that writes files has no video encoder). */
export function planSeed(size: SeedSize = DEMO_SIZE, now = Date.now(), { videos = true } = {}): SeedPlan {
  const plan: SeedPlan = { users: [], posts: [], media: [] };
  let clock = now - 1000 * (size.users * (1 + size.postsPerUser * (1 + size.mediaPerPost)) + 1);
  const tick = () => new Date((clock += 1000));
  for (let u = 0; u < size.users; u++) {
    const [handle, name] = PEOPLE[u % PEOPLE.length];
    const suffix = u < PEOPLE.length ? '' : `_${Math.floor(u / PEOPLE.length)}`;
    const user: SeedUser = {
      id: randomUUID(),
      handle: `${handle}${suffix}`,
      displayName: `${name}${suffix ? ` ${suffix.slice(1)}` : ''}`,
      email: `${handle}${suffix}@example.com`,
      role: u === 0 ? 'ADMIN' : u % 3 === 2 ? 'READER' : 'AUTHOR',
      createdAt: tick(),
    };
    plan.users.push(user);
    plan.media.push(image(user.id, null, 'AVATAR', 0, `Portrait of ${user.displayName}`, tick()));
    for (let p = 0; p < size.postsPerUser; p++) {
      const topic = TOPICS[(u + p) % TOPICS.length];
      const post: SeedPost = {
        id: randomUUID(),
        authorId: user.id,
        title: `Notes on ${topic}, part ${p + 1}`,
        body: `# Notes on ${topic}\n\nWhat ${user.displayName} learned about **${topic}**:\n\n- measure first\n- keep it simple\n\n[More](https://example.com/${topic})`,
        status: p === size.postsPerUser - 1 ? 'DRAFT' : 'PUBLISHED',
        createdAt: tick(),
      };
      plan.posts.push(post);
      for (let m = 0; m < size.mediaPerPost; m++) {
        plan.media.push(
          m % 2 === 0 || !videos
            ? image(user.id, post.id, 'POST', m, `Figure ${m + 1} on ${topic}`, tick())
            : { ...image(user.id, post.id, 'POST', m, `Clip ${m + 1} on ${topic}`, tick()), kind: 'VIDEO', mimeType: 'video/mp4', width: 1920, height: 1080, bytes: 4_800_000 },
        );
      }
    }
  }
  return plan;
}

function image(ownerId: string, postId: string | null, purpose: SeedMedia['purpose'], position: number, alt: string, createdAt: Date): SeedMedia {
  return { id: randomUUID(), ownerId, postId, purpose, kind: 'IMAGE', mimeType: 'image/jpeg', width: 1600, height: 1200, bytes: 240_000, alt, position, createdAt };
}

/** Splits rows into batches, so one insert statement stays well under Postgres' parameter limit. */
export function chunks<T>(rows: T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}
