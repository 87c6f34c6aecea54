import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { badInput } from '../../../lib/graphql/errors';

/**
 * Passwords are hashed with scrypt (memory-hard), a 16-byte random salt each, stored as
 * `scrypt$N$r$p$salt$hash`, and compared in constant time.
 */
const PARAMS = { N: 2 ** 15, r: 8, p: 1 };
const KEY_LENGTH = 32;

function derive(password: string, salt: Buffer, { N, r, p }: typeof PARAMS): Promise<Buffer> {
  const options: ScryptOptions = { N, r, p, maxmem: 256 * N * r };
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

/** Runs a hash now or when its turn comes (subgraphs/users/auth/sign-in-limits.ts bounds how many run at once). */
export type Schedule = <T>(task: () => Promise<T>) => Promise<T>;
const now: Schedule = (task) => task();

export async function hashPassword(password: string, schedule: Schedule = now): Promise<string> {
  const salt = randomBytes(16);
  const hash = await schedule(() => derive(password, salt, PARAMS));
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** A hash of nothing anyone knows: verified against when there is no user, so both paths cost the same. */
const DECOY = hashPassword(randomBytes(16).toString('hex'));

/** True when `password` matches `stored`; takes as long when `stored` is null (unknown user). */
export async function verifyPassword(password: string, stored: string | null, schedule: Schedule = now): Promise<boolean> {
  const [scheme, N, r, p, salt, hash] = (stored ?? (await DECOY)).split('$');
  if (scheme !== 'scrypt') return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await schedule(() => derive(password, Buffer.from(salt, 'base64'), { N: Number(N), r: Number(r), p: Number(p) }));
  return timingSafeEqual(actual, expected) && stored !== null;
}

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;

/** The password policy: long enough to resist guessing, not so long that hashing it is a burden. */
export function checkPassword(field: string, password: string): string {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw badInput(field, `must be ${MIN_PASSWORD_LENGTH}–${MAX_PASSWORD_LENGTH} characters`);
  }
  if (password.trim().length === 0 || new Set(password).size < 4) throw badInput(field, 'must not be blank or repeat one or two characters');
  return password;
}
