# Multi-stage build of a static, non-root baton-azure image.
# It cannot be built on the development machines of this project (no container engine there), so it is
# kept deliberately plain: the standard Go image to build, distroless static nonroot to run.
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/baton-azure ./cmd/baton-azure

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/baton-azure /baton-azure
USER 65532:65532
ENTRYPOINT ["/baton-azure"]
