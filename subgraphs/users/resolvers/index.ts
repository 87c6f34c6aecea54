import { DateTime } from '../../../lib/graphql/scalars';
import type { Resolvers } from '../generated/resolvers-types';
import { Mutation } from './mutation';
import { Query } from './query';
import { User } from './user';

/** users' resolvers, one module per GraphQL type. */
export const resolvers: Resolvers = { DateTime, Query, Mutation, User };
