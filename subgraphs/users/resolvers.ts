import type { GraphQLResolverMap } from '@apollo/subgraph/dist/schema-helper';
import { badInput, isId, notFound, requireId } from '../../lib/errors';
import { afterCursor, NEWEST_FIRST, readPage, toConnection, type PageArgs } from '../../lib/pagination';
import { isRecordNotFound, uniqueViolation } from '../../lib/prisma-errors';
import { DateTime } from '../../lib/scalars';
import type { UsersContext } from './subgraph';
import { userFields, type UserFields } from './validation';

/** Turns a unique-constraint violation into a field-level BAD_USER_INPUT. */
function explainConflict(error: unknown): never {
  const columns = uniqueViolation(error);
  if (columns) {
    const field = columns.find((c) => c === 'handle' || c === 'email') ?? 'handle';
    throw badInput(`input.${field}`, `is already taken`);
  }
  throw error;
}

export const resolvers: GraphQLResolverMap<UsersContext> = {
  DateTime,
  Query: {
    user: (_, { id }: { id: string }, { loaders }) => loaders.user.load(requireId('id', id)),
    userByHandle: (_, { handle }: { handle: string }, { db }) =>
      db.user.findUnique({ where: { handle: handle.trim().toLowerCase() } }),
    users: async (_, args: PageArgs, { db }) => {
      const page = readPage(args);
      const rows = await db.user.findMany({ where: afterCursor(page.after), orderBy: NEWEST_FIRST, take: page.first + 1 });
      return toConnection(rows, page.first);
    },
  },
  Mutation: {
    createUser: async (_, { input }: { input: Required<UserFields> }, { db }) => {
      const data = userFields(input);
      return db.user
        .create({ data: { handle: data.handle!, displayName: data.displayName!, email: data.email!, role: data.role ?? 'READER' } })
        .catch(explainConflict);
    },
    updateUser: async (_, { id, input }: { id: string; input: UserFields }, { db }) => {
      const userId = requireId('id', id);
      const data = userFields(input);
      return db.user.update({ where: { id: userId }, data }).catch((error) => {
        if (isRecordNotFound(error)) throw notFound('User', userId);
        return explainConflict(error);
      });
    },
    deleteUser: async (_, { id }: { id: string }, { db }) => {
      const userId = requireId('id', id);
      const { count } = await db.user.deleteMany({ where: { id: userId } });
      if (count === 0) throw notFound('User', userId);
      return userId;
    },
  },
  User: {
    // A reference with a malformed id (from another subgraph's data) resolves to null, not an error.
    __resolveReference: (ref: { id: string }, { loaders }: UsersContext) => (isId(ref.id) ? loaders.user.load(ref.id.toLowerCase()) : null),
  },
};
