# berth's container image, also the GitHub Action's runtime: a static musl
# binary on an empty base. No shell, no WORKDIR reliance, no USER (GitHub runs
# Docker actions as root with the workspace mounted), absolute ENTRYPOINT.

FROM rust:1.95-alpine3.22 AS build
# musl-dev: the C runtime the static link needs (mimalloc and ring, the TLS
# crypto, are built with cc). TLS roots are compiled in: scratch has no CA store.
RUN apk add --no-cache musl-dev=~1.2
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
RUN cargo build --release --locked --bin berth \
    && strip target/release/berth \
    && cp target/release/berth /berth

FROM scratch
COPY --from=build /berth /berth
ENTRYPOINT ["/berth"]
CMD ["check", "--help"]
