# syntax=docker/dockerfile:1
#
# One image for every Crosscanal process: the gateway, the five subgraphs, the four legacy
# stand-ins and the demo data generator. The command picks the process, e.g.
#   docker run crosscanal node subgraphs/pos/index.js
# (docker-compose.yml runs each of them). The sources are compiled with tsc, so the final
# image runs plain `node` on JavaScript: no tsx, no TypeScript, no dev dependencies.

# Dependencies as the lock file has them, dev tooling included (tsc).
FROM node:24.21.0-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# Compiles with the project's own tsconfig.json (the same type-check as `npm test`), then puts
# the files the code reads at run time beside the modules that read them, where they are in
# the repository: each subgraph's schema.graphql (`new URL('./schema.graphql', import.meta.url)`),
# subgraphs/shared/access.graphql, the crosswalk's migrations/*.sql, the gateway's
# safelists/*.json and schema/supergraph.graphql. The output mirrors the repository's layout
# (rootDir "."), so relative paths hold in the image as they do in a checkout.
FROM deps AS build
COPY tsconfig.json ./
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY legacy ./legacy
COPY schema ./schema
COPY utilities ./utilities
COPY scripts ./scripts
COPY test ./test
COPY bench ./bench
RUN npx tsc -p tsconfig.json --outDir dist --sourceMap false \
 && find gateway subgraphs legacy schema utilities -type f \( -name '*.graphql' -o -name '*.sql' -o -name '*.json' \) -exec cp --parents '{}' dist/ ';' \
 && rm -rf dist/test dist/bench dist/scripts \
 && find dist -name '*.test.js' -delete

# Production dependencies only.
FROM node:24.21.0-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24.21.0-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
# package.json for "type": "module"; code and modules stay owned by root, read-only to the
# process. data/ is the one writable folder: the demo estate (a volume in docker-compose.yml).
COPY package.json ./
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./
RUN mkdir -p /app/data && chown node:node /app/data
USER node
EXPOSE 4000
CMD ["node", "gateway/index.js"]
