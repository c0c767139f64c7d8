#ifndef ACCORD_SHA256_H
#define ACCORD_SHA256_H

#include <stddef.h>

/// SHA-256 of `count` bytes at `data` into the 32 bytes at `digest`, through OpenSSL's
/// SHA256_Init/Update/Final: a context on the stack and no per-call algorithm lookup, which is
/// what hashing every change of a million-change log wants.
void accord_sha256(const void *data, size_t count, unsigned char *digest);

#endif
