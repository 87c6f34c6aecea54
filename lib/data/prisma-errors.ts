/**
 * Reading Prisma's errors without importing any one service's generated client: the
 * known-request errors all carry a `code` (https://www.prisma.io/docs/orm/reference/error-reference).
 */
interface PrismaLikeError {
  code?: string;
  meta?: { target?: unknown; modelName?: string; driverAdapterError?: { cause?: { constraint?: { fields?: string[] } } } };
}

/** The columns of a violated unique constraint (P2002), or null for any other error. */
export function uniqueViolation(error: unknown): string[] | null {
  const e = error as PrismaLikeError;
  if (e?.code !== 'P2002') return null;
  const target = e.meta?.target;
  if (Array.isArray(target)) return target.map(String);
  if (typeof target === 'string') return [target];
  return e.meta?.driverAdapterError?.cause?.constraint?.fields?.map((f) => f.replace(/"/g, '')) ?? [];
}

/** True when an update or delete found no row (P2025). */
export function isRecordNotFound(error: unknown): boolean {
  return (error as PrismaLikeError)?.code === 'P2025';
}
