# Targets are what CI runs. `make run` starts the product with embedded
# defaults; `make test` runs every test (PostgreSQL half skipped, loudly, when
# no server is reachable unless SWITCHBOARD_REQUIRE_POSTGRES=1).
GO ?= go
PKGS := ./...
BENCHTIME ?= 1s

.PHONY: run build test stress lint vet fmt-check tidy-check bench bench-ci scale fuzz web-deps web-build web-check web-test

run:
	$(GO) run ./cmd/switchboard serve

build:
	$(GO) build -o bin/switchboard ./cmd/switchboard

# The PostgreSQL half runs against SWITCHBOARD_TEST_POSTGRES. Unset, `test`
# and `stress` use TEST_POSTGRES_DEFAULT when pg_isready says a server answers
# there, and otherwise say in a banner that the half is skipped (go test
# prints no skip without -v).
TEST_POSTGRES_DEFAULT ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable
PG_ENV = if [ -z "$$SWITCHBOARD_TEST_POSTGRES" ]; then \
		if pg_isready -q -d "$(TEST_POSTGRES_DEFAULT)" 2>/dev/null; then \
			export SWITCHBOARD_TEST_POSTGRES="$(TEST_POSTGRES_DEFAULT)"; \
		else \
			echo "make: ************************************************************"; \
			echo "make: PostgreSQL half SKIPPED: no PostgreSQL answers at"; \
			echo "make:   $(TEST_POSTGRES_DEFAULT)"; \
			echo "make: set SWITCHBOARD_TEST_POSTGRES=postgres://... to run it"; \
			echo "make: ************************************************************"; \
		fi; \
	fi; \
	if [ -n "$$SWITCHBOARD_TEST_POSTGRES" ]; then echo "make: PostgreSQL half against $$SWITCHBOARD_TEST_POSTGRES"; fi

test: lint
	@$(PG_ENV); \
	$(GO) test -race -count=1 -timeout 20m $(PKGS)
	@$(MAKE) --no-print-directory web-test

# The browser app (web/, docs/web.md). Its build (web/dist) is committed so
# that `go build` needs no Node.js; web-check rebuilds it from the locked
# packages and fails when it, or the API types generated from the OpenAPI
# document, differ from what is committed. web-test runs the Vitest unit
# tests and the browser test (playwright-core driving Debian's chromium
# against a real `switchboard serve` and an fssim node). Without npm or
# chromium the web half is skipped with a banner, unless
# SWITCHBOARD_REQUIRE_WEB=1 (CI), then it fails.
CHROMIUM ?= /usr/bin/chromium
WEB_ENV = if ! command -v npm >/dev/null 2>&1 || [ ! -x "$(CHROMIUM)" ]; then \
		echo "make: ************************************************************"; \
		echo "make: web half SKIPPED: it needs npm (Node.js 20) and $(CHROMIUM)"; \
		echo "make:   (apt-get install chromium); SWITCHBOARD_REQUIRE_WEB=1 fails instead"; \
		echo "make: ************************************************************"; \
		[ "$$SWITCHBOARD_REQUIRE_WEB" = 1 ] && exit 1; exit 0; \
	fi

web-deps:
	cd web && npm ci --no-audit --no-fund --loglevel=error

web-build: web-deps
	cd web && npm run gen:api && nice npm run build

web-check: web-build
	@stale=$$(git status --porcelain -- web/dist web/src/api/schema.d.ts); \
	if [ -n "$$stale" ]; then echo "$$stale"; \
		echo "web/dist or web/src/api/schema.d.ts differs from its source: run 'make web-build' and commit them"; exit 1; fi

web-test:
	@$(WEB_ENV); \
	$(MAKE) --no-print-directory web-check && \
	(cd web && nice npm test) && \
	$(GO) build -o bin/switchboard-e2e ./cmd/switchboard && \
	(cd web && SWITCHBOARD_BIN=$(CURDIR)/bin/switchboard-e2e CHROMIUM=$(CHROMIUM) npm run e2e)

# The suite as CI's shared two cores see it at their worst: -race, every test
# STRESS_COUNT times, while STRESS_HOGS busy loops keep both cores full. A test
# that waits for a fixed time instead of the event it needs fails here first.
STRESS_COUNT ?= 3
STRESS_HOGS ?= 2
stress:
	@$(PG_ENV); \
	hogs=""; for i in $$(seq 1 $(STRESS_HOGS)); do sh -c 'while :; do :; done' & hogs="$$hogs $$!"; done; \
	trap 'kill $$hogs 2>/dev/null' EXIT INT TERM; \
	echo "stress: $(STRESS_HOGS) CPU hogs, -race -count=$(STRESS_COUNT)"; \
	$(GO) test -race -count=$(STRESS_COUNT) -timeout 60m $(PKGS)

lint: vet fmt-check tidy-check

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# go.mod and go.sum must be exactly what `go mod tidy` writes: no unused
# modules, direct requirements not marked indirect. Prints the diff and fails.
tidy-check:
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run 'go mod tidy'"; exit 1; }

bench:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(PKGS)

# Benchmarks only prove they still run in CI.
bench-ci:
	$(GO) test -run '^$$' -bench . -benchmem -benchtime 1x $(PKGS)

# One controller's scale (README, Performance): BenchmarkControllerCPU with
# fssim's nodes in a process of their own, SCALE_NODES nodes, SCALE_AGENTS
# agents logged in, SCALE_CALLS calls at each of SCALE_RATES calls/s, agents
# talking SCALE_HOLD. Minutes of full load on both cores: not run by CI
# (bench-ci runs the same benchmark on a small world, one call).
SCALE_NODES ?= 20
SCALE_AGENTS ?= 10000
SCALE_RATES ?= 100,300,600
SCALE_HOLD ?= 5s
SCALE_CALLS ?= 6000
scale:
	SWITCHBOARD_BENCH_NODES=$(SCALE_NODES) SWITCHBOARD_BENCH_AGENTS=$(SCALE_AGENTS) \
	SWITCHBOARD_BENCH_RATES=$(SCALE_RATES) SWITCHBOARD_BENCH_HOLD=$(SCALE_HOLD) \
	nice $(GO) test -run '^$$' -bench '^BenchmarkControllerCPU$$' -benchtime $(SCALE_CALLS)x -timeout 60m ./cmd/switchboard/

# Every fuzz target for FUZZTIME each (the seed corpora in testdata/fuzz run
# in `make test` anyway). New crashers land in testdata/fuzz: keep them.
FUZZTIME ?= 10s
fuzz:
	@for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
			echo "== $$pkg $$f"; \
			$(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
		done; \
	done
