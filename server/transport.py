"""TLS for the server and for the command-line clients.

The server listens in plaintext unless a certificate and key are configured;
with a client CA as well it asks every client for a certificate that CA signed
(mutual TLS). Clients (``handoff replay``, ``handoff metrics``) connect with
``--ca`` (and ``--cert``/``--key`` for mutual TLS) and send ``--api-key``.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc

from server.errors import HandoffError, InvalidArgumentError, UnavailableError


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as e:
        raise InvalidArgumentError(f"cannot read the {what} {path}: {e}") from e


def server_credentials(cert: Path, key: Path, client_ca: Path | None = None) -> grpc.ServerCredentials:
    pair = (_read(key, "TLS key (HANDOFF_TLS_KEY)"), _read(cert, "TLS certificate (HANDOFF_TLS_CERT)"))
    ca = _read(client_ca, "client CA (HANDOFF_TLS_CLIENT_CA)") if client_ca is not None else None
    return grpc.ssl_server_credentials([pair], root_certificates=ca, require_client_auth=ca is not None)


def client_credentials(ca: Path | None, cert: Path | None = None, key: Path | None = None) -> grpc.ChannelCredentials:
    if (cert is None) != (key is None):
        raise InvalidArgumentError("give both --cert and --key (a client certificate for mutual TLS), or neither")
    return grpc.ssl_channel_credentials(
        root_certificates=_read(ca, "CA certificate") if ca is not None else None,
        private_key=_read(key, "client key") if key is not None else None,
        certificate_chain=_read(cert, "client certificate") if cert is not None else None,
    )


def add_client_arguments(parser: argparse.ArgumentParser) -> None:
    """--tls/--ca/--cert/--key and --api-key, for a command that talks to the server."""
    parser.add_argument("--tls", action="store_true", help="connect with TLS (implied by --ca or --cert)")
    parser.add_argument("--ca", type=Path, help="CA certificate (PEM) the server's certificate is signed by")
    parser.add_argument("--cert", type=Path, help="client certificate (PEM), for mutual TLS")
    parser.add_argument("--key", type=Path, help="client private key (PEM), for mutual TLS")
    parser.add_argument("--api-key", default=os.environ.get("HANDOFF_API_KEY", ""),
                        help="API key sent as 'authorization: Bearer' (env HANDOFF_API_KEY)")


class _ApiKey(grpc.AuthMetadataPlugin):
    def __init__(self, key: str) -> None:
        self.key = key

    def __call__(self, context: grpc.AuthMetadataContext, callback: grpc.AuthMetadataPluginCallback) -> None:
        callback((("authorization", f"Bearer {self.key}"),), None)


class _KeyInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
                      grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """The key on a plaintext channel (gRPC sends call credentials only over TLS)."""

    def __init__(self, key: str) -> None:
        self.metadata = (("authorization", f"Bearer {key}"),)

    def _details(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        return details._replace(metadata=(*(details.metadata or ()), *self.metadata))  # type: ignore[attr-defined]

    def intercept_unary_unary(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, requests):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):  # type: ignore[no-untyped-def]
        return continuation(self._details(details), requests)


def open_channel(target: str, args: argparse.Namespace) -> grpc.Channel:
    """A blocking channel to ``target`` as the client arguments ask: TLS or not, with a key or not."""
    tls = args.tls or args.ca is not None or args.cert is not None
    if tls:
        credentials = client_credentials(args.ca, args.cert, args.key)
        if args.api_key:
            credentials = grpc.composite_channel_credentials(
                credentials, grpc.metadata_call_credentials(_ApiKey(args.api_key))
            )
        return grpc.secure_channel(target, credentials)
    channel = grpc.insecure_channel(target)
    return grpc.intercept_channel(channel, _KeyInterceptor(args.api_key)) if args.api_key else channel


class ServerError(HandoffError):
    """A call the server refused, for a command to print: the status name and the server's message."""


@contextmanager
def connected(args: argparse.Namespace, ready_s: float = 10.0) -> Iterator[grpc.Channel]:
    """A channel to ``args.target`` once the server answers; a call failing inside becomes ``ServerError``
    (``handoff`` prints it and exits 2)."""
    with open_channel(args.target, args) as channel:
        try:
            grpc.channel_ready_future(channel).result(timeout=ready_s)
        except grpc.FutureTimeoutError:
            raise UnavailableError(f"no server answers at {args.target}; start one with 'handoff serve'") from None
        try:
            yield channel
        except grpc.RpcError as e:
            raise ServerError(f"{e.code().name}: {e.details()}") from None
