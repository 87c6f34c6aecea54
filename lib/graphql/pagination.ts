import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { badInput, isId } from './errors';

/**
 * Cursor pagination shared by every list in the graph. All lists are ordered newest
 * first by (createdAt, id); a cursor is that pair, sealed (AES-256-GCM under the deployment's
 * `CURSOR_SECRET`), so pages stay stable while rows are inserted and a cursor reveals nothing:
 * not the id or time of the row it points at (which may be one the caller may not see, see
 * mediaList), and one that was tampered with or made elsewhere is refused. A cursor is bound to
 * the kind of list it came from (the list's name is authenticated with it): one from `users`
 * is refused by `posts`.
 */

let key: Buffer | undefined;
/**
 * Seals this process's cursors with `secret` (the service's `CURSOR_SECRET`, from its config:
 * the same on every replica). Each subgraph sets it at start, before serving.
 */
export function useCursorSecret(secret: string): void {
  key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'federated-graph list cursor v1', 32));
}
/** The cursor key: the configured one, or for a process that set none (a test) a random one of its own. */
function cursorKey(): Buffer {
  key ??= Buffer.from(hkdfSync('sha256', randomBytes(32), Buffer.alloc(0), 'federated-graph list cursor v1', 32));
  return key;
}
const IV_BYTES = 12;
const TAG_BYTES = 16;

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface Cursor {
  createdAt: Date;
  id: string;
}

/** The lists of the graph whose cursors are told apart. */
export type ListName = 'users' | 'posts' | 'media';

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page {
  first: number;
  after: Cursor | null;
}

export function encodeCursor(row: Cursor, list: ListName): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', cursorKey(), iv);
  cipher.setAAD(Buffer.from(list));
  const sealed = Buffer.concat([cipher.update(JSON.stringify([row.createdAt.toISOString(), row.id]), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The plaintext of a cursor encodeCursor sealed; throws for anything else (tampered, forged, another key). */
function unseal(cursor: string, list: ListName): string {
  const raw = Buffer.from(cursor, 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) throw new Error('too short');
  const decipher = createDecipheriv('aes-256-gcm', cursorKey(), raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(list));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * An instant as encodeCursor writes it, that PostgreSQL can compare with: four-digit years from
 * 0001 (Postgres has no year 0, and SQL would fail on it), and a real date (no February 30th,
 * which Date would roll over into March).
 */
function isCursorInstant(value: unknown): value is string {
  if (typeof value !== 'string' || !ISO_INSTANT.test(value) || value.startsWith('0000')) return false;
  const date = new Date(value);
  return !Number.isNaN(date.getTime()) && date.toISOString() === value;
}

export function decodeCursor(cursor: string, list: ListName, field = 'after'): Cursor {
  try {
    const [createdAt, id] = JSON.parse(unseal(cursor, list));
    // Only what encodeCursor makes: an ISO instant Postgres can hold, and a UUID.
    if (typeof id === 'string' && isId(id) && isCursorInstant(createdAt)) {
      return { createdAt: new Date(createdAt), id: id.toLowerCase() };
    }
  } catch {
    // fall through to the error below
  }
  throw badInput(field, 'is not a cursor returned by this API; pass pageInfo.endCursor from the previous page');
}

/** Validates `first`/`after` once, at the edge. */
export function readPage(args: PageArgs, list: ListName, prefix = ''): Page {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`${prefix}first`, `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return { first, after: args.after ? decodeCursor(args.after, list, `${prefix}after`) : null };
}

/** Prisma `where` for "strictly after this cursor" in (createdAt desc, id desc) order. */
export function afterCursor(after: Cursor | null) {
  if (!after) return {};
  return {
    OR: [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }],
  };
}

export const NEWEST_FIRST = [{ createdAt: 'desc' as const }, { id: 'desc' as const }];

export interface Connection<T> {
  edges: { cursor: string; node: T }[];
  nodes: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/**
 * Builds a connection from `first + 1` fetched rows: the extra row only says a next page exists.
 * Cursors are sealed when first read, once each: a page that asks for `nodes` and
 * `pageInfo.endCursor` (the usual one) seals one cursor, not one per row (sealing was 9% of
 * posts' CPU on the posts page; BENCHMARKS.md, issue 18).
 */
export function toConnection<T extends Cursor>(rows: T[], first: number, list: ListName): Connection<T> {
  const nodes = rows.slice(0, first);
  const cursors = new Map<T, string>();
  const cursorOf = (node: T) => {
    let cursor = cursors.get(node);
    if (cursor === undefined) cursors.set(node, (cursor = encodeCursor(node, list)));
    return cursor;
  };
  const edges = nodes.map((node) => ({
    node,
    get cursor() {
      return cursorOf(node);
    },
  }));
  const last = nodes.at(-1);
  return {
    edges,
    nodes,
    pageInfo: {
      hasNextPage: rows.length > first,
      get endCursor() {
        return last ? cursorOf(last) : null;
      },
    },
  };
}
