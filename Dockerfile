# One image for every KeySync process of docker-compose.yml: the API, the orchestrator worker,
# the node agents and the one-shot `prepare`. SoftHSM2 stands in for the appliances' HSMs; on a
# real appliance the node agent loads that HSM's PKCS#11 module instead (see README).
FROM node:20-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npx tsc -p tsconfig.json && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends softhsm2 opensc ca-certificates \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /var/lib/keysync && chown node:node /var/lib/keysync
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
ENV NODE_ENV=production \
    KEYSYNC_HOME=/var/lib/keysync
USER node
VOLUME ["/var/lib/keysync"]
# Each service of docker-compose.yml names its own command; this default is the node agent of node1.
CMD ["node", "--enable-source-maps", "dist/apps/worker/main.js", "--member", "node1"]
