import { envInt } from '../../lib/config/env';
import { GATEWAY_SIGNING_KEY } from '../../lib/http/main';
import { assertionSigner } from '../../lib/identity/assertion';
import { loadSigningKey } from '../../lib/identity/keys';
import { keySource } from '../../lib/config/keys';
import { loadTypeDefs, prismaSubgraph, type PrismaSubgraphContext } from '../../lib/subgraph/server';
import { createLoaders, type MediaLoaders } from './data';
import { deliveryRoute, MEDIA_PATH, type PostVisibility } from './delivery';
import { PrismaClient } from './generated/prisma/client';
import { followPostEvents } from './post-events';
import { postVisibility } from './posts-api';
import { resolvers } from './resolvers';
import { createBlobStore, type BlobStore } from './storage';
import { purgeUploads, UPLOAD_PATH, uploadRoute, uploadSettings, type UploadSettings } from './uploads';

export const typeDefs = loadTypeDefs(__dirname);

interface MediaExtra {
  store: BlobStore;
  visibility: PostVisibility;
  uploads: UploadSettings;
  stopFollowing: () => Promise<void>;
}

export type MediaContext = PrismaSubgraphContext<PrismaClient, MediaLoaders, MediaExtra>;

/**
 * The media subgraph over a database and a blob store: records in the graph, files through
 * `PUT /uploads/<token>` and `GET /media/<id>/<size>` (both reached through the BFFs), and the
 * media of deleted posts removed as posts reports them.
 */
export const createMediaSubgraph = prismaSubgraph({
  name: 'media',
  typeDefs,
  resolvers,
  createPrisma: (database) => new PrismaClient({ adapter: database.adapter }),
  createLoaders,
  extra: async (db, logger): Promise<MediaExtra> => {
    const store = await createBlobStore();
    // Media signs its own calls to posts as the service `media`, with the graph's internal key.
    const sign = assertionSigner(await loadSigningKey(keySource(GATEWAY_SIGNING_KEY, 'gateway-signing.jwk.json')), 'media');
    const follower = followPostEvents(db, store, () => sign(null), logger);
    setInterval(() => {
      purgeUploads(db).then(
        (count) => count && logger.info({ count }, 'purged expired upload URLs'),
        (error) => logger.warn({ err: error }, 'could not purge upload URLs'),
      );
    }, 3_600_000).unref();
    // Delivery asks posts whether a file's post is public as an anonymous caller, signed by media.
    const visibility = postVisibility(() => sign(null), envInt('MEDIA_VISIBILITY_CACHE_MS', 2_000, { min: 0, max: 60_000 }));
    return { store, visibility, uploads: uploadSettings(), stopFollowing: follower.stop };
  },
  prefixRoutes: ({ store, uploads, visibility }, db, logger) => ({
    [UPLOAD_PATH]: uploadRoute(db, store, uploads, logger),
    [MEDIA_PATH]: deliveryRoute(db, store, logger, visibility, {
      deadlines: uploads.deadlines,
      publicMaxAgeSeconds: envInt('MEDIA_PUBLIC_MAX_AGE_SECONDS', 60, { min: 0 }),
    }),
  }),
  stop: (extra) => extra.stopFollowing(),
});
