# RestyLab: see README.md. `make run` serves the lab; `make test` is CI's test command.
GO ?= go
FRONTEND := web/frontend
DIST := web/static/dist

.PHONY: build run run-engine web generate test check bench fmt docker-stages

build: web
	$(GO) build -o bin/restylab ./cmd/restylab

# run: the browser lab on http://localhost:8080/
run: build
	./bin/restylab serve --addr :8080

# run-engine: the engine alone on an example config, printing its trace
run-engine: build
	mkdir -p examples/logs
	./bin/restylab run -p examples -c examples/sleep.conf --trace -

# web: the TypeScript front end, bundled by esbuild into $(DIST) (embedded by go build)
web: $(DIST)/app.js

$(FRONTEND)/node_modules/.package-lock.json: $(FRONTEND)/package-lock.json $(FRONTEND)/package.json
	cd $(FRONTEND) && npm ci --no-audit --no-fund --loglevel=error

$(DIST)/app.js: $(FRONTEND)/node_modules/.package-lock.json $(FRONTEND)/build.mjs $(shell find $(FRONTEND)/src -type f 2>/dev/null)
	cd $(FRONTEND) && npm run --silent build

# generate: templ components (the generated files are committed; CI checks they are current)
generate:
	$(GO) tool templ generate -path web/views

# check: formatting and vet; test: check, the front end's own tests, then
# every Go test with the race detector (the differential suite runs real
# nginx, the browser tests run Debian's chromium when it is installed).
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

test: web check
	cd $(FRONTEND) && npm test --silent
	$(GO) test -race -count=1 -timeout 25m ./...
	cd third_party/gopher-lua && $(GO) test -count=1 ./...

bench:
	bash bench/run.sh

# docker-stages: the Dockerfile's stages built and run outside Docker (as root: the runtime runs as uid 65534)
docker-stages:
	bash .ci/docker-stages

fmt:
	gofmt -w $$(git ls-files '*.go')
