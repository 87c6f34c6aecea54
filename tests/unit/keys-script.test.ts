import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parsePublicKeys, signingKeyFrom } from '../../lib/identity/keys';
import { generateKeys } from '../support/deployment';

describe('npm run keys', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'keys-test-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("writes keys that go together, readable by its owner only, and never replaces a file's keys", async () => {
    const file = path.join(dir, 'secrets.env');
    const keys = generateKeys(file);
    expect(Object.keys(keys).sort()).toEqual([
      'AUTH_SIGNING_KEY', 'CURSOR_SECRET', 'GATEWAY_PUBLIC_KEYS', 'GATEWAY_SIGNING_KEY',
      'MEDIA_NATS_PASSWORD', 'MEDIA_PUBLIC_KEYS', 'MEDIA_SIGNING_KEY', 'POSTS_NATS_PASSWORD', 'POSTS_PUBLIC_KEYS', 'POSTS_SIGNING_KEY',
      'USERS_NATS_PASSWORD',
    ]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    // The subgraphs verify with the public half of the key the BFFs sign with; users signs with another.
    const gateway = await signingKeyFrom(keys.GATEWAY_SIGNING_KEY, 'GATEWAY_SIGNING_KEY');
    const users = await signingKeyFrom(keys.AUTH_SIGNING_KEY, 'AUTH_SIGNING_KEY');
    expect(parsePublicKeys(keys.GATEWAY_PUBLIC_KEYS, 'GATEWAY_PUBLIC_KEYS')).toEqual([gateway.publicJwk]);
    expect(users.kid).not.toBe(gateway.kid);
    // Each service's own key, published to the subgraphs it calls; none is another's.
    const media = await signingKeyFrom(keys.MEDIA_SIGNING_KEY, 'MEDIA_SIGNING_KEY');
    const posts = await signingKeyFrom(keys.POSTS_SIGNING_KEY, 'POSTS_SIGNING_KEY');
    expect(parsePublicKeys(keys.MEDIA_PUBLIC_KEYS, 'MEDIA_PUBLIC_KEYS')).toEqual([media.publicJwk]);
    expect(parsePublicKeys(keys.POSTS_PUBLIC_KEYS, 'POSTS_PUBLIC_KEYS')).toEqual([posts.publicJwk]);
    expect(new Set([gateway.kid, users.kid, media.kid, posts.kid]).size).toBe(4);
    expect(keys.CURSOR_SECRET.length).toBeGreaterThanOrEqual(32);
    // Each subgraph's NATS password: letters only (unencoded in NATS_URL, a string to nats-server), none another's.
    const nats = [keys.USERS_NATS_PASSWORD, keys.POSTS_NATS_PASSWORD, keys.MEDIA_NATS_PASSWORD];
    for (const password of nats) expect(password).toMatch(/^[A-Za-z]{40}$/);
    expect(new Set(nats).size).toBe(3);

    const before = readFileSync(file, 'utf8');
    expect(() => generateKeys(file)).toThrow(/exists: keys are not replaced by a re-run/);
    expect(readFileSync(file, 'utf8')).toBe(before);
  });
});
