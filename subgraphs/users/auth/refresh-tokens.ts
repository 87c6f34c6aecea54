import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { PrismaClient, User } from '../generated/prisma/client';
import { recordRevocation } from './revocations';

/**
 * Refresh tokens: 32 random bytes, given to the BFF once and stored only as their SHA-256.
 * Using one spends it and returns its successor in the same family; presenting a spent one
 * again means it was copied, so the whole family is revoked and both holders must sign in.
 *
 * Rotation and revocation of a family take the same transaction-scoped advisory lock, so they
 * happen one after the other: a revocation sees the successor a concurrent rotation wrote, and
 * a rotation after a revocation finds its token revoked.
 */
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

/** How long refresh tokens and sign-ins last (the users config's `tokens`). */
export interface RefreshLifetimes {
  refreshTtlSeconds: number;
  sessionMaxAgeSeconds: number;
}

type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

async function lockFamily(tx: Tx, familyId: string): Promise<void> {
  await tx.$queryRaw`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtext(${familyId}))`;
}

/** A token of the family; it expires after the refresh lifetime, and never after the sign-in's maximum age. */
function newToken(tx: Tx | PrismaClient, lifetimes: RefreshLifetimes, userId: string, familyId: string, signedInAt: Date): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const { refreshTtlSeconds, sessionMaxAgeSeconds } = lifetimes;
  const expiresAt = new Date(Math.min(Date.now() + refreshTtlSeconds * 1000, signedInAt.getTime() + sessionMaxAgeSeconds * 1000));
  return tx.refreshToken.create({ data: { userId, familyId, signedInAt, tokenHash: hash(token), expiresAt } }).then(() => token);
}

/** Starts a new family (a sign-in) for `userId`; its id is the `sid` of the sign-in's access tokens. */
export async function issueRefreshToken(db: PrismaClient, lifetimes: RefreshLifetimes, userId: string): Promise<{ refreshToken: string; familyId: string }> {
  const familyId = randomUUID();
  return { refreshToken: await newToken(db, lifetimes, userId, familyId, new Date()), familyId };
}

/**
 * Spends `token` and returns its user, successor and family, or null when it is unknown, expired,
 * revoked or spent. A spent token presented again revokes the family's access tokens too.
 */
export async function rotateRefreshToken(db: PrismaClient, lifetimes: RefreshLifetimes, token: string): Promise<{ user: User; refreshToken: string; familyId: string } | null> {
  if (!/^[\w-]{43}$/.test(token)) return null;
  const found = await db.refreshToken.findUnique({ where: { tokenHash: hash(token) }, select: { familyId: true } });
  if (!found) return null;
  // A reuse is answered null like any dead token, but its revocation must commit: not thrown.
  const outcome = await db.$transaction(async (tx) => {
    await lockFamily(tx, found.familyId);
    const row = await tx.refreshToken.findUnique({ where: { tokenHash: hash(token) }, include: { user: true } });
    if (!row || row.revokedAt || row.expiresAt <= new Date()) return null;
    if (row.usedAt) {
      await tx.refreshToken.updateMany({ where: { familyId: row.familyId, revokedAt: null }, data: { revokedAt: new Date() } });
      await recordRevocation(tx, { sessionId: row.familyId, reason: 'REUSED' });
      return 'reused' as const;
    }
    await tx.refreshToken.update({ where: { id: row.id }, data: { usedAt: new Date() } });
    return { user: row.user, refreshToken: await newToken(tx, lifetimes, row.userId, row.familyId, row.signedInAt), familyId: row.familyId };
  });
  return outcome === 'reused' ? null : outcome;
}

/** Revokes the family of `token` (sign-out), its access tokens included; unknown tokens are ignored. */
export async function revokeRefreshToken(db: PrismaClient, token: string): Promise<void> {
  if (!/^[\w-]{43}$/.test(token)) return;
  const row = await db.refreshToken.findUnique({ where: { tokenHash: hash(token) }, select: { familyId: true } });
  if (!row) return;
  await db.$transaction(async (tx) => {
    await lockFamily(tx, row.familyId);
    const { count } = await tx.refreshToken.updateMany({ where: { familyId: row.familyId, revokedAt: null }, data: { revokedAt: new Date() } });
    // Signing out twice (web: the mutation, then the BFF with its cookie) records one revocation.
    if (count > 0) await recordRevocation(tx, { sessionId: row.familyId, reason: 'SIGNED_OUT' });
  });
}

/**
 * Deletes tokens that can no longer matter: expired ones, and those revoked more than a day ago.
 * Spent tokens stay until they expire, so a copy presented later is still recognised as reuse.
 */
export async function purgeRefreshTokens(db: PrismaClient): Promise<number> {
  const { count } = await db.refreshToken.deleteMany({
    where: { OR: [{ expiresAt: { lt: new Date() } }, { revokedAt: { lt: new Date(Date.now() - 86_400_000) } }] },
  });
  return count;
}
