# One image for all four services; compose.yaml (or `docker run IMAGE <product>`) picks which
# executable runs: order-service, payment-service, inventory-service or projection-service.
#
# The base images are build arguments so that a machine without access to Docker Hub can build
# this same file from local stand-ins (scripts/container/base-images.sh); by default they are the
# upstream images. The builder must be Swift 6.3, the version the project is developed with.
ARG BUILDER_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---- build ------------------------------------------------------------------------------------
FROM ${BUILDER_IMAGE} AS build

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librabbitmq-dev libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Resolve the dependencies in a layer of their own, reused while Package.swift is unchanged.
COPY Package.swift ./
RUN swift package resolve

COPY . .

# Only the four service products: a plain `swift build` would also build the test support
# target, which imports Testing, absent from the static SDK. The Swift runtime is linked in
# statically; the binaries are stripped, then staged with any resource bundles (looked up
# beside the executable).
RUN for product in order-service payment-service inventory-service projection-service; do \
        swift build -c release --static-swift-stdlib --product "$product" || exit 1; \
    done \
    && bin="$(swift build -c release --show-bin-path)" \
    && mkdir -p /staging/resources \
    && for product in order-service payment-service inventory-service projection-service; do \
           strip --strip-unneeded -o "/staging/$product" "$bin/$product" || exit 1; \
       done \
    && find "$bin" -maxdepth 1 -name '*.resources' -exec cp -R {} /staging/resources/ \;

# ---- runtime ----------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime

# What the binaries load besides libc (see `ldd`): librabbitmq4 (the AMQP client, with
# libssl3) and libsqlite3-0 (the store); curl serves the health checks. No TLS and no time zones
# are used, so neither ca-certificates nor tzdata is installed. apt's lists and caches go.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librabbitmq4 libsqlite3-0 curl \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*

# A non-root user owns /data, where each service keeps its SQLite store (a volume in compose).
RUN useradd --system --user-group --uid 10001 --home-dir /app --create-home saga \
    && mkdir /data \
    && chown saga:saga /data

COPY --from=build /staging/order-service /usr/local/bin/order-service
COPY --from=build /staging/payment-service /usr/local/bin/payment-service
COPY --from=build /staging/inventory-service /usr/local/bin/inventory-service
COPY --from=build /staging/projection-service /usr/local/bin/projection-service
COPY --from=build /staging/resources/ /usr/local/bin/

USER saga:saga
WORKDIR /app

ENV LOG_FORMAT=json \
    HTTP_HOST=0.0.0.0

VOLUME ["/data"]
EXPOSE 8081 8082 8083 8084
STOPSIGNAL SIGTERM
