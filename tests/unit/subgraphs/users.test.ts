import { decodeJwt } from 'jose';
import type { Viewer } from '../../../lib/identity/assertion';
import { SESSION_HEADER, SESSION_REFRESH_HEADER } from '../../../lib/identity/session-handshake';
import { loadUsersConfig } from '../../../subgraphs/users/config';
import { createUsersSubgraph } from '../../../subgraphs/users/subgraph';
import { codes, gatewayKey, inProcessSubgraph, type InProcessSubgraph } from '../../support/in-process';
import { createTestDatabases, type TestDatabases } from '../../support/test-databases';

/** The users subgraph in process: sign-up's checks, who may change a role, what a User reveals to whom. */

let databases: TestDatabases;
let users: InProcessSubgraph;

const SIGN_UP = `mutation SignUp($input: SignUpInput!) { signUp(input: $input) { expiresAt user { id handle email role } } }`;
const PASSWORD = 'correct horse battery';

interface Account extends Viewer {
  handle: string;
  email: string;
}

async function signUp(handle: string): Promise<Account> {
  const email = `${handle}@example.com`;
  const result = await users.run(null, SIGN_UP, { input: { email, password: PASSWORD, handle, displayName: handle.toUpperCase() } });
  expect(result.errors).toBeUndefined();
  return { ...result.data.signUp.user, handle, email };
}

let ada: Account;
let grace: Account;
let admin: Account;

const savedEnv = { ...process.env };

beforeAll(async () => {
  // Sign-ups hash in the paced lane (2 a second by default); sign-in-limits.e2e tests the pacing, this suite need not wait for it.
  process.env.PASSWORD_HASH_OTHER_PER_SECOND = '100';
  databases = await createTestDatabases(['users']);
  users = await inProcessSubgraph('users', createUsersSubgraph, loadUsersConfig, await gatewayKey(), databases);
  ada = await signUp('ada');
  grace = await signUp('grace');
  admin = await signUp('root');
  await users.sql(`UPDATE users SET role = 'ADMIN' WHERE id = $1`, [admin.id]);
  admin.role = 'ADMIN';
});

afterAll(async () => {
  await users?.stop();
  await databases?.drop();
  process.env = savedEnv;
});

const count = async () => Number((await users.sql('SELECT count(*) AS n FROM users'))[0].n);

describe('signUp', () => {
  it('signs the new account in: an AUTHOR, its email visible to itself, tokens only in response headers', async () => {
    const before = await count();
    const result = await users.run(null, SIGN_UP, { input: { email: ' Edsger@Example.com ', password: PASSWORD, handle: 'Edsger', displayName: 'E. W. D.' } });
    expect(result.errors).toBeUndefined();
    const { user, expiresAt } = result.data.signUp;
    expect(user).toEqual({ id: expect.any(String), handle: 'edsger', email: 'edsger@example.com', role: 'AUTHOR' });
    const token = result.headers.get(SESSION_HEADER)!;
    expect(decodeJwt(token)).toMatchObject({ sub: user.id, role: 'AUTHOR', exp: Date.parse(expiresAt) / 1000 });
    expect(result.headers.get(SESSION_REFRESH_HEADER)).toMatch(/\S{32,}/);
    expect(JSON.stringify(result.data)).not.toContain(token);
    expect(await count()).toBe(before + 1);
  });

  it.each([
    ['input.email', { email: 'not-an-address' }],
    ['input.handle', { handle: 'no spaces allowed' }],
    ['input.handle', { handle: 'ab' }],
    ['input.displayName', { displayName: '   ' }],
    ['input.displayName', { displayName: 'x'.repeat(81) }],
    ['input.password', { password: 'short' }],
    // Taken by `ada` (beforeAll), as stored once normalised.
    ['input.email', { email: ' ADA@Example.com' }],
    ['input.handle', { handle: 'ADA' }],
  ] as const)('refuses %s (%j) with BAD_USER_INPUT naming it, and stores nothing', async (field, change) => {
    const before = await count();
    const input = { email: 'new@example.com', password: PASSWORD, handle: 'newcomer', displayName: 'New', ...change };
    const result = await users.run(null, SIGN_UP, { input });
    expect(codes(result)).toEqual(['BAD_USER_INPUT']);
    expect(result.errors![0].extensions!.field).toBe(field);
    expect(result.data).toBeNull();
    expect(result.headers.has(SESSION_HEADER)).toBe(false);
    expect(await count()).toBe(before);
  });
});

describe('roles', () => {
  const UPDATE = `mutation Update($id: ID!, $input: UpdateUserInput!) { updateUser(id: $id, input: $input) { id role displayName } }`;
  const roleOf = async (id: string) => (await users.sql('SELECT role::text AS role FROM users WHERE id = $1', [id]))[0].role;

  it('a reader cannot make themself an admin; nothing changes and nothing is revoked', async () => {
    const reader = await signUp('reader');
    await users.sql(`UPDATE users SET role = 'READER' WHERE id = $1`, [reader.id]);
    const result = await users.run({ id: reader.id, role: 'READER' }, UPDATE, { id: reader.id, input: { role: 'ADMIN' } });
    expect(codes(result)).toEqual(['FORBIDDEN']);
    expect(await roleOf(reader.id)).toBe('READER');
    expect(await users.sql('SELECT * FROM session_revocations WHERE user_id = $1', [reader.id])).toEqual([]);
  });

  it('an author may change their own name but not their role, nor another account at all', async () => {
    const viewer = { id: ada.id, role: ada.role };
    expect(codes(await users.run(viewer, UPDATE, { id: ada.id, input: { role: 'ADMIN' } }))).toEqual(['FORBIDDEN']);
    expect(codes(await users.run(viewer, UPDATE, { id: grace.id, input: { displayName: 'Not Grace' } }))).toEqual(['FORBIDDEN']);
    expect(codes(await users.run(null, UPDATE, { id: ada.id, input: { displayName: 'Anyone' } }))).toEqual(['UNAUTHENTICATED']);
    const own = await users.run(viewer, UPDATE, { id: ada.id, input: { displayName: 'Ada L.' } });
    expect(own.errors).toBeUndefined();
    expect(own.data.updateUser).toEqual({ id: ada.id, role: 'AUTHOR', displayName: 'Ada L.' });
    expect(await roleOf(ada.id)).toBe('AUTHOR');
  });

  it("an admin changes a role, which revokes that user's tokens in the same transaction", async () => {
    const target = await signUp('promoted');
    const result = await users.run({ id: admin.id, role: 'ADMIN' }, UPDATE, { id: target.id, input: { role: 'READER' } });
    expect(result.errors).toBeUndefined();
    expect(result.data.updateUser.role).toBe('READER');
    expect(await roleOf(target.id)).toBe('READER');
    const revocations = await users.sql('SELECT reason::text AS reason FROM session_revocations WHERE user_id = $1', [target.id]);
    expect(revocations).toEqual([{ reason: 'ROLE_CHANGED' }]);
  });
});

describe('User entities', () => {
  const ENTITIES = `query Users($r: [_Any!]!) { _entities(representations: $r) { ... on User { id handle displayName role email } } }`;

  it('resolve public fields for anyone; email only for the user themself and admins', async () => {
    const representations = [ada, grace].map(({ id }) => ({ __typename: 'User', id }));
    const pub = (a: Account, email: string | null) => ({ id: a.id, handle: a.handle, displayName: expect.any(String), role: a.role, email });
    const as = async (viewer: Viewer | null) => {
      const result = await users.run(viewer, ENTITIES, { r: representations });
      expect(result.errors).toBeUndefined();
      return result.data._entities;
    };
    expect(await as(null)).toEqual([pub(ada, null), pub(grace, null)]);
    expect(await as({ id: grace.id, role: 'AUTHOR' })).toEqual([pub(ada, null), pub(grace, grace.email)]);
    expect(await as({ id: admin.id, role: 'ADMIN' })).toEqual([pub(ada, ada.email), pub(grace, grace.email)]);
  });

  it('an unknown id is null; a malformed representation is BAD_USER_INPUT naming it', async () => {
    const unknown = await users.run(null, ENTITIES, { r: [{ __typename: 'User', id: '00000000-0000-4000-8000-000000000000' }, { __typename: 'User', id: 'nope' }] });
    expect(unknown.errors).toBeUndefined();
    expect(unknown.data._entities).toEqual([null, null]);
    const malformed = await users.run(null, ENTITIES, { r: [{ __typename: 'User', id: ada.id }, { __typename: 'User', id: 42 }] });
    expect(codes(malformed)).toEqual(['BAD_USER_INPUT']);
    expect(malformed.errors![0].extensions!.field).toBe('representations.1.id');
  });
});

describe('signIn and the gateway assertion', () => {
  const SIGN_IN = `mutation SignIn($email: String!, $password: String!) { signIn(email: $email, password: $password) { user { id email } } }`;

  it('a wrong password and an unknown email get the same answer; the right one signs in', async () => {
    const wrong = await users.run(null, SIGN_IN, { email: grace.email, password: 'not the password' });
    const unknown = await users.run(null, SIGN_IN, { email: 'nobody@example.com', password: 'not the password' });
    expect(codes(wrong)).toEqual(['UNAUTHENTICATED']);
    expect(unknown.errors).toEqual(wrong.errors);
    expect(wrong.headers.has(SESSION_HEADER)).toBe(false);
    const right = await users.run(null, SIGN_IN, { email: grace.email, password: PASSWORD });
    expect(right.errors).toBeUndefined();
    expect(right.data.signIn.user).toEqual({ id: grace.id, email: grace.email });
    expect(decodeJwt(right.headers.get(SESSION_HEADER)!).sub).toBe(grace.id);
  });

  it('nothing runs without a valid assertion', async () => {
    await expect(users.run(undefined, '{ me { id } }')).rejects.toThrow('missing gateway assertion');
    const other = await gatewayKey();
    await expect(users.service.executeOperation({ query: '{ me { id } }' }, await other.sign('users', null))).rejects.toThrow();
  });
});
