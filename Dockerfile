# A container image of sluice, for sharded scans on Kubernetes (README: Scaling out) or
# anywhere else: `docker build -t sluice .`, then `docker run --rm -v "$PWD:/scan:ro" sluice scan /scan`.
# The build stage makes the Debian package exactly as the tests do (cmake, cpack -G DEB, which
# derives the package's dependencies from the binary); the image installs it on Debian 12.
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake ninja-build pkg-config git ca-certificates dpkg-dev file \
      libvectorscan-dev libtbb-dev libre2-dev libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libfmt-dev \
      libxxhash-dev libarchive-dev libzstd-dev zlib1g-dev libbz2-dev libgit2-dev libdeflate-dev liblzma-dev \
      libssl-dev libcurl4-openssl-dev help2man python3 \
    && rm -rf /var/lib/apt/lists/*
COPY . /src
RUN cmake -S /src -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DSLUICE_BUILD_TESTS=OFF -DSLUICE_BUILD_BENCH=OFF \
    && cmake --build /build \
    && cd /build && cpack -G DEB -B /out

FROM debian:12-slim
COPY --from=build /out/sluice_*.deb /tmp/
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends /tmp/sluice_*.deb \
    && rm -rf /var/lib/apt/lists/* /tmp/sluice_*.deb \
    && useradd --system --uid 10001 --no-create-home sluice
USER sluice
ENTRYPOINT ["sluice"]
CMD ["--help"]
