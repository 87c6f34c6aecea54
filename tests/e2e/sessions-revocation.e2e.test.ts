import { randomUUID } from 'node:crypto';
import { subgraphUrlVariable } from '../../lib/config/subgraph-urls';
import { gatewayKeyEnv } from '../../lib/identity/keys';
import { startService, waitUntilReady } from '../../tooling/processes';
import { graphql, startStack, type Stack } from '../support/stack';
import { signUp, WebSession } from '../support/web';

/**
 * An access token stops working everywhere within 5 s of its account being deleted, its role
 * changed or its sign-in ended (issue 12, class 3), on both BFFs, and users refuses a deleted
 * viewer's writes itself.
 */
let stack: Stack;
let admin: WebSession;
const PASSWORD = 'correct horse battery';
/** The promise: refused within this long after the change was acknowledged. */
const WITHIN_MS = 5_000;

beforeAll(async () => {
  stack = await startStack({ bffEnv: { REVOCATIONS_POLL_MS: '1000' } });
  // The first admin is made by an operator: a call to users with an admin assertion.
  const made = await signUp(stack.web, 'revocation_admin');
  await stack.subgraph('users', `mutation($id: ID!) { updateUser(id: $id, input: { role: ADMIN }) { role } }`, { id: made.user.id }, { id: randomUUID(), role: 'ADMIN' });
  admin = new WebSession(stack.web);
  const signedIn = await admin.gql(`mutation { signIn(email: "revocation_admin@example.com", password: "${PASSWORD}") { user { role } } }`);
  expect(signedIn.body.data.signIn.user.role).toBe('ADMIN');
});
afterAll(() => stack?.stop());

let counter = 0;
/** A new account signed in on bff-mobile: its bearer and refresh tokens. */
async function mobileAccount() {
  const handle = `revoked_${++counter}`;
  const { body } = await graphql(
    stack.mobile,
    `mutation($e: String!, $p: String!, $h: String!) { signUp(email: $e, password: $p, handle: $h, displayName: $h) { accessToken refreshToken user { id } } }`,
    { e: `${handle}@example.com`, p: PASSWORD, h: handle },
  );
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return { email: `${handle}@example.com`, id: body.data.signUp.user.id as string, access: body.data.signUp.accessToken as string, refresh: body.data.signUp.refreshToken as string };
}

async function mobileSignIn(email: string) {
  const { body } = await graphql(stack.mobile, `mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { accessToken refreshToken } }`, { e: email, p: PASSWORD });
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return { access: body.data.signIn.accessToken as string, refresh: body.data.signIn.refreshToken as string };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const mobileMe = (token: string) => graphql(stack.mobile, `{ me { handle } }`, undefined, bearer(token));
const mobileCreate = (token: string, title: string) => graphql(stack.mobile, `mutation($t: String!) { createPost(title: $t, body: "x") { id } }`, { t: title }, bearer(token));
/** bff-web with only an access cookie (a copied `fg_session`, no refresh cookie to fall back on). */
const webWithAccess = (cookie: string, query: string) => graphql(stack.web, query, undefined, { origin: 'http://app.test', cookie });

/**
 * Polls `refused` (a read: polling with writes would write until the refusal) every 100 ms until
 * it is true; resolves with the time since `started` (the change's acknowledgement), or fails
 * once WITHIN_MS have passed. Each BFF follows the revocations on its own, so each is polled.
 */
async function refusedWithin(refused: () => Promise<boolean>, started = Date.now()): Promise<number> {
  for (;;) {
    if (await refused()) return Date.now() - started;
    if (Date.now() - started > WITHIN_MS) throw new Error(`still accepted ${WITHIN_MS} ms after the change`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Every published post's title, through the API. */
async function publishedTitles(): Promise<string[]> {
  const { body } = await graphql(stack.web, `{ posts(first: 100) { nodes { title author { id } } } }`);
  return body.data.posts.nodes.map((post: { title: string }) => post.title);
}

describe('deleting an account', () => {
  it('revokes its access tokens on both BFFs within 5 s, and its refresh token at once', async () => {
    const account = await mobileAccount();
    const web = new WebSession(stack.web);
    await web.gql(`mutation { signIn(email: "${account.email}", password: "${PASSWORD}") { expiresAt } }`);
    const accessCookie = `fg_session=${web.cookies.get('fg_session')}`;
    expect((await mobileCreate(account.access, 'before deletion')).body.errors).toBeUndefined();

    const deleted = await web.gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: account.id });
    expect(deleted.body).toEqual({ data: { deleteUser: account.id } });
    const acknowledged = Date.now();

    const took = await Promise.all([
      refusedWithin(async () => (await mobileMe(account.access)).status === 401, acknowledged),
      refusedWithin(async () => (await webWithAccess(accessCookie, `{ me { id } }`)).status === 401, acknowledged),
    ]);
    expect(Math.max(...took)).toBeLessThan(WITHIN_MS);
    console.log(`deletion: token refused after ${took[0]} ms on bff-mobile, ${took[1]} ms on bff-web`);
    const write = await mobileCreate(account.access, 'after deletion (mobile)');
    expect(write.status).toBe(401);
    expect(write.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');

    // bff-web: the copied access cookie is refused, and the browser's session ends for good.
    const copied = await webWithAccess(accessCookie, `mutation { createPost(input: { title: "after deletion (web)", body: "x", status: PUBLISHED }) { id } }`);
    expect(copied.status).toBe(401);
    expect(copied.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    const browser = await web.gql(`{ me { id } }`);
    expect(browser.status).toBe(401);
    expect(web.cookies.size).toBe(0);

    // Nothing was written with author: null.
    const titles = await publishedTitles();
    expect(titles).toContain('before deletion');
    expect(titles.filter((title) => title.startsWith('after deletion'))).toEqual([]);
    const { body } = await graphql(stack.web, `{ posts(first: 100) { nodes { author { id } } } }`);
    expect(body.data.posts.nodes.filter((post: { author: unknown }) => post.author === null)).toEqual([]);

    // The refresh token died with the account.
    const refreshed = await graphql(stack.mobile, `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: account.refresh });
    expect(refreshed.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
  });

  it('makes users itself refuse the deleted viewer’s writes (as a token not yet revoked at a BFF would)', async () => {
    const victim = await mobileAccount();
    const deletedAdmin = await mobileAccount();
    await admin.gql(`mutation($id: ID!) { updateUser(id: $id, input: { role: ADMIN }) { role } }`, { id: deletedAdmin.id });
    await admin.gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: deletedAdmin.id });
    const asDeleted = { id: deletedAdmin.id, role: 'ADMIN' as const };
    const update = await stack.subgraph('users', `mutation($id: ID!) { updateUser(id: $id, input: { displayName: "hijacked" }) { id } }`, { id: victim.id }, asDeleted);
    expect(update.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    const remove = await stack.subgraph('users', `mutation($id: ID!) { deleteUser(id: $id) }`, { id: victim.id }, asDeleted);
    expect(remove.body.errors![0].extensions!.code).toBe('UNAUTHENTICATED');
    expect((await mobileMe(victim.access)).body.data.me.handle).toMatch(/^revoked_/);
  });
});

describe('changing a role', () => {
  it('refuses the old role’s token within 5 s; mobile refreshes into the new role, bff-web does it transparently', async () => {
    const account = await mobileAccount();
    const web = new WebSession(stack.web);
    await web.gql(`mutation { signIn(email: "${account.email}", password: "${PASSWORD}") { expiresAt } }`);
    const accessCookie = `fg_session=${web.cookies.get('fg_session')}`;

    const changed = await admin.gql(`mutation($id: ID!) { updateUser(id: $id, input: { role: READER }) { role } }`, { id: account.id });
    expect(changed.body.data.updateUser.role).toBe('READER');
    const acknowledged = Date.now();

    await Promise.all([
      refusedWithin(async () => (await mobileMe(account.access)).status === 401, acknowledged),
      refusedWithin(async () => (await webWithAccess(accessCookie, `{ me { role } }`)).status === 401, acknowledged),
    ]);
    const write = await mobileCreate(account.access, 'as a former author');
    expect(write.status).toBe(401);
    expect(await publishedTitles()).not.toContain('as a former author');

    // The app refreshes (sending the refused token, as an app does) and gets the new role.
    const refreshed = await graphql(stack.mobile, `mutation($t: String!) { refreshSession(refreshToken: $t) { accessToken } }`, { t: account.refresh }, bearer(account.access));
    expect(refreshed.body.errors).toBeUndefined();
    const newToken = refreshed.body.data.refreshSession.accessToken as string;
    expect((await mobileMe(newToken)).status).toBe(200);
    expect((await mobileCreate(newToken, 'as a reader')).body.errors![0].extensions!.code).toBe('FORBIDDEN');

    // bff-web: the browser's next request renews its session with the refresh cookie and goes on as a READER.
    const me = await web.gql(`{ me { role } }`);
    expect(me.status).toBe(200);
    expect(me.body.data.me.role).toBe('READER');
    expect(web.cookies.get('fg_session')).not.toBe(accessCookie.slice('fg_session='.length));
    expect((await web.gql(`mutation { createPost(input: { title: "web reader", body: "x" }) { id } }`)).body.errors![0].extensions!.code).toBe('FORBIDDEN');
    // A copy of the old access cookie alone is refused.
    expect((await webWithAccess(accessCookie, `{ me { role } }`)).status).toBe(401);
  });

  it('leaves the tokens alone when an update does not change the role', async () => {
    const account = await mobileAccount();
    await admin.gql(`mutation($id: ID!) { updateUser(id: $id, input: { role: AUTHOR, displayName: "Same Role" }) { role } }`, { id: account.id });
    // A role change made after this one is seen within 5 s (the test above); give the feed that long here.
    const marker = await mobileAccount();
    await admin.gql(`mutation($id: ID!) { updateUser(id: $id, input: { role: READER }) { role } }`, { id: marker.id });
    await refusedWithin(async () => (await mobileMe(marker.access)).status === 401);
    expect((await mobileCreate(account.access, 'same role')).body.errors).toBeUndefined();
  });
});

describe('signing out', () => {
  it('revokes that sign-in’s access token within 5 s on mobile; the account’s other sign-ins go on', async () => {
    const account = await mobileAccount();
    const other = await mobileSignIn(account.email);
    const signedOut = await graphql(stack.mobile, `mutation($t: String!) { signOut(refreshToken: $t) }`, { t: account.refresh }, bearer(account.access));
    expect(signedOut.body).toEqual({ data: { signOut: true } });

    await refusedWithin(async () => (await mobileMe(account.access)).status === 401);
    expect((await mobileCreate(account.access, 'after sign-out')).status).toBe(401);
    expect((await mobileMe(other.access)).status).toBe(200);
    expect((await mobileCreate(other.access, 'other sign-in')).body.errors).toBeUndefined();
  });

  it('revokes the web session’s access cookie within 5 s, even where a copy of it survives', async () => {
    const account = await mobileAccount();
    const web = new WebSession(stack.web);
    await web.gql(`mutation { signIn(email: "${account.email}", password: "${PASSWORD}") { expiresAt } }`);
    const accessCookie = `fg_session=${web.cookies.get('fg_session')}`;
    expect((await webWithAccess(accessCookie, `{ me { id } }`)).body.data.me.id).toBe(account.id);

    expect((await web.gql(`mutation { signOut }`)).body).toEqual({ data: { signOut: true } });
    expect(web.cookies.size).toBe(0);
    await refusedWithin(async () => (await webWithAccess(accessCookie, `{ me { id } }`)).status === 401);
    expect((await webWithAccess(accessCookie, `mutation { createPost(input: { title: "after web sign-out", body: "x" }) { id } }`)).status).toBe(401);
    // The account's mobile sign-in is another session: it goes on.
    expect((await mobileMe(account.access)).status).toBe(200);
  });
});

describe('a BFF that starts after the change', () => {
  it('reads the revocations of the last access-token lifetime before it is ready', async () => {
    const account = await mobileAccount();
    const signedIn = await mobileSignIn(account.email);
    await graphql(stack.mobile, `mutation($t: String!) { signOut(refreshToken: $t) }`, { t: signedIn.refresh });
    await admin.gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: (await mobileAccount()).id });
    const deleted = await mobileAccount();
    await admin.gql(`mutation($id: ID!) { deleteUser(id: $id) }`, { id: deleted.id });

    const fresh = await startService('bff-mobile', {
      env: {
        ...gatewayKeyEnv(stack.gatewayKey).bff,
        ...Object.fromEntries(Object.values(stack.subgraphs).map((s) => [subgraphUrlVariable(s.name), `${s.origin}/graphql`])),
        BFF_MOBILE_PORT: '0',
        RESPONSE_CACHE: 'false',
        SUBGRAPH_TIMEOUT_MS: '5000',
      },
    });
    try {
      await waitUntilReady(fresh.origin);
      const me = (token: string) => graphql(fresh.origin, `{ me { handle } }`, undefined, bearer(token));
      // Its first answers already know: the deleted account and the signed-out sign-in are refused.
      expect((await me(deleted.access)).status).toBe(401);
      expect((await me(signedIn.access)).status).toBe(401);
      // The same account's other sign-in was not revoked.
      expect((await me(account.access)).body.data.me.handle).toMatch(/^revoked_/);
    } finally {
      await fresh.stop();
    }
  });
});
