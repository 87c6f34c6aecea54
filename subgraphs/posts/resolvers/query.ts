import { forbidden, isAdmin, requireService, requireViewer } from '../../../lib/identity/authz';
import { requireId } from '../../../lib/graphql/errors';
import { afterCursor, NEWEST_FIRST, readPage, toConnection } from '../../../lib/graphql/pagination';
import type { QueryResolvers } from '../generated/resolvers-types';
import { visible } from '../visibility';
import * as valid from '../validation';

export const Query: QueryResolvers = {
  postEvents: async (_, { after, first }, { db, caller }) => {
    requireService(caller, 'media', 'follow post events');
    const page = valid.eventsPage(after, first);
    const events = await db.postEvent.findMany({ where: { position: { gt: page.after } }, orderBy: { position: 'asc' }, take: page.first });
    return events.map((event) => ({ ...event, position: String(event.position) }));
  },
  post: async (_, { id }, { loaders, caller }) => visible(await loaders.post.load(requireId('id', id)), caller),
  posts: async (_, args, { db, caller }) => {
    const page = readPage(args, 'posts');
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
    return toConnection(rows, page.first, 'posts');
  },
};
