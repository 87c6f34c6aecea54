import { serviceAssertionSigner } from '../../lib/identity/assertion';
import { loadSigningKey } from '../../lib/identity/keys';
import { loadTypeDefs, prismaSubgraph } from '../../lib/subgraph/server';
import type { MediaConfig } from './config';
import type { MediaServices } from './context';
import { createLoaders } from './data';
import { deliveryRoute, MEDIA_PATH, postVisibility } from './files/delivery';
import { createBlobStore } from './files/storage';
import { purgeMediaOf, purgeUploads, UPLOAD_PATH, uploadRoute } from './files/uploads';
import { PrismaClient, type Prisma } from './generated/prisma/client';
import { postsClient } from './posts-client';
import { resolvers } from './resolvers';

export const typeDefs = loadTypeDefs(__dirname);

/**
 * The media subgraph over a database and a blob store: records in the graph, files through
 * `PUT /uploads/<token>` and `GET /media/<id>/<size>` (both reached through the BFFs), and the
 * media of deleted posts and users removed as posts and users report them (PostDeleted, UserDeleted).
 */
export const createMediaSubgraph = prismaSubgraph({
  typeDefs,
  resolvers,
  createPrisma: (database) => new PrismaClient({ adapter: database.adapter }),
  createLoaders,
  services: async (db, config: MediaConfig, logger): Promise<MediaServices> => {
    const store = await createBlobStore(config.storage);
    // Media asks posts as itself, with its own key, for posts only (lib/identity/service-calls.ts).
    const sign = serviceAssertionSigner(await loadSigningKey(config.signingKey), 'media');
    const posts = postsClient(config.postsUrl, (viewer) => sign('posts', viewer));
    const visibility = postVisibility(posts, config.visibilityCacheMs);
    return { store, posts, visibility, config: { publicUrl: config.publicUrl, uploads: config.uploads } };
  },
  // Hourly: upload URLs that expired unused.
  purge: { everyMs: 3_600_000, tasks: (db) => ({ 'upload URLs': () => purgeUploads(db) }) },
  authenticatedRoutes: ({ store, visibility }, db, config, logger) => ({
    [UPLOAD_PATH]: uploadRoute(db, store, config.uploads, logger),
    [MEDIA_PATH]: deliveryRoute(db, store, logger, visibility, {
      deadlines: config.uploads.deadlines,
      publicMaxAgeSeconds: config.publicMaxAgeSeconds,
    }),
  }),
  events: {
    readers: [],
    handlers: ({ store }, _db, logger) => ({
      posts: {
        PostDeleted: (event, tx) => purgeMediaOf(tx as unknown as Prisma.TransactionClient, store, { postId: (event.payload as { postId: string }).postId }, logger),
      },
      users: {
        UserDeleted: (event, tx) => purgeMediaOf(tx as unknown as Prisma.TransactionClient, store, { ownerId: (event.payload as { userId: string }).userId }, logger),
      },
    }),
  },
});
