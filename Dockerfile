# One Dockerfile for every service of the graph; the build argument SERVICE picks which one the image runs.
#
#   docker build --platform linux/amd64 --build-arg SERVICE=users -t registry.example.com/federated-graph/users:1.4.0 .
#
# SERVICE is bff-web, bff-mobile, users, posts or media. Every image holds the whole (small) codebase, so the
# migration job of a subgraph runs from that subgraph's own image, and a release's migrations ship with the
# code that needs them:
#
#   docker run --rm -e USERS_DATABASE_URL=postgresql://… <users image> \
#     node --import tsx scripts/prisma.ts users migrate deploy
#
# The services run their TypeScript through tsx, as under npm start and in the tests (README, Deploying).

ARG NODE_IMAGE=node:20.20-bookworm-slim

# --- build: every dependency, generated code, the web app; then the dev dependencies are dropped ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY . .
# npm 11, as the project is developed with: it runs only the install scripts package.json's allowScripts
# approves (npm 10, which Node 20 ships, would run Prisma's, which download engines the project never uses).
# npm ci's postinstall generates the Prisma clients and the resolver types.
RUN npm install -g npm@11.19.1 --no-audit --no-fund \
 && npm ci --no-audit --no-fund \
 && npm run build \
 && npm prune --omit=dev --no-audit --no-fund \
 && npm cache clean --force

# --- runtime: production dependencies and the built app only, owned by root, run as an unprivileged user ---
FROM ${NODE_IMAGE}
ARG SERVICE
RUN case " bff-web bff-mobile users posts media " in \
      *" ${SERVICE} "*) ;; \
      *) echo "build with --build-arg SERVICE=<bff-web|bff-mobile|users|posts|media>" >&2; exit 1 ;; \
    esac \
 && mkdir -p /data \
 && chown node:node /data
WORKDIR /app
# Owned by root and not writable by the service: it writes only to /tmp (tsx's cache, media's upload
# spool) and, for media on disk storage, under DATA_DIR.
COPY --from=build /app /app
ENV NODE_ENV=production \
    SERVICE=${SERVICE} \
    HOST=0.0.0.0 \
    DATA_DIR=/data
USER node
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "--import", "tsx", "tooling/healthcheck.ts", "/health"]
# node itself, not npm: the service gets SIGTERM directly and drains (lib/http/main.ts).
CMD ["node", "--import", "tsx", "tooling/service.ts"]
