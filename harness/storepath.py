"""Nix store paths of flat fixed-output derivations, computed from (name, algo, hash) as Nix
does (makeFixedOutputPath), so that find-tarballs' entries, which have no outPath, can be
compared with the store paths fodfuzz and the reference method list."""
import hashlib

B32 = "0123456789abcdfghijklmnpqrsvwxyz"
SIZES = {"md5": 16, "sha1": 20, "sha256": 32, "sha512": 64}


def b32encode(data: bytes) -> str:
    n = len(data) * 8
    length = (n - 1) // 5 + 1
    value = int.from_bytes(data, "little")
    return "".join(B32[(value >> (5 * i)) & 31] for i in reversed(range(length)))


def decode(algo: str, text: str) -> bytes:
    """A hash as Nix accepts it in outputHash: base16, Nix base32, base64 or SRI."""
    size = SIZES[algo]
    if "-" in text and text.split("-", 1)[0] in SIZES:
        import base64
        return base64.b64decode(text.split("-", 1)[1])
    if len(text) == 2 * size:
        return bytes.fromhex(text)
    if len(text) == (size * 8 - 1) // 5 + 1:
        value = 0
        for c in text:
            value = (value << 5) | B32.index(c)
        return value.to_bytes(size, "little")
    import base64
    return base64.b64decode(text)


def store_path(type_: str, inner_hex: str, name: str) -> str:
    s = f"{type_}:sha256:{inner_hex}:/nix/store:{name}".encode()
    h = hashlib.sha256(s).digest()
    folded = bytearray(20)
    for i, b in enumerate(h):
        folded[i % 20] ^= b
    return f"/nix/store/{b32encode(bytes(folded))}-{name}"


def flat_fixed_output_path(name: str, algo: str, hash_text: str) -> str:
    digest = decode(algo, hash_text)
    inner = hashlib.sha256(f"fixed:out:{algo}:{digest.hex()}:".encode()).hexdigest()
    return store_path("output:out", inner, name)
