# syntax=docker/dockerfile:1
# meshbot: multi-stage, Node 24, production dependencies only, non-root, read-only-root friendly.
# Run: docker run -e SLACK_BOT_TOKEN=… -e SLACK_SIGNING_SECRET=… -v ./meshbot.yaml:/etc/meshbot/meshbot.yaml:ro IMAGE all

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY stubs ./stubs
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY jobs ./jobs
COPY schemas ./schemas
RUN npx tsc -p tsconfig.build.json

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production \
    MESHBOT_CONFIG=/etc/meshbot/meshbot.yaml \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
COPY stubs ./stubs
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force && rm -rf /root/.npm
COPY --from=build /app/dist ./dist
COPY schemas ./schemas
# The node image's unprivileged user (uid 1000). Nothing is written outside /tmp, so the root
# filesystem can be mounted read-only (Kubernetes: readOnlyRootFilesystem + an emptyDir at /tmp).
USER node
EXPOSE 3000
# Kubernetes uses the httpGet probes in deploy/ (/healthz liveness, /readyz readiness); this is for plain Docker.
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "dist/src/cli/meshbot.js"]
CMD ["all"]
