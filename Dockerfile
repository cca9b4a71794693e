# The companion (service/) as a container. UNTESTED: no container engine was available where
# this was written; every step mirrors what `npm start` does on a plain host.
#
#   docker build -t iframe-auth-bridge .
#   docker run --env-file .env -p 3000:3000 -v bridge-data:/app/data iframe-auth-bridge
#   docker run --rm --env-file .env iframe-auth-bridge node node_modules/tsx/dist/cli.mjs service/cli/doctor.ts
#
# Put a TLS-terminating proxy in front (deploy/nginx.conf) and set TRUST_PROXY accordingly.

# ── Stage 1: production dependencies only ────────────────────────────────────────────────
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# tsx is a runtime dependency (the service runs from TypeScript), so --omit=dev keeps it.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# ── Stage 2: runtime ─────────────────────────────────────────────────────────────────────
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    LOCAL_USERS_FILE=/app/data/users.json
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --chown=root:root package.json tsconfig.json ./
COPY --chown=root:root service ./service
# The companion imports the shared contract (claims, replies, back-channel) from app/contract.
COPY --chown=root:root app/contract ./app/contract
# Code stays root-owned and read-only to the process; only the data directory is writable
# (local users when IDENTITY_SOURCE=local without MongoDB).
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 3000
# Liveness only (/healthz); /readyz also checks the App or MongoDB, which an orchestrator
# should use for readiness, not for restarts.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# What `npm start` runs, without npm in between: npm does not pass SIGTERM on reliably, and the
# server's close-with-grace needs it to drain connections.
CMD ["node", "node_modules/tsx/dist/cli.mjs", "service/server.ts"]
