# Build stage: compile the release binary.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin trakker

# Runtime stage: the binary alone on a slim base, as an unprivileged user.
FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /data --create-home trakker
# On the PATH, so `trakker run` and `trakker migrate` (heroku.yml, docker run) find it.
COPY --from=build /src/target/release/trakker /usr/local/bin/trakker
USER trakker
# glibc gives every thread that allocates its own arena, and keeps freed memory in each: the
# charts' worker threads then hold tens of MB more than they use. Two arenas are plenty here.
ENV MALLOC_ARENA_MAX=2
# The SQLite default lives here; mount a volume to keep it: docker run -v trakker-data:/data …
# (no VOLUME instruction: Heroku's container runtime does not support it).
WORKDIR /data
# A command, not an ENTRYPOINT: Heroku and `docker run IMAGE COMMAND` replace the CMD with their
# own command, which an ENTRYPOINT would receive as arguments (`trakker trakker run`).
CMD ["trakker", "run"]
