import { DateTime } from '../../../lib/graphql/scalars';
import type { Resolvers } from '../generated/resolvers-types';
import { Media } from './media';
import { Mutation } from './mutation';
import { Post } from './post';
import { Query } from './query';
import { User } from './user';

/** media's resolvers, one module per GraphQL type. */
export const resolvers: Resolvers = { DateTime, Query, Mutation, Media, Post, User };
