import { isOwnerOrAdmin, requireOwnerOrAdmin, requireViewer } from '../../lib/identity/authz';
import type { Caller } from '../../lib/identity/assertion';
import { notFound } from '../../lib/graphql/errors';
import type { PostsContext } from './context';
import type { Post } from './data';

/** Drafts are seen by their author and admins only; to anyone else they do not exist. */
export function visible(post: Post | null, caller: Caller): Post | null {
  return post && (post.status === 'PUBLISHED' || isOwnerOrAdmin(caller, post.authorId)) ? post : null;
}

/** A post the viewer may change, or NOT_FOUND (hidden drafts included) / FORBIDDEN. */
export async function postToChange({ loaders, caller }: PostsContext, postId: string, action: string): Promise<Post> {
  requireViewer(caller, action);
  const post = visible(await loaders.post.load(postId), caller);
  if (!post) throw notFound('Post', postId);
  requireOwnerOrAdmin(caller, post.authorId, action);
  return post;
}

