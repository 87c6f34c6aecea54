import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { AwsClient } from 'aws4fetch';

/** An inclusive byte range of a stored file. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where media files live. Keys are chosen by the media service (`<media id>/<size>.<format>`),
 * never by a client. A stored file is visible whole or not at all.
 */
export interface BlobStore {
  /** A directory for files being received, on the same filesystem as the store where that matters. */
  readonly spoolDir: string;
  /** Stores `data` under `key`. */
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  /** Stores the local file `source` under `key`; `source` is consumed (moved or deleted). */
  putFile(key: string, source: string, contentType: string): Promise<void>;
  /** The file under `key`, or the given part of it. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  /** Deletes the files; a key that is already gone is not an error. */
  delete(keys: string[]): Promise<void>;
  /** Whether the store can be used now. */
  ping(): Promise<boolean>;
}

const KEY = /^[a-z0-9][a-z0-9._/-]{0,250}$/;
function checkedKey(key: string): string {
  if (!KEY.test(key) || key.includes('..')) throw new Error(`invalid blob key ${JSON.stringify(key)}`);
  return key;
}

/**
 * Files on local disk under `root`. A write goes to `root/.tmp` first, is flushed, and is then
 * renamed into place, so a crash mid-write leaves no partial file under a real key (and the
 * leftovers in `.tmp` are removed at the next start).
 */
export class DiskStore implements BlobStore {
  readonly spoolDir: string;

  constructor(private readonly root: string) {
    this.spoolDir = path.join(root, '.tmp');
  }

  /** Creates the spool directory and removes what a crash left there (files over an hour old: another process may be writing the rest). */
  async init(): Promise<this> {
    await mkdir(this.spoolDir, { recursive: true });
    const before = Date.now() - 3_600_000;
    for (const name of await readdir(this.spoolDir)) {
      const file = path.join(this.spoolDir, name);
      const modified = (await stat(file).catch(() => null))?.mtimeMs ?? Infinity;
      if (modified < before) await rm(file, { force: true });
    }
    return this;
  }

  private file(key: string) {
    return path.join(this.root, checkedKey(key));
  }

  async put(key: string, data: Buffer, _contentType?: string): Promise<void> {
    const temporary = path.join(this.spoolDir, randomUUID());
    try {
      const handle = await open(temporary, 'wx');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (error) {
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    await this.putFile(key, temporary);
  }

  async putFile(key: string, source: string, _contentType?: string): Promise<void> {
    const target = this.file(key);
    await mkdir(path.dirname(target), { recursive: true });
    try {
      await rename(source, target);
    } catch (error) {
      await unlink(source).catch(() => undefined);
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    const file = this.file(key);
    await stat(file); // a missing file fails here, before any byte is sent
    return createReadStream(file, range);
  }

  async delete(keys: string[]): Promise<void> {
    const directories = new Set<string>();
    for (const key of keys) {
      await rm(this.file(key), { force: true });
      directories.add(path.dirname(this.file(key)));
    }
    // A media record's directory goes with its last file.
    for (const directory of directories) {
      if (directory !== this.root && (await readdir(directory).catch(() => ['?'])).length === 0) await rm(directory, { recursive: true, force: true });
    }
  }

  async ping(): Promise<boolean> {
    return stat(this.spoolDir).then((s) => s.isDirectory(), () => false);
  }
}

export interface S3Settings {
  /** The service's origin, e.g. https://s3.eu-west-1.amazonaws.com or a MinIO server. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * An S3-compatible bucket (AWS S3, MinIO, R2, …), addressed path-style, requests signed with
 * SigV4. A PUT is atomic on S3: an object is visible whole once the request succeeds.
 */
export class S3Store implements BlobStore {
  readonly spoolDir = path.join(os.tmpdir(), 'media-spool');
  private readonly client: AwsClient;

  constructor(private readonly settings: S3Settings) {
    this.client = new AwsClient({
      accessKeyId: settings.accessKeyId,
      secretAccessKey: settings.secretAccessKey,
      region: settings.region,
      service: 's3',
      // Retrying is the caller's business: a streamed body cannot be sent twice.
      retries: 0,
    });
  }

  async init(): Promise<this> {
    await mkdir(this.spoolDir, { recursive: true });
    return this;
  }

  private url(key = '') {
    return `${this.settings.endpoint.replace(/\/$/, '')}/${encodeURIComponent(this.settings.bucket)}/${key && checkedKey(key)}`;
  }

  private async send(method: string, key: string, init: { body?: NonNullable<RequestInit['body']>; headers?: Record<string, string> } = {}, timeoutMs = 30_000) {
    // A streamed body needs `duplex: 'half'` (fetch's rule for request streams).
    const response = await this.client.fetch(this.url(key), {
      method,
      ...init,
      ...(init.body && { duplex: 'half' }),
      signal: AbortSignal.timeout(timeoutMs),
    } as RequestInit);
    if (!response.ok && !(method === 'DELETE' && response.status === 404)) {
      await response.body?.cancel();
      throw new Error(`S3 ${method} ${key} answered ${response.status}`);
    }
    return response;
  }

  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    const response = await this.send('PUT', key, { body: data, headers: { 'content-type': contentType } });
    await response.body?.cancel();
  }

  async putFile(key: string, source: string, contentType: string): Promise<void> {
    try {
      const { size } = await stat(source);
      // Streamed, not buffered: a video may be large. The payload is sent unsigned (TLS protects it).
      const body = Readable.toWeb(createReadStream(source)) as unknown as NonNullable<RequestInit['body']>;
      const response = await this.send('PUT', key, {
        body,
        headers: { 'content-type': contentType, 'content-length': String(size), 'x-amz-content-sha256': 'UNSIGNED-PAYLOAD' },
      }, 600_000);
      await response.body?.cancel();
    } finally {
      await unlink(source).catch(() => undefined);
    }
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    // The timeout covers the whole transfer: ten minutes, for a large video to a slow client.
    const response = await this.send('GET', key, range ? { headers: { range: `bytes=${range.start}-${range.end}` } } : {}, 600_000);
    return Readable.fromWeb(response.body as never);
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) await (await this.send('DELETE', key)).body?.cancel();
  }

  async ping(): Promise<boolean> {
    try {
      const response = await this.client.fetch(this.url(), { method: 'HEAD', signal: AbortSignal.timeout(5_000) });
      await response.body?.cancel();
      return response.ok;
    } catch {
      return false;
    }
  }
}

/** Which blob store, from the media config: `disk` under a folder, or an S3-compatible bucket. */
export type StorageSettings = { kind: 'disk'; dir: string } | ({ kind: 's3' } & S3Settings);

/** The store `settings` name (`MEDIA_STORAGE`: `disk` by default, or `s3`), ready to use. */
export async function createBlobStore(settings: StorageSettings): Promise<BlobStore> {
  return settings.kind === 'disk' ? new DiskStore(settings.dir).init() : new S3Store(settings).init();
}
