import { forbidden, isAdmin, requireService, requireViewer } from '../../../lib/identity/authz';
import { badInput, requireId } from '../../../lib/graphql/errors';
import { afterCursor, NEWEST_FIRST, readPage, toConnection } from '../../../lib/graphql/pagination';
import type { QueryResolvers } from '../generated/resolvers-types';
import { visible } from './visibility';

export const Query: QueryResolvers = {
  postEvents: async (_, { after, first }, { db, caller }) => {
    requireService(caller, 'media', 'follow post events');
    if (!/^\d{1,19}$/.test(after)) throw badInput('after', 'must be a position: a decimal number');
    if (first < 1 || first > 500) throw badInput('first', 'must be between 1 and 500');
    const events = await db.postEvent.findMany({ where: { position: { gt: BigInt(after) } }, orderBy: { position: 'asc' }, take: first });
    return events.map((event) => ({ ...event, position: String(event.position) }));
  },
  post: async (_, { id }, { loaders, caller }) => visible(await loaders.post.load(requireId('id', id)), caller),
  posts: async (_, args, { db, caller }) => {
    const page = readPage(args);
    let authorId = args.authorId != null ? requireId('authorId', args.authorId) : undefined;
    if (args.status === 'DRAFT' && !isAdmin(caller)) {
      const viewer = requireViewer(caller, 'list drafts');
      if (authorId && authorId !== viewer.id) throw forbidden('Only the author or an admin can list these drafts');
      authorId = viewer.id;
    }
    const rows = await db.post.findMany({
      where: { status: args.status ?? 'PUBLISHED', ...(authorId && { authorId }), ...afterCursor(page.after) },
      orderBy: NEWEST_FIRST,
      take: page.first + 1,
    });
    return toConnection(rows, page.first);
  },
};
