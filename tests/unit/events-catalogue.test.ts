import { randomUUID } from 'node:crypto';
import { InvalidEvent, validateEvent, validatePayload } from '../../lib/events/catalogue';

/** The catalogue is the contract between producers and consumers: what it refuses, neither side accepts. */
const event = (overrides: Record<string, unknown> = {}) => ({
  id: randomUUID(),
  producer: 'posts',
  aggregateId: randomUUID(),
  sequence: 1,
  type: 'PostDeleted',
  version: 1,
  occurredAt: new Date().toISOString(),
  payload: { postId: randomUUID(), authorId: randomUUID() },
  ...overrides,
});

it('accepts an event of the catalogue', () => {
  const valid = event();
  expect(validateEvent(valid)).toEqual(valid);
});

it.each([
  ['an unknown type', { type: 'PostLiked' }, /posts has no event PostLiked version 1/],
  ['an unknown version', { version: 2 }, /no event PostDeleted version 2/],
  ['a type of another producer', { producer: 'users' }, /users has no event PostDeleted/],
  ['a payload of the wrong shape', { payload: { postId: 'not-an-id', authorId: randomUUID() } }, /PostDeleted v1: postId/],
  ['a payload with a field too many', { payload: { postId: randomUUID(), authorId: randomUUID(), email: 'a@b.c' } }, /PostDeleted v1/],
  ['a sequence below 1', { sequence: 0 }, /not an event: sequence/],
  ['no id', { id: undefined }, /not an event: id/],
])('refuses %s, naming the field but never its value', (_what, overrides, message) => {
  const refused = (() => {
    try {
      validateEvent(event(overrides));
    } catch (error) {
      return error;
    }
  })();
  expect(refused).toBeInstanceOf(InvalidEvent);
  expect((refused as Error).message).toMatch(message);
  expect((refused as Error).message).not.toMatch(/not-an-id|a@b\.c/);
});

it('refuses a producer’s payload before it reaches the outbox', () => {
  expect(() => validatePayload('users', 'UserRoleChanged', 1, { userId: randomUUID(), role: 'OWNER', previousRole: 'READER' })).toThrow(InvalidEvent);
  expect(() => validatePayload('users', 'UserRoleChanged', 1, { userId: randomUUID(), role: 'ADMIN', previousRole: 'READER' })).not.toThrow();
});
