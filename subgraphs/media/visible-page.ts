import { afterCursor, encodeCursor, NEWEST_FIRST, toConnection, type Page } from '../../lib/graphql/pagination';
import { isAdmin } from '../../lib/identity/authz';
import type { MediaContext } from './context';
import type { Media } from './data';

/** Rows read per step while filling a page, and the most one page may read past hidden rows. */
const SCAN_BATCH = 200;
const SCAN_LIMIT = 2_000;

/**
 * A page of media the caller may see: hidden rows (media of posts the caller may not see, which
 * only posts knows) are skipped before the page is cut, so its nodes, cursors, `hasNextPage` and
 * `endCursor` are those of visible rows only and say nothing of hidden ones. Rows are read in
 * batches of SCAN_BATCH, posts asked once per batch. Past SCAN_LIMIT rows read, the page ends
 * short with `hasNextPage` and an end cursor at the last row read: cursors are sealed (see
 * lib/graphql/pagination.ts), so even a cursor at a hidden row reveals nothing, and paging stays bounded.
 */
export async function visiblePage(db: MediaContext['db'], posts: MediaContext['posts'], caller: MediaContext['caller'], where: { ownerId?: string; postId?: string }, page: Page) {
  const wanted = page.first + 1;
  const shown: Media[] = [];
  let after = page.after;
  let scanned = 0;
  for (;;) {
    const take = Math.min(SCAN_BATCH, Math.max(wanted - shown.length, 20));
    const rows = await db.media.findMany({ where: { ...where, ...afterCursor(after) }, orderBy: NEWEST_FIRST, take });
    const visible =
      isAdmin(caller) ? null : await posts.visiblePostIds(caller, rows.flatMap((row) => (row.postId ? [row.postId] : [])));
    for (const row of rows) {
      if (!row.postId || !visible || visible.has(row.postId)) shown.push(row);
      if (shown.length === wanted) return toConnection(shown, page.first, 'media');
    }
    scanned += rows.length;
    if (rows.length < take) return toConnection(shown, page.first, 'media');
    after = rows[rows.length - 1];
    if (scanned >= SCAN_LIMIT) {
      const connection = toConnection(shown, page.first, 'media');
      return { ...connection, pageInfo: { hasNextPage: true, endCursor: encodeCursor(after, 'media') } };
    }
  }
}
