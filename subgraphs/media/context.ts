import type { PrismaSubgraphContext } from '../../lib/subgraph/server';
import type { MediaConfig } from './config';
import type { MediaLoaders } from './data';
import type { PostVisibility } from './files/delivery';
import type { BlobStore } from './files/storage';
import type { PrismaClient } from './generated/prisma/client';
import type { PostsClient } from './posts-client';

/** What media's resolvers and file routes use besides the database: made once at start (subgraph.ts). */
export interface MediaServices {
  store: BlobStore;
  /** Asks posts about posts, as media, for the caller's viewer. */
  posts: PostsClient;
  /** Who may fetch a post's files (anonymous visibility remembered briefly). */
  visibility: PostVisibility;
  config: Pick<MediaConfig, 'publicUrl' | 'uploads'>;
}

/** One request's context: media's Prisma client and loaders, the caller, and the services above. */
export type MediaContext = PrismaSubgraphContext<PrismaClient, MediaLoaders, MediaServices>;
