// The low-level SHA-256 calls are deprecated in OpenSSL 3 in favour of EVP, whose per-call
// algorithm fetch costs more than hashing a change; they remain supported and use the same
// assembly (SHA-NI where the processor has it).
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include "accord_sha256.h"

void accord_sha256(const void *data, size_t count, unsigned char *digest) {
    SHA256_CTX context;
    SHA256_Init(&context);
    SHA256_Update(&context, data, count);
    SHA256_Final(digest, &context);
}
