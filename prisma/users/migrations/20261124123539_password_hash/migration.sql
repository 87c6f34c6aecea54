-- Accounts get passwords. Rows that exist already get "!", which no password matches
-- (verifyPassword only accepts scrypt$… hashes): they cannot sign in until an admin resets them.
ALTER TABLE "users" ADD COLUMN "password_hash" VARCHAR(200) NOT NULL DEFAULT '!';
ALTER TABLE "users" ALTER COLUMN "password_hash" DROP DEFAULT;
