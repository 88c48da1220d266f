"""Ed25519 signatures of snapshot manifests: whoever holds the public key can prove a manifest
came from the holder of the private key and was not altered since, without trusting the store.

The signature covers the exact bytes of `manifest.json` and is kept beside it in
`manifest.json.sig` (JSON: algorithm, the SHA-256 of the public key that verifies it, base64
signature). Keys are PEM files; `slm snapshot keygen` makes a pair.
"""

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

SIGNATURE_FILE = "manifest.json.sig"


class SigningError(Exception):
    pass


def generate_keypair(folder: Path) -> tuple[Path, Path]:
    """Write a new private key (mode 0600) and its public key; refuses to replace existing files."""
    folder.mkdir(parents=True, exist_ok=True)
    private, public = folder / "snapshot-signing.pem", folder / "snapshot-signing.pub.pem"
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    for path in (private, public):
        if path.exists():
            raise SigningError(f"{path} exists: keys are never overwritten")
    fd = os.open(private, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    with open(public, "xb") as f:
        f.write(pub)
    return private, public


def _load(path: Path, private: bool):
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SigningError(f"cannot read key {path}: {exc.strerror}") from None
    try:
        key = (serialization.load_pem_private_key(data, password=None) if private
               else serialization.load_pem_public_key(data))
    except (ValueError, TypeError):
        raise SigningError(f"{path} is not a PEM {'private' if private else 'public'} key") from None
    expected = Ed25519PrivateKey if private else Ed25519PublicKey
    if not isinstance(key, expected):
        raise SigningError(f"{path} is not an Ed25519 key")
    return key


def public_key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def signing_key_id(private_key_path: Path) -> str:
    """The id (SHA-256 of the public key) of a private key; raises SigningError on a bad key."""
    return public_key_id(_load(private_key_path, private=True).public_key())


def sign(manifest_bytes: bytes, private_key_path: Path) -> bytes:
    """The content of `manifest.json.sig` for these manifest bytes."""
    key = _load(private_key_path, private=True)
    return json.dumps({
        "algorithm": "ed25519",
        "public_key_sha256": public_key_id(key.public_key()),
        "signature": base64.b64encode(key.sign(manifest_bytes)).decode(),
    }, indent=2, sort_keys=True).encode()


def verify_signature(manifest_bytes: bytes, signature_bytes: bytes, public_key_path: Path) -> str | None:
    """None when the signature is valid for this public key, else what is wrong."""
    public = _load(public_key_path, private=False)
    try:
        sig = json.loads(signature_bytes)
        value = base64.b64decode(sig["signature"], validate=True)
    except (ValueError, KeyError, TypeError):
        return "manifest.json.sig is not a readable signature"
    if sig.get("algorithm") != "ed25519":
        return f"unsupported signature algorithm {sig.get('algorithm')!r}"
    if sig.get("public_key_sha256") != public_key_id(public):
        return f"{SIGNATURE_FILE}: signed with another key than the public key given"
    try:
        public.verify(value, manifest_bytes)
    except InvalidSignature:
        return "the signature does not match manifest.json"
    return None
