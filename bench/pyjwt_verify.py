"""PyJWT peer of bench/batch.sh: jwt.decode with the RS256 key parsed once; prints "<valid> <seconds>"."""
import json, sys, time
import jwt

tokens_file, jwks_file, issuer = sys.argv[1:4]
tokens = [l for l in open(tokens_file).read().split("\n") if l]
jwk = next(k for k in json.load(open(jwks_file))["keys"] if k.get("kid") == "rsa-1")
key = jwt.PyJWK(jwk).key
ok = 0
start = time.perf_counter()
for t in tokens:
    try:
        jwt.decode(t, key, algorithms=["RS256"], issuer=issuer, options={"verify_aud": False})
        ok += 1
    except jwt.PyJWTError:
        pass
print(ok, time.perf_counter() - start)
