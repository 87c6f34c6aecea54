import type { PrismaClient, RevocationReason } from '../generated/prisma/client';

/**
 * Revoked sessions: when an account is deleted, its role changes or a sign-in ends, the access
 * tokens already issued for it must stop working before they expire. users writes a revocation
 * in the transaction of the change, and the BFFs follow them as a feed (`sessionRevocations`)
 * and refuse the tokens they cover.
 *
 * Access tokens carry `iat` in whole seconds, so a revocation's `notBefore` is the next whole
 * second after the change: every token issued up to the change has an earlier `iat`, and users
 * issues the user's later tokens with an `iat` no earlier than it (`earliestIssuedAt`).
 */
type Tx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

/** The next whole second after now, as a Date. */
export function nextWholeSecond(now = Date.now()): Date {
  return new Date((Math.floor(now / 1000) + 1) * 1000);
}

export function recordRevocation(
  tx: Tx | PrismaClient,
  revocation: { userId?: string; sessionId?: string; reason: RevocationReason },
): Promise<unknown> {
  return tx.sessionRevocation.create({
    data: { userId: revocation.userId ?? null, sessionId: revocation.sessionId ?? null, notBefore: nextWholeSecond(), reason: revocation.reason },
  });
}

/** The earliest `iat` (seconds) a new token for `userId` may carry: not before their latest revocation. */
export async function earliestIssuedAt(db: Tx | PrismaClient, userId: string): Promise<number> {
  const latest = await db.sessionRevocation.findFirst({ where: { userId }, orderBy: { notBefore: 'desc' }, select: { notBefore: true } });
  return latest ? latest.notBefore.getTime() / 1000 : 0;
}

/** True when `userId`'s account was deleted while their tokens may still be alive. */
export async function wasDeleted(db: Tx | PrismaClient, userId: string): Promise<boolean> {
  return (await db.sessionRevocation.count({ where: { userId, reason: 'DELETED' } })) > 0;
}

/** Revocations after `position`, oldest first, made at or after `since` when given. */
export function readRevocations(db: PrismaClient, after: bigint, since: Date | undefined, first: number) {
  return db.sessionRevocation.findMany({
    where: { position: { gt: after }, ...(since && { createdAt: { gte: since } }) },
    orderBy: { position: 'asc' },
    take: first,
  });
}

/** Deletes revocations whose tokens have all expired (`ttlSeconds` after `notBefore`), with an hour to spare. */
export async function purgeRevocations(db: PrismaClient, ttlSeconds: number): Promise<number> {
  const { count } = await db.sessionRevocation.deleteMany({ where: { notBefore: { lt: new Date(Date.now() - ttlSeconds * 1000 - 3_600_000) } } });
  return count;
}
