# syntax=docker/dockerfile:1
# Parley's container image: a build stage (dependencies, TypeScript and the web assets), then a
# runtime stage with production dependencies only, run as the unprivileged `node` user.
# The entry point is the `parley` command: `serve` by default; `worker` and `migrate` as roles.
# See docs/deployment.md ("Container image").

FROM node:20-slim AS build
WORKDIR /app
# The lockfile's versions, without the prepare script (it builds, and the sources come next).
# npm install rather than npm ci: some npm versions' ci rejects a lockfile written by another for
# its optional platform packages (as .ci/run notes); install keeps the locked versions all the same.
COPY package.json package-lock.json ./
RUN npm install --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY web ./web
RUN npm run build \
  && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

FROM node:20-slim AS runtime
ENV NODE_ENV=production \
    MALLOC_ARENA_MAX=2 \
    PARLEY_HOST=0.0.0.0 \
    PARLEY_PORT=8787 \
    PARLEY_DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
# The embedded database's directory (unused with DATABASE_URL), owned by the runtime user.
RUN mkdir -p /data && chown node:node /data
# node:20-slim's unprivileged user (uid 1000); Kubernetes checks runAsNonRoot against the number.
USER 1000:1000
EXPOSE 8787 9464
# Liveness: /healthz on the metrics port when one is set (where `parley worker` answers), else the API port.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const p=process.env.PARLEY_METRICS_PORT||process.env.PARLEY_PORT||8787;fetch('http://127.0.0.1:'+p+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# V8's young generation at 64 MiB a semi-space, as `npm start` runs it (docs/deployment.md).
ENTRYPOINT ["node", "--max-semi-space-size=64", "bin/parley.js"]
CMD ["serve"]
