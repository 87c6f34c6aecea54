import sharp from 'sharp';
import type { Database } from '../../lib/data/database';
import { chunks, SEED_TRANSACTIONS, type SeedMedia, type SeedPlan } from '../../tooling/seed-plan';
import { PrismaClient } from './generated/prisma/client';
import { renderImage, type RenderedFile, type RenderedImage } from './files/images';
import { mediaStorageConfig } from './config';
import { createBlobStore } from './files/storage';
import { storeRendition } from './files/uploads';

const HUES = [210, 25, 140, 280, 350, 60, 180, 100, 320];

/** A picture to stand for a seeded image: a gradient with its caption, drawn by sharp. */
async function picture(index: number, caption: string, avatar: boolean): Promise<Buffer> {
  const [width, height] = avatar ? [400, 400] : [960, 640];
  const hue = HUES[index % HUES.length];
  const text = caption.replace(/[<&>"]/g, '');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
      <stop offset="0" stop-color="hsl(${hue},60%,35%)"/><stop offset="1" stop-color="hsl(${(hue + 60) % 360},70%,60%)"/>
    </linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/>
    <text x="50%" y="50%" font-family="sans-serif" font-size="${avatar ? 160 : 44}" fill="white" text-anchor="middle" dominant-baseline="middle">${text}</text>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

/**
 * Replaces all media records (and, with `files`, their files) with the plan's. With `files`
 * every image gets real renditions, made by the upload pipeline from a drawn picture; pictures
 * are drawn once per caption pattern and stored per record, as an upload would.
 */
export async function seedMedia(database: Database, plan: SeedPlan, { files = false } = {}): Promise<void> {
  const db = new PrismaClient({ adapter: database.adapter, transactionOptions: SEED_TRANSACTIONS });
  try {
    // The seed runs outside the service, against the store the service would use.
    const storage = mediaStorageConfig();
    const store = files ? await createBlobStore(storage) : null;
    const old = await db.rendition.findMany({ select: { key: true } });
    await db.$transaction([db.upload.deleteMany(), db.deletedPost.deleteMany(), db.eventCursor.deleteMany(), db.media.deleteMany()]);
    if (old.length) await (store ?? (await createBlobStore(storage))).delete(old.map((r) => r.key));
    if (!store) {
      for (const batch of chunks(plan.media)) await db.media.createMany({ data: batch });
      return;
    }
    const drawn = new Map<string, Promise<RenderedImage & { files: RenderedFile[] }>>();
    const render = (media: SeedMedia, index: number) => {
      const avatar = media.purpose === 'AVATAR';
      const caption = avatar ? media.alt.replace(/^Portrait of /, '').split(' ').map((w) => w[0]).join('') : media.alt.replace(/^\w+ \d+ on /, '');
      if (!drawn.has(caption)) {
        const files: RenderedFile[] = [];
        drawn.set(
          caption,
          picture(index, caption, avatar)
            .then((bytes) => renderImage(bytes, Number.MAX_SAFE_INTEGER, async (file) => void files.push(file)))
            .then((image) => ({ ...image, files })),
        );
      }
      return drawn.get(caption)!;
    };
    for (const [index, media] of plan.media.entries()) {
      const image = await render(media, index);
      const original = image.files.find((f) => f.size === 'ORIGINAL' && f.format !== 'webp')!;
      const renditions = [];
      for (const file of image.files) renditions.push(await storeRendition(store, media.id, file));
      await db.media.create({
        data: { ...media, mimeType: original.mimeType, width: image.width, height: image.height, bytes: original.data.length, renditions: { create: renditions } },
      });
    }
  } finally {
    await db.$disconnect();
  }
}
