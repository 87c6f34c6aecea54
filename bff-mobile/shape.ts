/**
 * Maps supergraph results (bff-mobile/operations.graphql) to the mobile schema's shapes. The
 * results' types are generated from the operations (supergraph-operations.generated.ts).
 */
import type { MobileAuthorFragment, MobileCardFragment, MobileMediaFragment, MobilePostScreenFragment, MobileProfileFragment } from './supergraph-operations.generated';

type SgConnection = { nodes: MobileCardFragment[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };

const EXCERPT_LENGTH = 140;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'", nbsp: ' ' };

/** Plain text from sanitised HTML, cut at a word boundary near 140 characters. */
export function excerpt(html: string): string {
  const text = html
    // Blocks end in a space; inline tags vanish, so "<strong>x</strong>:" stays "x:".
    .replace(/<\/(p|h[1-6]|li|blockquote|pre|td|th)>|<br\s*\/?>/g, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(amp|lt|gt|quot|#39|nbsp);/g, (_, entity: string) => ENTITIES[entity])
    .replace(/\s+/g, ' ')
    .trim();
  const chars = [...text];
  if (chars.length <= EXCERPT_LENGTH) return text;
  const cut = chars.slice(0, EXCERPT_LENGTH).join('');
  const space = cut.lastIndexOf(' ');
  return `${(space > EXCERPT_LENGTH * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

export function card(post: MobileCardFragment) {
  return {
    id: post.id,
    title: post.title,
    excerpt: excerpt(post.bodyHtml),
    authorHandle: post.author?.handle ?? null,
    authorAvatarThumbUrl: post.author?.avatar?.thumb ?? null,
    coverThumbUrl: post.coverImage?.thumb ?? null,
    imageCount: post.media ? post.media.filter((m) => m.kind === 'IMAGE').length : null,
    videoCount: post.media ? post.media.filter((m) => m.kind === 'VIDEO').length : null,
    publishedAt: post.publishedAt,
  };
}

export function feed(connection: SgConnection) {
  return {
    cards: connection.nodes.map(card),
    nextCursor: connection.pageInfo.hasNextPage ? connection.pageInfo.endCursor : null,
    hasMore: connection.pageInfo.hasNextPage,
  };
}

export function authorChip(author: MobileAuthorFragment | null) {
  if (!author?.id) return null;
  return { id: author.id, handle: author.handle, displayName: author.displayName ?? author.handle, avatarThumbUrl: author.avatar?.thumb ?? null };
}

/** Images get their THUMB and SMALL renditions; a video is one file, so both URLs are the file. */
export function mediaItem(media: MobileMediaFragment) {
  return {
    id: media.id,
    kind: media.kind,
    thumbUrl: media.thumb,
    url: media.small,
    alt: media.alt,
    width: media.width,
    height: media.height,
  };
}

export function postScreen(post: MobilePostScreenFragment) {
  return {
    id: post.id,
    title: post.title,
    bodyHtml: post.bodyHtml,
    published: post.status === 'PUBLISHED',
    publishedAt: post.publishedAt,
    author: authorChip(post.author),
    media: post.media?.map(mediaItem) ?? null,
  };
}

export function profileScreen(user: MobileProfileFragment) {
  return { ...authorChip(user)!, posts: user.posts ? feed(user.posts) : null };
}
