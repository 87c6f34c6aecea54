import type { SubgraphName } from '../../lib/config/env';
import { seedAll } from '../../tooling/seed';
import { graphql, startStack, statementCount, type Stack } from '../support/stack';

/**
 * Entity references resolve through DataLoader: a page of posts with their authors and media
 * costs a fixed number of SQL statements per database, whatever the page size. Counts come from
 * each subgraph's own counter of statements sent to Postgres.
 */
let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
  // 12 users × 5 published posts (and a draft) × 2 media, plus an avatar each.
  await seedAll(stack.databases.urls, { users: 12, postsPerUser: 6, mediaPerPost: 2 });
});
afterAll(() => stack?.stop());

/** Runs `query` and returns how many statements each database received for it. */
async function statementsFor(query: string, variables: Record<string, unknown>) {
  const names: SubgraphName[] = ['users', 'posts', 'media'];
  const before = await Promise.all(names.map((n) => statementCount(stack.subgraphs[n])));
  const { body } = await graphql(stack.web, query, variables);
  expect(body.errors).toBeUndefined();
  const after = await Promise.all(names.map((n) => statementCount(stack.subgraphs[n])));
  return { body, statements: Object.fromEntries(names.map((n, i) => [n, after[i] - before[i]])) };
}

const POSTS_WITH_AUTHORS_AND_MEDIA = `query($first: Int!) {
  posts(first: $first) { nodes {
    title
    author { handle avatar { url(size: THUMB) } }
    media { kind owner { displayName } }
    coverImage { url(size: LARGE) }
  } }
}`;

const USERS_WITH_POSTS = `query($first: Int!) {
  users(first: $first) { nodes {
    handle
    posts(first: 3) { nodes { title media { id } } }
  } }
}`;

describe('N+1: statements per request do not grow with the page', () => {
  it('post → author (users), post → media and author → avatar (media): one statement per entity type per level', async () => {
    const small = await statementsFor(POSTS_WITH_AUTHORS_AND_MEDIA, { first: 5 });
    const large = await statementsFor(POSTS_WITH_AUTHORS_AND_MEDIA, { first: 50 });

    const posts = large.body.data.posts.nodes;
    expect(posts).toHaveLength(50);
    // Every reference was really resolved, across all three subgraphs.
    for (const post of posts) {
      expect(post.author.handle).toMatch(/^[a-z_0-9]+$/);
      expect(post.author.avatar.url).toMatch(/^\/media\/[0-9a-f-]{36}\/thumb$/);
      expect(post.media).toHaveLength(2);
      expect(post.media[0].owner.displayName).toBeTruthy();
      expect(post.coverImage.url).toMatch(/\/large$/);
    }
    // posts: the page. users: the authors (level 1), then the media owners (level 2).
    // media: post media and avatars, one batch each. The same at 5 posts and at 50.
    expect(small.statements).toEqual({ posts: 1, users: 2, media: 2 });
    expect(large.statements).toEqual({ posts: 1, users: 2, media: 2 });
  });

  it('user → posts (posts) → media (media): one statement per entity type per level', async () => {
    const small = await statementsFor(USERS_WITH_POSTS, { first: 2 });
    const large = await statementsFor(USERS_WITH_POSTS, { first: 12 });

    const users = large.body.data.users.nodes;
    expect(users).toHaveLength(12);
    for (const user of users) {
      expect(user.posts.nodes).toHaveLength(3);
      for (const post of user.posts.nodes) expect(post.media).toHaveLength(2);
    }
    expect(large.statements).toEqual(small.statements);
    expect(large.statements).toEqual({ users: 1, posts: 1, media: 1 });
  });

  it('post → media alone: one statement for the whole page', async () => {
    const { statements } = await statementsFor(`query($first: Int!) { posts(first: $first) { nodes { media { id alt } } } }`, { first: 40 });
    expect(statements).toEqual({ users: 0, posts: 1, media: 1 });
  });
});

describe('identical queries in flight share one subgraph call', () => {
  it('asks posts once for many simultaneous identical anonymous requests, with the same answer for each', async () => {
    const before = await statementCount(stack.subgraphs.posts);
    const answers = await Promise.all(Array.from({ length: 12 }, () => graphql(stack.web, POSTS_WITH_AUTHORS_AND_MEDIA, { first: 7 })));
    const asked = (await statementCount(stack.subgraphs.posts)) - before;
    for (const answer of answers) expect(answer.body).toEqual(answers[0].body);
    expect(answers[0].body.data.posts.nodes).toHaveLength(7);
    expect(asked).toBeGreaterThanOrEqual(1);
    expect(asked).toBeLessThan(12);
  });

  it('never shares between viewers: each gets their own answer', async () => {
    const handles = ['ada', 'grace', 'alan', 'margaret'];
    const sessions = await Promise.all(
      handles.map(async (handle) => {
        const response = await graphql(stack.web, `mutation { signIn(email: "${handle}@example.com", password: "demo-password") { user { id } } }`, undefined, { origin: 'http://app.test' });
        return response.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
      }),
    );
    const answers = await Promise.all(sessions.map((cookie) => graphql(stack.web, `{ me { handle email } }`, undefined, { cookie, origin: 'http://app.test' })));
    expect(answers.map((a) => a.body.data.me)).toEqual(handles.map((handle) => ({ handle, email: `${handle}@example.com` })));
  });
});
