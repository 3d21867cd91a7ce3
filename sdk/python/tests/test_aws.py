"""sluice_sdk.aws against AWS's SigV4 test suite (the cases the Rust SDK checks too), run with
the machine's python3 outside a component: `python3 -m unittest discover sdk/python/tests`."""

import importlib.util
import pathlib
import unittest

_SOURCE = pathlib.Path(__file__).resolve().parent.parent / "sluice_sdk" / "aws.py"
_SPEC = importlib.util.spec_from_file_location("sluice_aws", _SOURCE)
aws = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(aws)

SUITE = aws.Signer(
    aws.Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"),
    region="us-east-1",
    service="service",
)
DATE = "20150830T123600Z"
ENDPOINT = "https://example.amazonaws.com"


def header(headers, name):
    return next(value for key, value in headers if key == name)


class SignatureVersion4(unittest.TestCase):
    def test_the_signing_key_is_the_suites(self):
        key = aws.signing_key(SUITE.credentials.secret_access_key, "20150830", "us-east-1", "service")
        self.assertEqual(key.hex(), "938127b5336810ddb6a5d6af445fcac9e371f9ed418ed386b022aed82901be75")

    def test_the_signatures_are_the_suites_get_vanilla_query_order_utf8_and_post_vanilla(self):
        cases = [
            ("get-vanilla", "GET", "/", [],
             "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
            ("get-vanilla-query-order-key-case", "GET", "/", [("Param2", "value2"), ("Param1", "value1")],
             "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
            ("get-utf8", "GET", "/\u1234", [],
             "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
            ("post-vanilla", "POST", "/", [],
             "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        ]
        for case, method, path, query, expected in cases:
            with self.subTest(case):
                _, headers = SUITE.sign(method, ENDPOINT, path, query, amz_date=DATE)
                self.assertEqual(
                    header(headers, "authorization"),
                    "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                    f"SignedHeaders=host;x-amz-date, Signature={expected}",
                )

    def test_the_url_carries_the_encoded_path_and_the_sorted_query(self):
        url, _ = SUITE.sign("GET", ENDPOINT + "/", "/a b", [("b", "2"), ("a", "x/y")], amz_date=DATE)
        self.assertEqual(url, "https://example.amazonaws.com/a%20b?a=x%2Fy&b=2")

    def test_s3_signs_the_payload_hash_and_temporary_credentials_sign_their_token(self):
        signer = aws.Signer(aws.Credentials("AKIDEXAMPLE", "secret", "token"), "us-east-1", "s3")
        _, headers = signer.sign("PUT", "http://127.0.0.1:5000", "/b/k",
                                 headers=[("Content-Type", " text/html ")], payload=b"x", amz_date=DATE)
        self.assertIn(
            "SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token",
            header(headers, "authorization"),
        )
        self.assertEqual(header(headers, "x-amz-content-sha256"),
                         "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881")
        self.assertEqual(header(headers, "x-amz-security-token"), "token")

    def test_dates_and_encoding(self):
        self.assertEqual(aws.format_amz_date(1_440_938_160), DATE)
        self.assertEqual(aws.format_amz_date(951_782_400), "20000229T000000Z")
        self.assertEqual(aws.uri_encode("a b/c~", True), "a%20b/c~")
        self.assertEqual(aws.uri_encode("a b/c", False), "a%20b%2Fc")

    def test_the_secret_is_not_in_the_credentials_repr(self):
        self.assertNotIn("EXAMPLEKEY", repr(SUITE))


if __name__ == "__main__":
    unittest.main()
