"""Transport security for `netdoctor serve --https`: a self-signed certificate and bearer tokens."""

from __future__ import annotations

import hmac
import socket
import ssl
import tempfile
from pathlib import Path

from netdoctor.frontends.serve.responses import ApiError


def wrap_server_socket(sock: socket.socket, host: str) -> tuple[ssl.SSLSocket, bytes]:
    """`sock` serving TLS with a fresh self-signed certificate for `host`.

    Returns:
        (the wrapped socket, the certificate PEM clients must trust; it is its own CA).
    """
    cert_pem, key_pem = self_signed_cert(host)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # load_cert_chain only reads files; keep them for the blink it takes.
    with tempfile.TemporaryDirectory(prefix="netdoctor-serve-") as tmp:
        cert_file, key_file = Path(tmp, "tls.crt"), Path(tmp, "tls.key")
        cert_file.write_bytes(cert_pem)
        key_file.touch(mode=0o600)
        key_file.write_bytes(key_pem)
        context.load_cert_chain(cert_file, key_file)
    # Handshake in the handler thread, not in the accept loop, so one stuck client
    # cannot block the others.
    wrapped = context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
    return wrapped, cert_pem


def check_bearer_token(authorization: str, token: str | None) -> None:
    """Accept an `Authorization` header carrying `Bearer <token>`; anything goes when `token` is
    None.

    Raises:
        ApiError: 401 when the header does not carry the token.
    """
    if token is None:
        return
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip(), token):
        raise ApiError(401, "Unauthorized")


def self_signed_cert(host: str) -> tuple[bytes, bytes]:
    """A fresh P-256 key and a one-year certificate for `host` (an IP) that is its own CA.

    Returns:
        (certificate PEM, unencrypted PKCS#8 key PEM).
    """
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "netdoctor-serve")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    usage = x509.KeyUsage(
        digital_signature=True, content_commitment=False, key_encipherment=False,
        data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=False,
        encipher_only=False, decipher_only=False,
    )  # fmt: skip
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(host)), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert.public_bytes(serialization.Encoding.PEM), key_pem
