# RestyLab in one image:
#   docker build -t restylab . && docker run -p 8080:8080 -v restylab-data:/data restylab
# serves the lab on port 8080 with every workspace kept in the volume. Every
# `restylab serve` flag is also a RESTYLAB_* variable (docker run -e
# RESTYLAB_MAX_INSTANCES=60 ...); deploy/compose.yaml has the recommended
# limits; docs/operations.md explains bind mounts and cgroups.
#
# Base images are pinned to exact versions: Go as go.mod's `go` line (an
# older image would download a toolchain at build time; GOTOOLCHAIN=local
# makes that an error instead), Node as CI builds the front end with.
# .ci/docker-stages runs these stages' commands outside Docker and checks
# the pins against go.mod.

# 1. The front end (TypeScript, CodeMirror) bundled by esbuild.
FROM node:20.20.2-bookworm-slim AS frontend
WORKDIR /src/web/frontend
COPY web/frontend/package.json web/frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY web/frontend/ ./
RUN mkdir -p ../static/dist && npm run build

# 2. The one Go binary, static, with the bundle embedded.
FROM golang:1.26.8-bookworm AS build
ENV GOTOOLCHAIN=local CGO_ENABLED=0
WORKDIR /src
COPY go.mod go.sum ./
COPY third_party/ third_party/
RUN go mod download
COPY . .
COPY --from=frontend /src/web/static/dist/ web/static/dist/
RUN go build -trimpath -o /out/restylab ./cmd/restylab

# 3. A small runtime: the lab re-executes its own binary for each learner's
#    sandboxed instance, so nothing else is needed. It runs as nobody
#    (65534): a bind-mounted /data must be writable by that uid.
FROM debian:12.11-slim
COPY --from=build /out/restylab /usr/local/bin/restylab
RUN mkdir /data && chown 65534:65534 /data
USER 65534:65534
VOLUME /data
ENV RESTYLAB_ADDR=:8080 RESTYLAB_DATA=/data
EXPOSE 8080
# `restylab healthcheck` GETs /healthz of the lab at $RESTYLAB_ADDR (no curl in the image).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 CMD ["restylab", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["restylab", "serve"]
