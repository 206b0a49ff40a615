"""Two tenants' keys on a real server on port 0, and a throwaway CA with server and client certificates."""

from __future__ import annotations

import datetime
import ipaddress
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from server._proto.handoff.v1 import handoff_pb2 as pb
from server.api.keys import digest
from tests.api.conftest import Running, running, start_server, test_settings
from tests.context.conftest import redis_url

__all__ = ["redis_url", "running"]  # fixtures shared with tests/api (a server without keys) and tests/context

ALPHA_KEY = "alpha-secret-key-1"
BETA_KEY = "beta-secret-key-2"
ALPHA = (("authorization", f"Bearer {ALPHA_KEY}"),)
BETA = (("x-api-key", BETA_KEY),)  # the other header a client may use


def api_keys() -> str:
    """alpha by its key's hash, beta by the key itself: both forms the setting accepts."""
    return json.dumps({"alpha": ["sha256:" + digest(ALPHA_KEY).hex()], "beta": [BETA_KEY]})


@pytest.fixture
async def tenants(tmp_path: Path) -> AsyncIterator[Running]:
    instance = await start_server(test_settings(tmp_path, api_keys=api_keys()))
    yield instance
    await instance.stop()


async def create(running: Running, metadata: tuple[tuple[str, str], ...], conversation_id: str = "",
                 customer_id: str = "") -> str:
    created = await running.conversations.CreateConversation(
        pb.CreateConversationRequest(conversation_id=conversation_id, customer_id=customer_id), metadata=metadata
    )
    return created.conversation_id


# ------------------------------------------------------------------ certificates


@dataclass(frozen=True)
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path
    stranger_cert: Path  # a client certificate signed by another CA
    stranger_key: Path


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name, signer: ec.EllipticCurvePrivateKey,
                 *, ca: bool = False, server: bool = False) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder().subject_name(_name(subject)).issuer_name(issuer).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
                          key_encipherment=False, data_encipherment=False, key_agreement=False,
                          encipher_only=False, decipher_only=False), critical=True,
        )
    elif server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    else:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(signer, hashes.SHA256())


def _write(folder: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> tuple[Path, Path]:
    cert_path, key_path = folder / f"{name}.crt", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    folder = tmp_path_factory.mktemp("pki")
    ca_key, other_ca_key = _key(), _key()
    ca = _certificate("test CA", ca_key, _name("test CA"), ca_key, ca=True)
    other_ca = _certificate("other CA", other_ca_key, _name("other CA"), other_ca_key, ca=True)
    ca_path, _ = _write(folder, "ca", ca, ca_key)
    server_key, client_key, stranger_key = _key(), _key(), _key()
    server = _write(folder, "server", _certificate("localhost", server_key, ca.subject, ca_key, server=True),
                    server_key)
    client = _write(folder, "client", _certificate("desk-1", client_key, ca.subject, ca_key), client_key)
    stranger = _write(folder, "stranger", _certificate("desk-x", stranger_key, other_ca.subject, other_ca_key),
                      stranger_key)
    return Pki(ca_path, *server, *client, *stranger)
