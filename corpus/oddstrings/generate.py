#!/usr/bin/env python3
# Writes corpus/oddstrings/strings.nix and prints how many of its strings are digests by the
# rules Nix reads hashes with (an independent count for expected.json).
import math
B16="0123456789abcdef"; B32="0123456789abcdfghijklmnpqrsvwxyz"
B64="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
ALPHA=[("b16","",B16),("b32","",B32),("b64","",B64),("sri","sha256-",B64),("colon","sha256:",B32),("nonascii","","é∂ü中😀a")]
NAMES=["sha256","sha1","md5","sha512","hash","outputHash","vendorHash","cargoHash"]
SIZE={"md5":16,"sha1":20,"sha256":32,"sha512":64}
def text(alpha,n):
    s=(n*7)%len(alpha); return "".join(alpha[(s+k*5)%len(alpha)] for k in range(n))
def b64(t):
    t=t.rstrip("=")
    if any(c not in B64 for c in t): return None
    out=[]
    for i in range(0,len(t),4):
        ch=t[i:i+4]
        if len(ch)==1: return None
        n=0
        for k,c in enumerate(ch): n|=B64.index(c)<<(18-6*k)
        b=n.to_bytes(3,"big"); out+=list(b[:len(ch)-1])
    return bytes(out)
def n32(t,size):
    if len(t)!=math.ceil(size*8/5) or any(c not in B32 for c in t): return None
    v=0
    for c in t: v=v*32+B32.index(c)
    if v>>(size*8): return None
    return v.to_bytes(size,"little")
def bare(a,t):
    size=SIZE.get(a)
    if size is None: return None
    if len(t)==2*size:
        try: return bytes.fromhex(t) if all(c in B16+"ABCDEF" for c in t) else None
        except ValueError: return None
    if len(t)==math.ceil(size/3)*4:
        b=b64(t); return b if b is not None and len(b)==size else None
    return n32(t,size)
def written(algo,t):
    if ":" in t:
        a,r=t.split(":",1); return bare(a,r) if a in SIZE else None
    if "-" in t and t.split("-",1)[0] in SIZE:
        a,r=t.split("-",1); b=b64(r); return b if b is not None and len(b)==SIZE[a] else None
    if algo: return bare(algo,t)
    for a in ["md5","sha1","sha256","sha512"]:
        b=bare(a,t)
        if b is not None: return b
    return None
lines=["# Strings under hash-like names of every length 0..=200 in each alphabet a hash is written in","# (base16, Nix's base32, base64, SRI, algo:, and non-ASCII): the static analysis must read or","# refuse each, never panic (a 9-character base32 string under `sha256` once ended a scan).","# Written by generate.py beside it; the scan walks them as data (no derivation among them).","{"]
count=0
for ai,(set_,prefix,alpha) in enumerate(ALPHA):
    lines.append(f"  {set_} = {{")
    for n in range(201):
        name=NAMES[(n+ai)%8]; t=prefix+text(alpha,n)
        algo=next((a for a in ["sha512","sha256","sha1","md5"] if a in name.lower()),None)
        d=written(algo,t.strip())
        if d is not None and any(d): count+=1
        lines.append(f'    l{n}.{name} = "{t}";')
    lines.append("  };")
lines.append("}")
open(__import__("os").path.join(__import__("os").path.dirname(__file__) or ".","strings.nix"),"w").write("\n".join(lines)+"\n")
print(count)
