import { forbidden, isOwnerOrAdmin } from '../../../lib/identity/authz';
import { referenceId } from '../../../lib/graphql/errors';
import { readPage, toConnection } from '../../../lib/graphql/pagination';
import type { UserResolvers } from '../generated/resolvers-types';

/** The posts subgraph contributes `User.posts`; users resolves the rest. */
export const User: UserResolvers = {
  posts: async (user, args, { loaders, caller }) => {
    const authorId = referenceId(user.id);
    if (!authorId) return null;
    if (args.status === 'DRAFT' && !isOwnerOrAdmin(caller, authorId)) {
      throw forbidden('Only the user themself or an admin can list their drafts');
    }
    const page = readPage(args, 'posts');
    const rows = await loaders.postsOfAuthor.load({ authorId, status: args.status ?? 'PUBLISHED', page });
    return toConnection(rows, page.first, 'posts');
  },
};
