import AccordCore
import Crypto
import SwiftASN1
import X509

public extension Certificate {
    /// SHA-256 of the certificate's DER encoding, as 64 lowercase hex digits without separators.
    ///
    /// This is the same value as `openssl x509 -noout -fingerprint -sha256` prints, lowercased
    /// and without colons, so operators can compare a pinned or logged fingerprint by eye.
    /// It identifies one exact certificate: re-issuing for the same replica gives a new one.
    var sha256Fingerprint: String {
        var serializer = DER.Serializer()
        // Cannot fail: a Certificate serialises by copying the DER bytes it was built or parsed from.
        try! serializer.serialize(self)
        return Hex.string(SHA256.hash(data: serializer.serializedBytes))
    }
}
