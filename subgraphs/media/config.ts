import path from 'node:path';
import { ConfigError, envEnum, envInt, envString, envUrl, envMs } from '../../lib/config/env';
import { serviceKeySource } from '../../lib/config/keys';
import { subgraphConfig, type SubgraphConfig } from '../../lib/config/subgraph';
import type { KeySource } from '../../lib/identity/keys';
import { subgraphUrls } from '../../lib/config/subgraph-urls';
import { transferDeadlinesConfig } from '../../lib/config/transfers';
import type { StorageSettings } from './files/storage';
import type { UploadSettings } from './files/uploads';

/** Everything the media subgraph reads from its environment, read once at start (README.md lists each). */
export interface MediaConfig extends SubgraphConfig {
  /** `MEDIA_PUBLIC_URL`, default empty: an origin (a CDN) before every media URL; empty, URLs are paths on the BFF. */
  publicUrl: string;
  /** `MEDIA_STORAGE` (`disk`, default, under `MEDIA_DIR`, default `<DATA_DIR>/media`; or `s3` with `S3_*`). */
  storage: StorageSettings;
  /** `MEDIA_MAX_*`, `MEDIA_UPLOAD_*`, `MEDIA_PROCESSING_*` and the transfer deadlines. */
  uploads: UploadSettings;
  /** `MEDIA_VISIBILITY_CACHE_MS`, 0–60000, default 2000: how long whether a post is public is remembered. */
  visibilityCacheMs: number;
  /** `MEDIA_PUBLIC_MAX_AGE_SECONDS`, default 60: how long a published post's files may be cached. */
  publicMaxAgeSeconds: number;
  /** `POSTS_SUBGRAPH_URL`, default supergraph.yaml's routing URL: where media asks posts. */
  postsUrl: string;
  /** `MEDIA_SIGNING_KEY` (required in production): what media signs its own calls to posts (and its reads of feeds) with, as itself. */
  signingKey: KeySource;
}

export function loadMediaConfig(): MediaConfig {
  return {
    ...subgraphConfig('media'),
    signingKey: serviceKeySource('media'),
    publicUrl: (envUrl('MEDIA_PUBLIC_URL') ?? '').replace(/\/$/, ''),
    storage: mediaStorageConfig(),
    uploads: {
      maxImageBytes: envInt('MEDIA_MAX_IMAGE_BYTES', 20 * 1024 * 1024, { min: 1 }),
      maxVideoBytes: envInt('MEDIA_MAX_VIDEO_BYTES', 200 * 1024 * 1024, { min: 1, max: 2 ** 31 - 1 }),
      maxPixels: envInt('MEDIA_MAX_PIXELS', 40_000_000, { min: 1 }),
      ttlSeconds: envInt('MEDIA_UPLOAD_TTL_SECONDS', 600, { min: 1 }),
      maxOpenUploads: envInt('MEDIA_MAX_OPEN_UPLOADS', 20, { min: 1 }),
      processingConcurrency: envInt('MEDIA_PROCESSING_CONCURRENCY', 1, { min: 1 }),
      processingQueue: envInt('MEDIA_PROCESSING_QUEUE', 8, { min: 0 }),
      maxConcurrentPerUser: envInt('MEDIA_MAX_CONCURRENT_UPLOADS', 2, { min: 1 }),
      deadlines: transferDeadlinesConfig(),
    },
    visibilityCacheMs: envMs('MEDIA_VISIBILITY_CACHE_MS', 2_000, { min: 0, max: 60_000 }),
    publicMaxAgeSeconds: envInt('MEDIA_PUBLIC_MAX_AGE_SECONDS', 60, { min: 0 }),
    postsUrl: subgraphUrls().posts,
  };
}

/** `MEDIA_STORAGE` and what it needs; also read by the seed (subgraphs/media/seed.ts), which writes files as media would. */
export function mediaStorageConfig(): StorageSettings {
  const kind = envEnum('MEDIA_STORAGE', ['disk', 's3'] as const, 'disk');
  if (kind === 'disk') {
    const dataDir = envString('DATA_DIR', path.resolve(__dirname, '..', '..', 'data'));
    return { kind, dir: path.resolve(envString('MEDIA_DIR', path.join(dataDir, 'media'))) };
  }
  const required = (name: string) => {
    const value = envString(name);
    if (!value) throw new ConfigError(`${name} must be set when MEDIA_STORAGE=s3`);
    return value;
  };
  return {
    kind,
    endpoint: envUrl('S3_ENDPOINT', 'https://s3.amazonaws.com'),
    bucket: required('S3_BUCKET'),
    region: envString('S3_REGION', 'us-east-1'),
    accessKeyId: required('S3_ACCESS_KEY_ID'),
    secretAccessKey: required('S3_SECRET_ACCESS_KEY'),
  };
}
