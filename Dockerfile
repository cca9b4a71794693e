# The companion (service/) as a container: compiled in a build stage, run on Node 24 LTS with
# production dependencies only and no TypeScript at run time. UNTESTED here (no container engine
# where this is developed); test/service/build.test.ts runs the same compiled server on plain node.
#
#   docker build -t iframe-auth-bridge .
#   docker run --env-file .env -p 3001:3001 -v bridge-data:/app/data iframe-auth-bridge
#   docker run --rm --env-file .env iframe-auth-bridge node build/js/service/cli/doctor.js
#   docker run --rm -i --env-file .env -v bridge-data:/app/data iframe-auth-bridge \
#     node build/js/service/cli/users.js add alice --email alice@example.com --name Alice --password-stdin
#
# Put a TLS-terminating proxy in front (deploy/nginx.conf) and set TRUST_PROXY accordingly.

# ── Stage 1: compile ─────────────────────────────────────────────────────────────────────
FROM node:24-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
# Dev dependencies hold the compiler; their install scripts (Chromium, Deno) are not needed to build.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs ./scripts/
COPY service ./service
COPY app/contract ./app/contract
RUN npm run build

# ── Stage 2: production dependencies only ────────────────────────────────────────────────
FROM node:24-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# ── Stage 3: runtime ─────────────────────────────────────────────────────────────────────
FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3001 \
    LOCAL_USERS_FILE=/app/data/users.json
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json ./
COPY --from=build --chown=root:root /src/build/js ./build/js
# Code stays root-owned and read-only to the process; only the data directory is writable
# (local users when IDENTITY_SOURCE=local without MongoDB).
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3001
# Liveness only (/healthz); /readyz also checks the App or MongoDB, which an orchestrator
# should use for readiness, not for restarts.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3001)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# What `npm start` runs, without npm in between: npm does not pass SIGTERM on reliably, and the
# server's close-with-grace needs it to drain connections.
CMD ["node", "build/js/service/server.js"]
