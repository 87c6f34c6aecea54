import { GraphQLError } from 'graphql';
import { decodeCursor, encodeCursor, MAX_PAGE_SIZE, readPage, toConnection } from '../../lib/graphql/pagination';

const row = (n: number) => ({ id: `00000000-0000-0000-0000-00000000000${n}`, createdAt: new Date(Date.UTC(2026, 0, n)) });

function codeOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error instanceof GraphQLError ? { code: error.extensions.code, field: error.extensions.field } : error;
  }
  return 'no error';
}

describe('cursor pagination', () => {
  it('round-trips a cursor', () => {
    expect(decodeCursor(encodeCursor(row(3), 'posts'), 'posts')).toEqual(row(3));
  });

  it('seals the position: neither the id nor the time can be read from a cursor, and a changed byte is refused', () => {
    const cursor = encodeCursor(row(3), 'posts');
    const raw = Buffer.from(cursor, 'base64url');
    expect(raw.toString('latin1')).not.toContain(row(3).id);
    expect(raw.toString('latin1')).not.toContain('2026');
    expect(encodeCursor(row(3), 'posts')).not.toBe(cursor); // a fresh IV each time: equal positions are not recognisable
    for (const index of [0, 14, raw.length - 1]) {
      const tampered = Buffer.from(raw);
      tampered[index] ^= 1;
      expect(codeOf(() => decodeCursor(tampered.toString('base64url'), 'posts'))).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    }
  });

  it('binds a cursor to its list: one from users is refused by posts', () => {
    const cursor = encodeCursor(row(3), 'users');
    expect(decodeCursor(cursor, 'users')).toEqual(row(3));
    expect(codeOf(() => decodeCursor(cursor, 'posts'))).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
    expect(codeOf(() => decodeCursor(cursor, 'media'))).toEqual({ code: 'BAD_USER_INPUT', field: 'after' });
  });

  it.each(['garbage', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["not a date","x"]').toString('base64url'), ''])(
    'refuses a cursor it did not make (%p) with BAD_USER_INPUT on the field',
    (cursor) => expect(codeOf(() => decodeCursor(cursor, 'posts', 'posts.after'))).toEqual({ code: 'BAD_USER_INPUT', field: 'posts.after' }),
  );

  it.each([0, -1, MAX_PAGE_SIZE + 1, 2.5])('refuses first = %p', (first) => {
    expect(codeOf(() => readPage({ first }, 'posts'))).toEqual({ code: 'BAD_USER_INPUT', field: 'first' });
  });

  it('defaults to 20 and accepts the bounds', () => {
    expect(readPage({}, 'posts').first).toBe(20);
    expect(readPage({ first: 1 }, 'posts').first).toBe(1);
    expect(readPage({ first: MAX_PAGE_SIZE }, 'posts').first).toBe(MAX_PAGE_SIZE);
  });

  it('reads one extra row as "there is a next page" and drops it', () => {
    const connection = toConnection([row(3), row(2), row(1)], 2, 'posts');
    expect(connection.nodes).toEqual([row(3), row(2)]);
    expect(connection.pageInfo.hasNextPage).toBe(true);
    expect(decodeCursor(connection.pageInfo.endCursor!, 'posts')).toEqual(row(2));
    const last = toConnection([row(1)], 2, 'posts').pageInfo;
    expect(last.hasNextPage).toBe(false);
    expect(decodeCursor(last.endCursor!, 'posts')).toEqual(row(1));
    expect(toConnection([], 2, 'posts').pageInfo).toEqual({ hasNextPage: false, endCursor: null });
  });
});
