import { badInput, feedPage, text } from '../../lib/graphql/errors';
import type { UpdateUserInput } from './generated/resolvers-types';

/** Input checks of the users subgraph; each returns the normalised value or throws BAD_USER_INPUT. */

const HANDLE = /^[a-z0-9_]{3,30}$/;
// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is proven by mail, not regex.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A handle as stored, or null when `value` cannot be one (so a lookup need not ask the database). */
export function normaliseHandle(value: string): string | null {
  const normalised = value.trim().toLowerCase();
  return HANDLE.test(normalised) ? normalised : null;
}

export function handle(field: string, value: string): string {
  const normalised = value.trim().toLowerCase();
  if (!HANDLE.test(normalised)) throw badInput(field, 'must be 3–30 characters of a–z, 0–9 and _');
  return normalised;
}

export function displayName(field: string, value: string): string {
  return text(field, value, { min: 1, max: 80 });
}

export function email(field: string, value: string): string {
  const normalised = text(field, value, { max: 254 }).toLowerCase();
  if (!EMAIL.test(normalised)) throw badInput(field, 'must be an email address such as ada@example.com');
  return normalised;
}

/** Validates the fields present in `input` (null means "not given"). */
export function userFields(input: Partial<UpdateUserInput>) {
  return {
    ...(input.handle != null && { handle: handle('input.handle', input.handle) }),
    ...(input.displayName != null && { displayName: displayName('input.displayName', input.displayName) }),
    ...(input.email != null && { email: email('input.email', input.email) }),
    ...(input.role != null && { role: input.role }),
  };
}

/** Where a BFF is in the revocation feed, and how many revocations (at most 1000) it reads. */
export function revocationsPage(after: string, first: number) {
  return feedPage(after, first, 1000);
}
