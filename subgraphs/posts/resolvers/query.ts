import { forbidden, isAdmin, requireViewer } from '../../../lib/identity/authz';
import { requireId } from '../../../lib/graphql/errors';
import { readPage, toConnection } from '../../../lib/graphql/pagination';
import type { QueryResolvers } from '../generated/resolvers-types';
import { visible } from '../visibility';

export const Query: QueryResolvers = {
  post: async (_, { id }, { loaders, caller }) => visible(await loaders.post.load(requireId('id', id)), caller),
  posts: async (_, args, { loaders, caller }) => {
    const page = readPage(args, 'posts');
    let authorId = args.authorId != null ? requireId('authorId', args.authorId) : undefined;
    if (args.status === 'DRAFT' && !isAdmin(caller)) {
      const viewer = requireViewer(caller, 'list drafts');
      if (authorId && authorId !== viewer.id) throw forbidden('Only the author or an admin can list these drafts');
      authorId = viewer.id;
    }
    const rows = await loaders.newestPosts({ status: args.status ?? 'PUBLISHED', authorId, after: page.after }, page.first + 1);
    return toConnection(rows, page.first, 'posts');
  },
};
