-- CreateEnum
CREATE TYPE "RevocationReason" AS ENUM ('DELETED', 'ROLE_CHANGED', 'SIGNED_OUT', 'REUSED');

-- CreateTable
CREATE TABLE "session_revocations" (
    "position" BIGSERIAL NOT NULL,
    "user_id" UUID,
    "session_id" UUID,
    "not_before" TIMESTAMPTZ(3) NOT NULL,
    "reason" "RevocationReason" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "session_revocations_pkey" PRIMARY KEY ("position")
);

-- CreateIndex
CREATE INDEX "session_revocations_user_id_idx" ON "session_revocations"("user_id");

-- CreateIndex
CREATE INDEX "session_revocations_created_at_idx" ON "session_revocations"("created_at");
