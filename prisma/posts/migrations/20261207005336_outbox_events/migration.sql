/*
  Warnings:

  - You are about to drop the `post_events` table. If the table is not empty, all the data it contains will be lost.
    (The pull feed of post deletions becomes the outbox: media, which read post_events each second,
    has applied what it held before the upgrade stops posts, and deletions from then on are PostDeleted events.)

*/
-- DropTable
DROP TABLE "post_events";

-- DropEnum
DROP TYPE "PostEventType";

-- CreateTable
CREATE TABLE "outbox_events" (
    "position" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "aggregate_id" UUID NOT NULL,
    "sequence" INTEGER NOT NULL,
    "type" VARCHAR(100) NOT NULL,
    "version" INTEGER NOT NULL,
    "payload" JSONB NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "published_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_events_pkey" PRIMARY KEY ("position")
);

-- CreateTable
CREATE TABLE "event_sequences" (
    "aggregate_id" UUID NOT NULL,
    "last" INTEGER NOT NULL,

    CONSTRAINT "event_sequences_pkey" PRIMARY KEY ("aggregate_id")
);

-- CreateTable
CREATE TABLE "processed_events" (
    "event_id" UUID NOT NULL,
    "producer" VARCHAR(30) NOT NULL,
    "processed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "processed_events_pkey" PRIMARY KEY ("event_id")
);

-- CreateTable
CREATE TABLE "dead_letters" (
    "event_id" UUID NOT NULL,
    "producer" VARCHAR(30) NOT NULL,
    "type" VARCHAR(100) NOT NULL,
    "event" JSONB NOT NULL,
    "error" VARCHAR(1000) NOT NULL,
    "attempts" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "dead_letters_pkey" PRIMARY KEY ("event_id")
);

-- CreateTable
CREATE TABLE "event_cursors" (
    "feed" VARCHAR(100) NOT NULL,
    "position" BIGINT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "event_cursors_pkey" PRIMARY KEY ("feed")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_id_key" ON "outbox_events"("id");

-- CreateIndex
CREATE INDEX "outbox_events_published_at_position_idx" ON "outbox_events"("published_at", "position");

-- CreateIndex
CREATE INDEX "outbox_events_occurred_at_idx" ON "outbox_events"("occurred_at");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_events_aggregate_id_sequence_key" ON "outbox_events"("aggregate_id", "sequence");

-- CreateIndex
CREATE INDEX "processed_events_processed_at_idx" ON "processed_events"("processed_at");
