import { GraphQLError } from 'graphql';
import { text } from '../../lib/graphql/errors';
import { decodeCursor, encodeCursor } from '../../lib/graphql/pagination';

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'accepted';
  } catch (error) {
    return error instanceof GraphQLError ? error.extensions.code : error;
  }
};

describe('text input', () => {
  it('counts characters as Postgres does: an emoji is one', () => {
    expect(text('f', '😀'.repeat(80), { max: 80 })).toHaveLength(160);
    expect(code(() => text('f', '😀'.repeat(81), { max: 80 }))).toBe('BAD_USER_INPUT');
  });

  it.each(['a\u0000b', 'a\u0007b', 'a\u007Fb', 'a\u0085b', 'a\u009Bb', 'a\uD800b'])('refuses control characters and lone surrogates (%j)', (value) => {
    expect(code(() => text('f', value, { max: 80 }))).toBe('BAD_USER_INPUT');
    expect(code(() => text('f', value, { max: 80, multiline: true }))).toBe('BAD_USER_INPUT');
  });

  it.each(['Grace\u202Eevil', 'a\u202Ab', 'a\u2066b\u2069', 'Gr\u200Bace', 'a\u2060b', 'a\uFEFFb'])(
    'refuses what reorders or hides characters, in any field (%j)',
    (value) => {
      expect(code(() => text('f', value, { max: 80 }))).toBe('BAD_USER_INPUT');
      expect(code(() => text('f', value, { max: 80, multiline: true }))).toBe('BAD_USER_INPUT');
    },
  );

  it.each(['👨\u200D👩\u200D👧', 'می\u200Cخواهم', 'abc\u200Fdef', 'Ada Lovelace'])('keeps joiners, marks and ordinary text (%j)', (value) => {
    expect(text('f', value, { max: 80 })).toBe(value);
  });

  it('keeps tabs and new lines only where asked (multiline), trims unless told not to', () => {
    expect(text('f', ' a\tb\r\nc ', { max: 80, multiline: true })).toBe('a\tb\r\nc');
    for (const value of ['a\tb', 'a\nb', 'a\r\nb', 'a\u2028b']) expect(code(() => text('f', value, { max: 80 }))).toBe('BAD_USER_INPUT');
    expect(text('f', ' a ', { max: 80, trim: false })).toBe(' a ');
    expect(code(() => text('f', '   ', { min: 1, max: 80 }))).toBe('BAD_USER_INPUT');
  });
});

describe('cursors made by someone else', () => {
  const forge = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  it.each([
    ['a non-UUID id', ['2026-01-01T00:00:00.000Z', 'x']],
    ['a year Postgres cannot store', ['-200000-01-01T00:00:00.000Z', '00000000-0000-4000-8000-000000000000']],
    ['a date in another format', ['Jan 1 2026', '00000000-0000-4000-8000-000000000000']],
  ])('refuses %s with BAD_USER_INPUT', (_, value) => {
    expect(code(() => decodeCursor(forge(value), 'posts'))).toBe('BAD_USER_INPUT');
  });

  it('accepts its own', () => {
    const row = { createdAt: new Date('2026-01-01T00:00:00.000Z'), id: '00000000-0000-4000-8000-000000000000' };
    expect(decodeCursor(encodeCursor(row, 'posts'), 'posts')).toEqual(row);
  });
});
