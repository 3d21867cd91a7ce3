# sluice as an image: the static binary and CA certificates, FROM scratch, nothing else.
# `make image` builds it around dist/sluice (scripts/build-image.sh gathers the context):
#
#   docker run --rm -v "$PWD:/work" sluice:dev validate
#   docker run --rm -v "$PWD:/work" sluice:dev plan --env staging --version v1.2.3
#
# The plan's folder is mounted at /work. Compiled plugins are cached under $HOME/.cache/sluice
# (mount a volume at /tmp/.cache to keep them between runs).
FROM scratch
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY sluice /usr/local/bin/sluice
# scratch has no /tmp and no home: WORKDIR makes the folder.
WORKDIR /tmp
ENV HOME=/tmp PATH=/usr/local/bin
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/sluice"]
