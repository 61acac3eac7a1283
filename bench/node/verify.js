// aws-jwt-verify peer of bench/batch.sh: verifySync after cacheJwks, one token per line of argv[2].
// Prints "<valid> <seconds>" for the verification loop alone.
const fs = require("fs");
const { JwtRsaVerifier } = require("aws-jwt-verify");
const [tokensFile, jwksFile, issuer] = process.argv.slice(2);
const tokens = fs.readFileSync(tokensFile, "utf8").split("\n").filter((l) => l.length > 0);
const verifier = JwtRsaVerifier.create({ issuer, audience: null });
verifier.cacheJwks(JSON.parse(fs.readFileSync(jwksFile, "utf8")));
let ok = 0;
const start = process.hrtime.bigint();
for (const t of tokens) {
  try { verifier.verifySync(t); ok++; } catch (e) { /* counted as not valid */ }
}
const secs = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`${ok} ${secs}`);
