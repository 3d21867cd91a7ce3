// @sluice/sdk/aws and its SHA-256 against AWS's SigV4 test suite (the cases the Python and Rust
// SDKs check too), FIPS 180-4's and RFC 4231's vectors; run natively by `node sdk/js/tests/run.mjs`.

import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import { Signer, formatAmzDate, signingKey, uriEncode } from "../src/aws.ts";
import { hex, hmacSha256, sha256 } from "../src/sha256.ts";

const utf8 = (text: string) => new TextEncoder().encode(text);
const SUITE = new Signer(
  { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  "us-east-1",
  "service",
);
const DATE = "20150830T123600Z";
const ENDPOINT = "https://example.amazonaws.com";

test("sha256 and hmac match FIPS 180-4 and RFC 4231", () => {
  assert.equal(hex(sha256(utf8(""))), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert.equal(hex(sha256(utf8("abc"))), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(
    hex(sha256(utf8("a".repeat(1000)))),
    "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3",
  );
  assert.equal(
    hex(hmacSha256(utf8("Jefe"), utf8("what do ya want for nothing?"))),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  );
});

test("the signing key is the suite's", () => {
  assert.equal(
    hex(signingKey("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20150830", "us-east-1", "service")),
    "938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75",
  );
});

test("the signatures are the suite's: get-vanilla, query order, utf8, post-vanilla", () => {
  const cases: [string, string, string, [string, string][], string][] = [
    ["get-vanilla", "GET", "/", [], "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"],
    ["get-vanilla-query-order-key-case", "GET", "/", [["Param2", "value2"], ["Param1", "value1"]],
      "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"],
    ["get-utf8", "GET", "/\u1234", [], "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"],
    ["post-vanilla", "POST", "/", [], "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"],
  ];
  for (const [name, method, path, query, expected] of cases) {
    const { headers } = SUITE.sign(method, ENDPOINT, path, query, [], "", DATE);
    assert.equal(
      headers.authorization,
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, " +
        `SignedHeaders=host;x-amz-date, Signature=${expected}`,
      name,
    );
  }
});

test("the url carries the encoded path and the sorted query", () => {
  const { url } = SUITE.sign("GET", `${ENDPOINT}/`, "/a b", [["b", "2"], ["a", "x/y"]], [], "", DATE);
  assert.equal(url, "https://example.amazonaws.com/a%20b?a=x%2Fy&b=2");
});

test("s3 signs the payload hash and temporary credentials sign their token", () => {
  const signer = new Signer({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" }, "us-east-1", "s3");
  const { headers } = signer.sign("PUT", "http://127.0.0.1:5000", "/b/k", [], [["Content-Type", " text/html "]], "x", DATE);
  assert.match(
    headers.authorization,
    /SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token,/,
  );
  assert.equal(headers["x-amz-content-sha256"], "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");
  assert.equal(headers["x-amz-security-token"], "token");
});

test("dates and encoding", () => {
  assert.equal(formatAmzDate(1_440_938_160), DATE);
  assert.equal(formatAmzDate(951_782_400), "20000229T000000Z");
  assert.equal(uriEncode("a b/c~", true), "a%20b/c~");
  assert.equal(uriEncode("a b/c", false), "a%20b%2Fc");
});

test("the secret is not in the signer's JSON or inspection", () => {
  assert.doesNotMatch(JSON.stringify(SUITE), /EXAMPLEKEY/);
  assert.doesNotMatch(inspect(SUITE), /EXAMPLEKEY/);
});
