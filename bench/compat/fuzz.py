"""Random hostile payloads (repeated and escaped keys, floats, huge and negative numbers, lone
surrogates, deep nesting, invalid UTF-8, trailing bytes, non-objects), RS256-signed with the test
key: `fuzz.py SEED COUNT [--with-exp]` writes one token per line. With --with-exp every payload
starts with a far `exp`, so that many tokens are accepted and their summary lines are compared too."""
import base64, json, random, sys
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

random.seed(int(sys.argv[1]))
count = int(sys.argv[2])
with_exp = "--with-exp" in sys.argv[3:]
key = serialization.load_pem_private_key(open("testdata/keys/rsa-1.pem", "rb").read(), None)
def b64(b): return base64.urlsafe_b64encode(b).rstrip(b"=").decode()
hdr = b64(json.dumps({"alg": "RS256", "kid": "rsa-1", "typ": "JWT"}).encode())
keys = ["iss","sub","aud","exp","nbf","iat","client_id","token_use","scope","scp","username","ver","tid","gty","azp","cid","appid","x","\\u0069ss","cognito:groups","e\\u0078p"]
vals = ['"https://cognito-idp.us-east-1.amazonaws.com/us-east-1_h0Vo2Whhx"','"abc"','""','123','-5','1.5','1e3','18446744073709551616','9223372036854775807','null','true','[]','["a","b"]','[1,2]','{}','{"a":{"b":[1]}}','"a\\nb"','"\\u00e9"','"é"','"\\ud800"','"access"','"id"','1700000000','4102444800','"1700000000"','"x\\"y"','[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]','" s p a c e "']
for _ in range(count):
    items = []
    for _ in range(random.randint(0, 8)):
        items.append('"%s"%s%s' % (random.choice(keys), random.choice([":", " : ", ":\t"]), random.choice(vals)))
    if with_exp:
        items.insert(0, '"exp":4102444800')
    body = "{" + random.choice([",", " , ", ",\n"]).join(items) + "}"
    r = random.random()
    if r < 0.05: body = body[:-1]
    elif r < 0.1: body = " " + body + " "
    elif r < 0.12: body = body + "x"
    elif r < 0.14: body = "[1]"
    elif r < 0.16: body = body.replace('"', "\x01", 1)
    p = body.encode("utf-8", "surrogatepass") if random.random() > 0.03 else body.encode() + b"\xff"
    si = hdr + "." + b64(p)
    print(si + "." + b64(key.sign(si.encode(), padding.PKCS1v15(), hashes.SHA256())))
