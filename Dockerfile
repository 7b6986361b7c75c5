# RestyLab in one image: `docker build -t restylab . && docker run -p 8080:8080 -v restylab-data:/data restylab`
# serves the lab on port 8080 with every workspace kept in the volume.

# 1. The front end (TypeScript, CodeMirror) bundled by esbuild.
FROM node:20-bookworm-slim AS frontend
WORKDIR /src/web/frontend
COPY web/frontend/package.json web/frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/frontend/ ./
RUN mkdir -p ../static/dist && npm run build

# 2. The one Go binary, with the bundle embedded.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
COPY third_party/ third_party/
RUN go mod download
COPY . .
COPY --from=frontend /src/web/static/dist/ web/static/dist/
RUN CGO_ENABLED=0 go build -trimpath -o /out/restylab ./cmd/restylab

# 3. A small runtime: the lab re-executes its own binary for each learner's
#    sandboxed instance, so nothing else is needed.
FROM debian:bookworm-slim
COPY --from=build /out/restylab /usr/local/bin/restylab
RUN mkdir /data && chown 65534:65534 /data
USER 65534:65534
VOLUME /data
EXPOSE 8080
ENTRYPOINT ["restylab", "serve", "--addr", ":8080", "--data", "/data"]
