# The app image used by docker-compose.yml. Build: docker build -t nestjs-kinesis-eda .
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# Inside a container the app listens on every interface (publishing the port is the explicit step), and
# DATA_DIR is writable by the app, which keeps its generated operations token there when OPS_TOKEN is unset.
ENV HOST=0.0.0.0
RUN mkdir -p /app/.data && chown node:node /app/.data
USER node
EXPOSE 3000
CMD ["node", "--enable-source-maps", "dist/apps/api/src/main.js"]
