-- Certificates issued while the server runs (as an ACME client or a
-- certificate authority would deliver them): POST /certs?name=NAME puts one in
-- the shared dict. Test certificates made for this lesson: self-signed, valid
-- until 2126, their keys are public.
return {
    ["c.test"] = {
        crt = [[
-----BEGIN CERTIFICATE-----
MIIBjTCCATKgAwIBAgIUIPXphHqCp0aywSKxC5qBoCSfHB8wCgYIKoZIzj0EAwIw
ETEPMA0GA1UEAwwGYy50ZXN0MCAXDTI2MTIwMzAyNTYxNloYDzIxMjYxMTA5MDI1
NjE2WjARMQ8wDQYDVQQDDAZjLnRlc3QwWTATBgcqhkjOPQIBBggqhkjOPQMBBwNC
AASM/MQsPKHctYYN/UgP34ZFEKtGuN1+fSmswoYh28GhRiQDFHjwmjkiSqaQ+kMB
eK5O+CM6w5VhB7/gbcB+6jBmo2YwZDAdBgNVHQ4EFgQUG5D/F/is1zyLhaC1FuOi
LAo6468wHwYDVR0jBBgwFoAUG5D/F/is1zyLhaC1FuOiLAo6468wDwYDVR0TAQH/
BAUwAwEB/zARBgNVHREECjAIggZjLnRlc3QwCgYIKoZIzj0EAwIDSQAwRgIhAOXC
AMmy1nie0eQnTzSeVtDPPbzVYNcr8I7eCKS53vx9AiEA0KWlP/YLISum7l6Soz1L
IHQOjYUwC24sBZW6RHSXeKU=
-----END CERTIFICATE-----
]],
        key = [[
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgNQEdVqJXTuleLhNX
PTk12Xs8d3uCDwGKvM1lfdoN7QihRANCAASM/MQsPKHctYYN/UgP34ZFEKtGuN1+
fSmswoYh28GhRiQDFHjwmjkiSqaQ+kMBeK5O+CM6w5VhB7/gbcB+6jBm
-----END PRIVATE KEY-----
]],
    },
}
