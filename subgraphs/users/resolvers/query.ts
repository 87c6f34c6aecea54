import { forbidden } from '../../../lib/identity/authz';
import type { Caller } from '../../../lib/identity/assertion';
import { badInput, requireId } from '../../../lib/graphql/errors';
import { afterCursor, NEWEST_FIRST, readPage, toConnection } from '../../../lib/graphql/pagination';
import { readRevocations } from '../auth/revocations';
import type { QueryResolvers } from '../generated/resolvers-types';
import * as valid from '../validation';

/** Only the BFFs themselves (an assertion they signed with no user in it) follow the revocation feed. */
function requireGateway(caller: Caller): void {
  // The field is hidden from every client's API; this stops other services.
  if (caller.viewer || (caller.client !== 'bff-web' && caller.client !== 'bff-mobile')) throw forbidden('Only the BFFs can follow session revocations');
}

export const Query: QueryResolvers = {
  me: (_, __, { caller, loaders }) => (caller.viewer ? loaders.user.load(caller.viewer.id) : null),
  user: (_, { id }, { loaders }) => loaders.user.load(requireId('id', id)),
  userByHandle: (_, { handle }, { db }) => {
    const normalised = valid.normaliseHandle(handle);
    return normalised ? db.user.findUnique({ where: { handle: normalised } }) : null;
  },
  users: async (_, args, { db }) => {
    const page = readPage(args);
    const rows = await db.user.findMany({ where: afterCursor(page.after), orderBy: NEWEST_FIRST, take: page.first + 1 });
    return toConnection(rows, page.first);
  },
  sessionRevocations: async (_, { after, since, first }, { db, caller }) => {
    requireGateway(caller);
    if (!/^\d{1,19}$/.test(after)) throw badInput('after', 'must be a position: a decimal number');
    if (first < 1 || first > 1000) throw badInput('first', 'must be between 1 and 1000');
    const rows = await readRevocations(db, BigInt(after), since ?? undefined, first);
    return rows.map((row) => ({ ...row, position: String(row.position) }));
  },
};
