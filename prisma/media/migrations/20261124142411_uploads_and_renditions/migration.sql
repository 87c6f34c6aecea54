-- CreateEnum
CREATE TYPE "RenditionSize" AS ENUM ('THUMB', 'SMALL', 'LARGE', 'ORIGINAL');

-- CreateTable
CREATE TABLE "renditions" (
    "media_id" UUID NOT NULL,
    "size" "RenditionSize" NOT NULL,
    "format" VARCHAR(10) NOT NULL,
    "mime_type" VARCHAR(100) NOT NULL,
    "width" INTEGER,
    "height" INTEGER,
    "bytes" BIGINT NOT NULL,
    "sha256" CHAR(64) NOT NULL,
    "key" VARCHAR(300) NOT NULL,

    CONSTRAINT "renditions_pkey" PRIMARY KEY ("media_id","size","format")
);

-- CreateTable
CREATE TABLE "uploads" (
    "id" UUID NOT NULL DEFAULT gen_random_uuid(),
    "token_hash" CHAR(64) NOT NULL,
    "owner_id" UUID NOT NULL,
    "post_id" UUID,
    "purpose" "MediaPurpose" NOT NULL,
    "kind" "MediaKind" NOT NULL,
    "mime_type" VARCHAR(100) NOT NULL,
    "bytes" INTEGER NOT NULL,
    "alt" VARCHAR(500),
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "uploads_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "deleted_posts" (
    "post_id" UUID NOT NULL,
    "deleted_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deleted_posts_pkey" PRIMARY KEY ("post_id")
);

-- CreateTable
CREATE TABLE "event_cursors" (
    "feed" VARCHAR(100) NOT NULL,
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "event_cursors_pkey" PRIMARY KEY ("feed")
);

-- CreateIndex
CREATE UNIQUE INDEX "uploads_token_hash_key" ON "uploads"("token_hash");

-- CreateIndex
CREATE INDEX "uploads_expires_at_idx" ON "uploads"("expires_at");

-- AddForeignKey
ALTER TABLE "renditions" ADD CONSTRAINT "renditions_media_id_fkey" FOREIGN KEY ("media_id") REFERENCES "media"("id") ON DELETE CASCADE ON UPDATE CASCADE;
