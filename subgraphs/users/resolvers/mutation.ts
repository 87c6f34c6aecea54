import { GraphQLError } from 'graphql';
import { forbidden, isAdmin, requireOwnerOrAdmin } from '../../../lib/identity/authz';
import type { Caller } from '../../../lib/identity/assertion';
import { badInput, notFound, requireId } from '../../../lib/graphql/errors';
import { recordEvent } from '../../../lib/events/outbox';
import { isRecordNotFound, uniqueViolation } from '../../../lib/data/prisma-errors';
import { checkPassword, hashPassword, verifyPassword } from '../auth/passwords';
import { issueRefreshToken, revokeRefreshToken, rotateRefreshToken } from '../auth/refresh-tokens';
import { earliestIssuedAt, recordRevocation, wasDeleted } from '../auth/revocations';
import type { UsersContext } from '../context';
import type { User } from '../data';
import type { MutationResolvers } from '../generated/resolvers-types';
import * as valid from '../validation';

/** Turns a unique-constraint violation into a field-level BAD_USER_INPUT. */
function explainConflict(error: unknown): never {
  const columns = uniqueViolation(error);
  if (columns) {
    const field = columns.find((c) => c === 'handle' || c === 'email') ?? 'handle';
    throw badInput(`input.${field}`, `is already taken`);
  }
  throw error;
}

/**
 * Signs `user` in: the access token and refresh token go to the BFF in response headers, the
 * payload says who and until when. `continued` (a rotated refresh token) continues a sign-in;
 * otherwise one starts. The access token's `sid` is the sign-in's refresh-token family.
 */
async function startSession(user: User, context: UsersContext, continued?: { refreshToken: string; familyId: string }) {
  const { refreshToken, familyId } = continued ?? (await issueRefreshToken(context.db, context.config.tokens, user.id));
  const notBefore = await earliestIssuedAt(context.db, user.id);
  const { token, expiresAt } = await context.tokens.issue({ id: user.id, role: user.role }, { sessionId: familyId, notBefore });
  context.session.token = token;
  context.session.refreshToken = refreshToken;
  // The rest of this request (the payload's `user { email }`) is answered as the signed-in user.
  context.caller = { ...context.caller, viewer: { id: user.id, role: user.role } };
  return { user, expiresAt };
}

/**
 * The caller, unless their account has been deleted: a token outlives its account by up to a
 * poll of the BFFs' revocation feed, and users, which can tell, refuses such a viewer's writes.
 * (A viewer users never had, such as an operator's assertion, is not refused here.)
 */
async function liveCaller(context: UsersContext): Promise<Caller> {
  const { caller, db } = context;
  if (caller.viewer && (await wasDeleted(db, caller.viewer.id))) {
    throw new GraphQLError('This account no longer exists; sign in again', { extensions: { code: 'UNAUTHENTICATED' } });
  }
  return caller;
}

export const Mutation: MutationResolvers = {
  signUp: async (_, { input }, context) => {
    const data = valid.userFields(input);
    const password = checkPassword('input.password', input.password);
    const { hashing } = context.signInLimits;
    const passwordHash = await hashPassword(password, (task) => hashing.run('other', task));
    const user = await context.db.user
      .create({
        data: { handle: data.handle!, displayName: data.displayName!, email: data.email!, role: context.config.signUpRole, passwordHash },
      })
      .catch(explainConflict);
    await context.signInLimits.succeeded(user.email, context.clientAddress);
    return startSession(user, context);
  },
  signIn: async (_, { email, password }, context) => {
    let address: string | null = null;
    try {
      address = valid.email('email', email);
    } catch {
      // Not an address anyone has: answered like an unknown one, below.
    }
    const limits = context.signInLimits;
    // Counted per account as typed (normalised when it is an address): unknown ones too, so
    // the answer does not tell which accounts exist.
    const account = address ?? String(email).trim().toLowerCase().slice(0, 254);
    // From an address the account signed in from before, guessers elsewhere do not lock its
    // owner out: no account limit (the BFF's address limit still counts), and the first lane.
    const lane = limits.lane(account, context.clientAddress);
    if (lane === 'other') await limits.attempt(account);
    const user = address ? await context.db.user.findUnique({ where: { email: address } }) : null;
    let matches: boolean;
    try {
      matches = await verifyPassword(password, user?.passwordHash ?? null, (task) => limits.hashing.run(lane, task));
    } catch (error) {
      if (lane === 'other' && (error as GraphQLError).extensions?.code === 'RATE_LIMITED') await limits.untried(account);
      throw error;
    }
    // Unknown email and wrong password take the same time and give the same answer.
    if (!matches || !user) {
      throw new GraphQLError('Email or password is incorrect', { extensions: { code: 'UNAUTHENTICATED' } });
    }
    await limits.succeeded(account, context.clientAddress);
    return startSession(user, context);
  },
  refreshSession: async (_, { refreshToken }, context) => {
    const rotated = await rotateRefreshToken(context.db, context.config.tokens, refreshToken);
    if (!rotated) throw new GraphQLError('The session has ended; sign in again', { extensions: { code: 'UNAUTHENTICATED' } });
    return startSession(rotated.user, context, rotated);
  },
  signOut: async (_, { refreshToken }, { db, session }) => {
    if (refreshToken) await revokeRefreshToken(db, refreshToken);
    session.ended = true;
    return true;
  },
  updateUser: async (_, { id, input }, context) => {
    const userId = requireId('id', id);
    requireOwnerOrAdmin(await liveCaller(context), userId, 'change this account');
    const data = valid.userFields(input);
    if (data.role !== undefined && !isAdmin(context.caller)) throw forbidden('Only an admin can change a role');
    // A new role revokes the user's tokens in the same transaction: the old role's token stops
    // working. The change's events commit with it too (lib/events/outbox.ts).
    return context.db
      .$transaction(async (tx) => {
        const before = await tx.user.findUnique({ where: { id: userId }, select: { role: true, handle: true, displayName: true } });
        const user = await tx.user.update({ where: { id: userId }, data });
        if (before && before.role !== user.role) {
          await recordRevocation(tx, { userId, reason: 'ROLE_CHANGED' });
          await recordEvent(tx, 'users', 'UserRoleChanged', userId, { userId, role: user.role, previousRole: before.role });
        }
        if (before && (before.handle !== user.handle || before.displayName !== user.displayName)) {
          await recordEvent(tx, 'users', 'UserProfileChanged', userId, { userId, handle: user.handle, displayName: user.displayName });
        }
        return user;
      })
      .catch((error) => {
        if (isRecordNotFound(error)) throw notFound('User', userId);
        return explainConflict(error);
      });
  },
  deleteUser: async (_, { id }, context) => {
    const userId = requireId('id', id);
    requireOwnerOrAdmin(await liveCaller(context), userId, 'delete this account');
    // The revocation and UserDeleted commit with the deletion (refresh tokens go with the user,
    // by cascade); posts and media follow UserDeleted to delete what was theirs.
    await context.db.$transaction(async (tx) => {
      const { count } = await tx.user.deleteMany({ where: { id: userId } });
      if (count === 0) throw notFound('User', userId);
      await recordRevocation(tx, { userId, reason: 'DELETED' });
      await recordEvent(tx, 'users', 'UserDeleted', userId, { userId });
    });
    return userId;
  },
};
