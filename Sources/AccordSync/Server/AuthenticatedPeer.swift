import AccordCore
import AccordStore
import X509

/// A client as the server knows it after the handshake and the binding check: the identity its
/// verified certificate names, and the replica id it stated, now bound to that certificate.
struct AuthenticatedPeer: Sendable {
    var identity: PeerIdentity
    var author: Author
    var fingerprint: String
    /// Nil on requests that need no replica (health).
    var replica: ReplicaID?

    var pusher: Pusher? { replica.map { Pusher(replica: $0, author: author, name: identity.replicaName, certificateFingerprint: fingerprint) } }
}
