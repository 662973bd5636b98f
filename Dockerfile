# One image for every component; the manifests pick the subcommand
# (manager, webservice). Build: docker build -t wallet-operator:latest .
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/wallet-operator .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/wallet-operator /wallet-operator
USER 65532:65532
ENTRYPOINT ["/wallet-operator"]
