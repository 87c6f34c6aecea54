import { deepWorkload, detailWorkload, Expectations, pageWorkload, type PostsOrder } from '../../bench/workloads';
import { planSeed } from '../../tooling/seed-plan';

// The bench counts a wrong answer as a failure: its checks must tell a complete answer from a
// fast wrong one. Answers here are built from the seed plan the way the graph would answer.
const plan = planSeed({ users: 12, postsPerUser: 5, mediaPerPost: 2 }, Date.UTC(2026, 0, 1));
const expect_ = new Expectations(plan);
const published = plan.posts.filter((p) => p.status === 'PUBLISHED').reverse();
const order: PostsOrder = { ids: published.map((p) => p.id), cursors: published.map((p) => `cursor-${p.id}`) };
const user = (id: string) => plan.users.find((u) => u.id === id)!;
const mediaOf = (postId: string) => plan.media.filter((m) => m.postId === postId).sort((a, b) => a.position - b.position);
const author = (id: string) => ({ handle: user(id).handle, displayName: user(id).displayName, avatar: { url: '/a.jpg' } });
const postAnswer = (id: string) => {
  const post = plan.posts.find((p) => p.id === id)!;
  return { id, title: post.title, author: author(post.authorId), media: mediaOf(id).map((m) => ({ id: m.id, kind: m.kind, url: '/m.jpg' })), coverImage: { url: '/c.jpg' } };
};
const pageAnswer = (body: string) => {
  const { after, first } = JSON.parse(body).variables;
  const at = order.cursors.indexOf(after);
  return { data: { posts: { nodes: order.ids.slice(at + 1, at + 1 + first).map(postAnswer) } } };
};

describe('bench workloads', () => {
  it('draw the same deterministic sequence every time, from many cursors', () => {
    const a = pageWorkload(expect_, order, { length: 200, cursorCount: 30 });
    const b = pageWorkload(expect_, order, { length: 200, cursorCount: 30 });
    expect(a.map((i) => i.body)).toEqual(b.map((i) => i.body));
    expect(new Set(a.map((i) => JSON.parse(i.body).variables.after)).size).toBeGreaterThan(20);
  });

  it('accept the complete page and refuse a wrong, partial or failed one', () => {
    const [item] = pageWorkload(expect_, order, { length: 1, cursorCount: 30 });
    const right = pageAnswer(item.body);
    expect(item.check(right)).toBeNull();
    // The page from the start of the list: fast, and wrong.
    const wrongPage = { data: { posts: { nodes: order.ids.slice(0, right.data.posts.nodes.length).map(postAnswer) } } };
    expect(item.check(wrongPage)).toMatch(/page/);
    const noAvatar = structuredClone(right);
    noAvatar.data.posts.nodes[0].author.avatar = null as never;
    expect(item.check(noAvatar)).toMatch(/avatar/);
    const noMedia = structuredClone(right);
    noMedia.data.posts.nodes[1].media = [];
    expect(item.check(noMedia)).toMatch(/media/);
    expect(item.check({ ...right, errors: [{ message: 'partial' }] })).toMatch(/errors/);
    expect(item.check({ data: null })).toMatch(/no data/);
  });

  it("check the deep query down to the owner's posts' covers", () => {
    const [item] = deepWorkload(expect_, order, { length: 1, cursorCount: 30 });
    const { n } = JSON.parse(item.body).variables;
    const page = pageAnswer(item.body);
    const deep = {
      data: {
        posts: {
          nodes: page.data.posts.nodes.map((node) => {
            const post = plan.posts.find((p) => p.id === node.id)!;
            const theirs = order.ids.filter((id) => plan.posts.find((p) => p.id === id)!.authorId === post.authorId).slice(0, n);
            const owner = { handle: user(post.authorId).handle, posts: { nodes: theirs.map((id) => ({ id, title: '', coverImage: { id: 'c', url: '/c.jpg', owner: author(post.authorId) } })) } };
            return { id: node.id, title: node.title, author: node.author, media: node.media.map((m) => ({ id: m.id, url: m.url, owner })) };
          }),
        },
      },
    };
    expect(item.check(deep)).toBeNull();
    const shortList = structuredClone(deep);
    shortList.data.posts.nodes[0].media[0].owner.posts.nodes.pop();
    expect(item.check(shortList)).toMatch(/owner's posts/);
    const noCoverOwner = structuredClone(deep);
    noCoverOwner.data.posts.nodes[0].media[0].owner.posts.nodes[0].coverImage.owner = null as never;
    expect(item.check(noCoverOwner)).toMatch(/cover owner/);
  });

  it('check a post detail against the post asked for', () => {
    const [item, other] = detailWorkload(expect_, order, { length: 2, idCount: 20 });
    const id = JSON.parse(item.body).variables.id;
    const answer = { data: { post: { ...postAnswer(id), bodyHtml: '<p>x</p>', publishedAt: '2026-01-01T00:00:00Z' } } };
    expect(item.check(answer)).toBeNull();
    expect(other.check(answer)).toMatch(/missing/);
    expect(item.check({ data: { post: { ...answer.data.post, author: null } } })).toMatch(/user/);
  });
});
