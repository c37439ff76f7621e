# One image for every KeySync process of docker-compose.yml: the API, the orchestrator worker,
# the node agents and the one-shots (`keysync-pki`, `keysync-prepare`, each agent's host set-up).
# SoftHSM2 stands in for the appliances' HSMs; on a real appliance the node agent loads that HSM's
# PKCS#11 module instead (see README). openssl makes the TLS material (libs/tls). The S3 server
# (versitygw) runs in its own service and image.
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends softhsm2 opensc openssl ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /var/lib/keysync /var/lib/keysync-host && chown node:node /var/lib/keysync /var/lib/keysync-host
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# MALLOC_ARENA_MAX and the worker commands' --max-semi-space-size: the worker's memory bounds, as
# every launcher gives them (apps/stack/worker-runtime.ts says why); harmless to the API.
ENV NODE_ENV=production \
    KEYSYNC_HOME=/var/lib/keysync \
    MALLOC_ARENA_MAX=2
USER node
# /var/lib/keysync: the orchestrator's and the API's state; /var/lib/keysync-host: one node agent's
# host (its token store, PIN file), mounted by that agent only. Each service of docker-compose.yml
# names its own command; this default is a node agent from the agent configuration KEYSYNC_CONFIG names.
VOLUME ["/var/lib/keysync"]
CMD ["node", "--enable-source-maps", "--max-semi-space-size=4", "dist/apps/worker/main.js"]
