# sluice: the two commands a newcomer runs are `make demo` and `make test`.
.PHONY: demo test bench build plugins deps services fmt lint

CARGO ?= cargo
# Plugin logic that does not need a wasm host is unit-tested natively.
HOST_TARGET := $(shell rustc -vV | sed -n 's/^host: //p')

## demo: build everything and run the quickstart (no Docker, no database server, no network).
demo: deps build
	examples/quickstart/demo.sh target/debug/sluice

## test: install what the tests need, then run every test: the library's unit tests and the one
## integration test binary (tests/all; the test plugins are built for it by tests/artifacts), then
## the plugins' own unit tests, natively.
test: services
	$(CARGO) test -p sluice --no-fail-fast
	$(CARGO) test --manifest-path plugins/Cargo.toml -p sluice-sdk -p static-site -p container -p keycloak-realm -p kong-config -p db-migrate -p cloudflare-pages -p prometheus-gate -p webhook --target $(HOST_TARGET) --target-dir target/guest-tests

## bench: build optimised and print the benchmark figures.
bench: services
	$(CARGO) bench -p sluice

## build: the sluice binary (the standard plugins are built and embedded by host/build.rs).
build: deps
	$(CARGO) build -p sluice

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
