# sluice: the two commands a newcomer runs are `make demo` and `make test`.
.PHONY: demo test bench build dist static image plugins deps services fmt lint

CARGO ?= cargo
# Plugin logic that does not need a wasm host is unit-tested natively.
HOST_TARGET := $(shell rustc -vV | sed -n 's/^host: //p')
# The static binary: musl, with Debian's musl-gcc compiling the C of ring and the bundled SQLite.
MUSL := x86_64-unknown-linux-musl
MUSL_CC := CC_x86_64_unknown_linux_musl=musl-gcc

## demo: build everything and run the quickstart (no Docker, no database server, no network).
demo: deps build
	examples/quickstart/demo.sh target/debug/sluice

## test: install what the tests need, then run every test: the library's unit tests and the one
## integration test binary (tests/all; the test plugins are built for it by tests/artifacts), then
## the plugins' own unit tests, natively, and the SDKs' own (Python, TypeScript). The static
## binary (`make static`) is built first: the tests run it with no Rust toolchain on PATH and
## inside the image. A failing test's message is what tells why; a backtrace of the test's own
## assertion would push it out of CI's excerpt.
test: services static
	RUST_BACKTRACE=0 $(CARGO) test -p sluice --no-fail-fast
	$(CARGO) test --manifest-path plugins/Cargo.toml -p sluice-sdk -p static-site -p container -p keycloak-realm -p kong-config -p db-migrate -p cloudflare-pages -p prometheus-gate -p webhook -p swarm-service -p s3-static --target $(HOST_TARGET) --target-dir target/guest-tests
	python3 -m unittest discover -s sdk/python/tests
	node sdk/js/tests/run.mjs

## bench: build optimised and print the benchmark figures (with the static binary's size and
## start-up time and the image's size).
bench: services image
	$(CARGO) bench -p sluice

## build: the sluice binary (the standard plugins are built and embedded by host/build.rs).
build: deps
	$(CARGO) build -p sluice

## dist: dist/sluice, a static binary for any x86_64 Linux (musl, the standard plugins embedded).
dist: deps
	scripts/ensure-musl.sh
	$(MUSL_CC) $(CARGO) build --release -p sluice --bin sluice --target $(MUSL)
	mkdir -p dist
	cp target/$(MUSL)/release/sluice dist/sluice

## static: the same static binary unoptimised, for the tests (target/$(MUSL)/debug/sluice).
static: deps
	scripts/ensure-musl.sh
	$(MUSL_CC) $(CARGO) build -p sluice --bin sluice --target $(MUSL)

## image: the image sluice:dev, FROM scratch around dist/sluice (see Dockerfile).
image: dist services
	scripts/build-image.sh dist/sluice sluice:dev

## plugins: only the guest workspace (standard plugins, SDK, test plugins) for wasm32-wasip2.
plugins: deps
	$(CARGO) build --release --workspace --target wasm32-wasip2 --manifest-path plugins/Cargo.toml --target-dir target/guests

## deps: the toolchain pieces a fresh machine lacks.
deps:
	scripts/ensure-deps.sh

## services: deps, plus a running Docker Engine, caddy and busybox-static (installed when missing).
services:
	SLUICE_SERVICES=1 scripts/ensure-deps.sh

fmt:
	$(CARGO) fmt --all
	$(CARGO) fmt --all --manifest-path plugins/Cargo.toml

lint:
	$(CARGO) clippy -p sluice --all-targets -- -D warnings
