-- CreateEnum
CREATE TYPE "PostEventType" AS ENUM ('DELETED');

-- CreateTable
CREATE TABLE "post_events" (
    "position" BIGSERIAL NOT NULL,
    "type" "PostEventType" NOT NULL,
    "post_id" UUID NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "post_events_pkey" PRIMARY KEY ("position")
);

-- CreateIndex
CREATE INDEX "post_events_created_at_idx" ON "post_events"("created_at");
