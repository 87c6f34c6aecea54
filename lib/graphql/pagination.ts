import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { badInput, isId } from './errors';
import { loadSecret } from '../identity/keys';
import { keySource } from '../config/keys';

/**
 * Cursor pagination shared by every list in the graph. All lists are ordered newest
 * first by (createdAt, id); a cursor is that pair, sealed (AES-256-GCM under the deployment's
 * `CURSOR_SECRET`), so pages stay stable while rows are inserted and a cursor reveals nothing:
 * not the id or time of the row it points at (which may be one the caller may not see, see
 * mediaList), and one that was tampered with or made elsewhere is refused.
 */

let key: Buffer | undefined;
/**
 * The cursor key, derived from `CURSOR_SECRET` (required in production, the same on every
 * replica of a service; generated once under `<DATA_DIR>/keys` otherwise). Services call it at
 * start so a missing secret stops them there rather than at the first list.
 */
export function cursorKey(): Buffer {
  key ??= Buffer.from(hkdfSync('sha256', loadSecret(keySource('CURSOR_SECRET', 'cursor-secret')), Buffer.alloc(0), 'federated-graph list cursor v1', 32));
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

export interface PageArgs {
  first?: number | null;
  after?: string | null;
}

export interface Page {
  first: number;
  after: Cursor | null;
}

export function encodeCursor(row: Cursor): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', cursorKey(), iv);
  const sealed = Buffer.concat([cipher.update(JSON.stringify([row.createdAt.toISOString(), row.id]), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64url');
}

/** The plaintext of a cursor encodeCursor sealed; throws for anything else (tampered, forged, another key). */
function unseal(cursor: string): string {
  const raw = Buffer.from(cursor, 'base64url');
  if (raw.length <= IV_BYTES + TAG_BYTES) throw new Error('too short');
  const decipher = createDecipheriv('aes-256-gcm', cursorKey(), raw.subarray(0, IV_BYTES));
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

export function decodeCursor(cursor: string, field = 'after'): Cursor {
  try {
    const [createdAt, id] = JSON.parse(unseal(cursor));
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
export function readPage(args: PageArgs, prefix = ''): Page {
  const first = args.first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 1 || first > MAX_PAGE_SIZE) {
    throw badInput(`${prefix}first`, `must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return { first, after: args.after ? decodeCursor(args.after, `${prefix}after`) : null };
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

/** Builds a connection from `first + 1` fetched rows: the extra row only says a next page exists. */
export function toConnection<T extends Cursor>(rows: T[], first: number): Connection<T> {
  const nodes = rows.slice(0, first);
  const edges = nodes.map((node) => ({ cursor: encodeCursor(node), node }));
  return {
    edges,
    nodes,
    pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
  };
}
