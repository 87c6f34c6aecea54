import { requireService } from '../../../lib/identity/authz';
import { requireId } from '../../../lib/graphql/errors';
import { afterCursor, NEWEST_FIRST, readPage, toConnection } from '../../../lib/graphql/pagination';
import { readRevocations } from '../auth/revocations';
import type { QueryResolvers } from '../generated/resolvers-types';
import * as valid from '../validation';

export const Query: QueryResolvers = {
  me: (_, __, { caller, loaders }) => (caller.viewer ? loaders.user.load(caller.viewer.id) : null),
  user: (_, { id }, { loaders }) => loaders.user.load(requireId('id', id)),
  userByHandle: (_, { handle }, { db }) => {
    const normalised = valid.normaliseHandle(handle);
    return normalised ? db.user.findUnique({ where: { handle: normalised } }) : null;
  },
  users: async (_, args, { db }) => {
    const page = readPage(args, 'users');
    const rows = await db.user.findMany({ where: afterCursor(page.after), orderBy: NEWEST_FIRST, take: page.first + 1 });
    return toConnection(rows, page.first, 'users');
  },
  sessionRevocations: async (_, { after, since, first }, { db, caller }) => {
    // Only the BFFs themselves follow the feed: it is hidden from every client's API, and this stops other services.
    requireService(caller, ['bff-web', 'bff-mobile'], 'follow session revocations');
    const page = valid.revocationsPage(after, first);
    const rows = await readRevocations(db, page.after, since ?? undefined, page.first);
    return rows.map((row) => ({ ...row, position: String(row.position) }));
  },
};
