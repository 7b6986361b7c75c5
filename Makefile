# RestyLab: see README.md. `make run` serves the example; `make test` is CI's test command.
GO ?= go

.PHONY: build run test check bench fmt

build:
	$(GO) build -o bin/restylab ./cmd/restylab

run: build
	mkdir -p examples/logs
	./bin/restylab run -p examples -c examples/sleep.conf --trace -

# check: formatting and vet; test: check plus every test with the race detector
# (the differential suite runs real nginx when it is installed).
check:
	@unformatted=$$(gofmt -l $$(git ls-files '*.go') 2>/dev/null); \
	if [ -n "$$unformatted" ]; then echo "gofmt needed: $$unformatted"; exit 1; fi
	$(GO) vet ./...

test: check
	$(GO) test -race -count=1 -timeout 20m ./...

bench:
	bash bench/run.sh

fmt:
	gofmt -w $$(git ls-files '*.go')
