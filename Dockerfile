# One image for all four services; compose.yaml (or `docker run IMAGE <product>`) picks which
# executable runs: order-service, payment-service, inventory-service or projection-service.

# ---- build ------------------------------------------------------------------------------------
FROM swift:6.1-bookworm AS build

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librabbitmq-dev libsqlite3-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /build

# Resolve the dependencies in a layer of their own, reused while Package.swift is unchanged.
COPY Package.swift ./
RUN swift package resolve

COPY . .
RUN swift build -c release --static-swift-stdlib

# Stage the four executables, and any resource bundles (looked up beside the executable).
RUN mkdir -p /staging/resources \
    && bin="$(swift build -c release --show-bin-path)" \
    && for product in order-service payment-service inventory-service projection-service; do \
           cp "$bin/$product" /staging/; \
       done \
    && find "$bin" -maxdepth 1 -name '*.resources' -exec cp -R {} /staging/resources/ \;

# ---- runtime ----------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime

# librabbitmq4 and libsqlite3-0: the AMQP client and the store; curl: the health checks.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        librabbitmq4 libsqlite3-0 ca-certificates tzdata curl \
    && rm -rf /var/lib/apt/lists/*

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
