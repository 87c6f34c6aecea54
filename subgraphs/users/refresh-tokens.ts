import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { tokenSettings } from '../../lib/tokens';
import type { PrismaClient, User } from './generated/prisma/client';

/**
 * Refresh tokens: 32 random bytes, given to the BFF once and stored only as their SHA-256.
 * Using one spends it and returns its successor in the same family; presenting a spent one
 * again means it was copied, so the whole family is revoked and both holders must sign in.
 */
const hash = (token: string) => createHash('sha256').update(token).digest('hex');

export async function issueRefreshToken(db: PrismaClient, userId: string, familyId: string = randomUUID()): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + tokenSettings().refreshTtlSeconds * 1000);
  await db.refreshToken.create({ data: { userId, familyId, tokenHash: hash(token), expiresAt } });
  return token;
}

async function revokeFamily(db: PrismaClient, familyId: string): Promise<void> {
  await db.refreshToken.updateMany({ where: { familyId, revokedAt: null }, data: { revokedAt: new Date() } });
}

/** Spends `token` and returns its user and successor, or null when it is unknown, expired, revoked or spent. */
export async function rotateRefreshToken(db: PrismaClient, token: string): Promise<{ user: User; refreshToken: string } | null> {
  if (!/^[\w-]{43}$/.test(token)) return null;
  const row = await db.refreshToken.findUnique({ where: { tokenHash: hash(token) }, include: { user: true } });
  if (!row || row.revokedAt || row.expiresAt <= new Date()) return null;
  // Claimed atomically: of two concurrent uses, one wins and the other counts as reuse.
  const claimed = row.usedAt ? 0 : (await db.refreshToken.updateMany({ where: { id: row.id, usedAt: null, revokedAt: null }, data: { usedAt: new Date() } })).count;
  if (claimed !== 1) {
    await revokeFamily(db, row.familyId);
    return null;
  }
  return { user: row.user, refreshToken: await issueRefreshToken(db, row.userId, row.familyId) };
}

/** Revokes the family of `token` (sign-out); unknown tokens are ignored. */
export async function revokeRefreshToken(db: PrismaClient, token: string): Promise<void> {
  const row = await db.refreshToken.findUnique({ where: { tokenHash: hash(token) } });
  if (row) await revokeFamily(db, row.familyId);
}
