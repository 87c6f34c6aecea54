import { GraphQLError, responsePathAsArray, type GraphQLResolveInfo } from 'graphql';
import { badInput } from '../lib/graphql/errors';
import { DateTime } from '../lib/graphql/scalars';
import type { MobileContext } from './context';
import * as shape from './shape';
import {
  MobileCreatePostDocument,
  MobileFeedDocument,
  MobileMeDocument,
  MobilePostDocument,
  MobileProfileByHandleDocument,
  MobileRefreshDocument,
  MobileSignInDocument,
  MobileSignOutDocument,
  MobileSignUpDocument,
  MobileStartUploadDocument,
  type MobileSessionFragment,
  type MobileStartUploadMutationVariables,
} from './supergraph-operations.generated';

/** Mobile pages are small: 10 by default, 30 at most. */
export const DEFAULT_PAGE = 10;
const MAX_PAGE = 30;

function page(first: number | null | undefined): number {
  const value = first ?? DEFAULT_PAGE;
  if (!Number.isInteger(value) || value < 1 || value > MAX_PAGE) throw badInput('first', `must be between 1 and ${MAX_PAGE}`);
  return value;
}

type Args<T> = T & Record<string, unknown>;

const pathOf = (info: GraphQLResolveInfo) => responsePathAsArray(info.path);

export const resolvers = {
  DateTime,
  Query: {
    feed: async (_: unknown, { first, after }: Args<{ first?: number; after?: string }>, { run }: MobileContext, info: GraphQLResolveInfo) => {
      const data = await run(MobileFeedDocument, { first: page(first), after }, pathOf(info));
      return shape.feed(data.posts);
    },
    post: async (_: unknown, { id }: Args<{ id: string }>, { run }: MobileContext, info: GraphQLResolveInfo) => {
      const data = await run(MobilePostDocument, { id }, pathOf(info));
      return data.post && shape.postScreen(data.post);
    },
    profile: async (_: unknown, { handle, first, after }: Args<{ handle: string; first?: number; after?: string }>, { run }: MobileContext, info: GraphQLResolveInfo) => {
      const data = await run(MobileProfileByHandleDocument, { handle, first: page(first), after }, pathOf(info));
      return data.userByHandle && shape.profileScreen(data.userByHandle);
    },
    me: async (_: unknown, { first, after }: Args<{ first?: number; after?: string }>, { run }: MobileContext, info: GraphQLResolveInfo) => {
      const data = await run(MobileMeDocument, { first: page(first), after }, pathOf(info));
      return data.me && shape.profileScreen(data.me);
    },
  },
  Mutation: {
    signIn: async (_: unknown, { email, password }: Args<{ email: string; password: string }>, context: MobileContext) => {
      const data = await context.run(MobileSignInDocument, { email, password });
      return session(context, data.signIn);
    },
    signUp: async (_: unknown, input: Args<{ email: string; password: string; handle: string; displayName: string }>, context: MobileContext) => {
      const data = await context.run(MobileSignUpDocument, { input });
      return session(context, data.signUp);
    },
    refreshSession: async (_: unknown, { refreshToken }: Args<{ refreshToken: string }>, context: MobileContext) => {
      const data = await context.run(MobileRefreshDocument, { refreshToken });
      return session(context, data.refreshSession);
    },
    signOut: async (_: unknown, { refreshToken }: Args<{ refreshToken: string }>, { run }: MobileContext) =>
      (await run(MobileSignOutDocument, { refreshToken })).signOut,
    createPost: async (_: unknown, { title, body, publish }: Args<{ title: string; body: string; publish?: boolean }>, { run }: MobileContext) => {
      const data = await run(MobileCreatePostDocument, {
        input: { title, body, status: publish === false ? 'DRAFT' : 'PUBLISHED' },
      });
      return shape.postScreen(data.createPost);
    },
    startUpload: async (_: unknown, args: Args<MobileStartUploadMutationVariables>, { run }: MobileContext) => {
      const { createUpload } = await run(MobileStartUploadDocument, args);
      return { uploadUrl: createUpload.url, expiresAt: createUpload.expiresAt, maxBytes: createUpload.maxBytes };
    },
  },
};

/** The users subgraph hands the token to this BFF out of band; the mobile client gets it in the payload. */
function session(context: MobileContext, result: MobileSessionFragment) {
  const { token, refreshToken } = context.session;
  if (!token || !refreshToken) throw new GraphQLError('Sign-in did not produce a session', { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  return { accessToken: token, refreshToken, expiresAt: result.expiresAt, user: shape.authorChip(result.user) };
}
