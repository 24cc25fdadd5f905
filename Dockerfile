# Image of the S3 Gateway for compose.yaml. Bun comes from the project's npm dependencies, so
# the image needs only Node.js and npm to install them.
FROM node:22.12.0-bookworm-slim

WORKDIR /app
COPY package.json package-lock.json ./
# Development dependencies stay in: Bun itself is one of them.
RUN npm ci --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY templates ./templates
COPY static ./static
COPY drizzle ./drizzle
COPY tsconfig.json ./

RUN mkdir /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 7070 7071
ENTRYPOINT ["bin/s3gateway"]
CMD ["serve"]
