import AccordCore
import AccordStore
import NIOConcurrencyHelpers
import X509

/// Turns a verified client certificate and the replica id the client states into an
/// `AuthenticatedPeer`, binding the replica id to the certificate on first contact.
///
/// Bindings already confirmed are cached in memory, so the common case (a known replica
/// syncing again) costs no database access.
final class PeerAuthenticator: Sendable {
    private let store: ReplicaStore
    private let confirmed = NIOLockedValueBox<[ReplicaID: String]>([:])

    init(store: ReplicaStore) { self.store = store }

    func authenticate(_ certificate: Certificate?, replicaHeader: String?, requireReplica: Bool) throws -> AuthenticatedPeer {
        guard let certificate else {
            throw SyncHTTPError(.forbidden, SyncErrorCode.certificateInvalid, "no client certificate: connect with the certificate `accord pki issue` wrote (--cert, --key)")
        }
        let identity: PeerIdentity
        do { identity = try PeerIdentity(certificate: certificate) } catch {
            throw SyncHTTPError(.forbidden, SyncErrorCode.certificateInvalid, error.message)
        }
        guard let office = OfficeCode(identity.office) else {
            throw SyncHTTPError(.forbidden, SyncErrorCode.certificateInvalid, "certificate office \(identity.office) is not an office code")
        }
        var peer = AuthenticatedPeer(identity: identity, author: Author(office: office, role: identity.role),
                                     fingerprint: certificate.sha256Fingerprint, replica: nil)
        guard let header = replicaHeader else {
            if requireReplica {
                throw SyncHTTPError(.badRequest, SyncErrorCode.badReplicaHeader,
                                    "the \(SyncProtocol.Header.replica) header is missing: it states the client's replica id (16 hex digits)")
            }
            return peer
        }
        guard let replica = ReplicaID(header) else {
            throw SyncHTTPError(.badRequest, SyncErrorCode.badReplicaHeader,
                                "\(SyncProtocol.Header.replica) \"\(header.prefix(40))\" is not a replica id (16 lowercase hex digits)")
        }
        peer.replica = replica
        if confirmed.withLockedValue({ $0[replica] }) == peer.fingerprint { return peer }
        let claim = ReplicaBinding(replica: replica, fingerprint: peer.fingerprint, author: peer.author, name: identity.replicaName)
        let outcome: BindingOutcome
        do { outcome = try store.bind(claim) } catch {
            throw SyncHTTPError(.internalServerError, SyncErrorCode.internalError, "could not record the replica binding: \(error)")
        }
        switch outcome {
        case .bound:
            confirmed.withLockedValue { $0[replica] = peer.fingerprint }
            return peer
        case .heldByAnotherCertificate(let existing):
            throw SyncHTTPError(.forbidden, SyncErrorCode.identityConflict,
                "replica \(replica) is bound to another certificate (O=\(existing.author.office), OU=\(existing.author.role.rawValue), CN=\(existing.name), SHA-256 \(existing.fingerprint.prefix(16))…) since \(Timestamp.iso8601(millis: existing.boundMillis)); this certificate (\(identity), SHA-256 \(peer.fingerprint.prefix(16))…) cannot speak for it. Sync from the replica that certificate was issued for, or create a new replica with `accord init`")
        case .registeredAs(let known, let isThisReplica):
            if isThisReplica {
                throw SyncHTTPError(.forbidden, SyncErrorCode.identityConflict,
                                    "replica \(replica) is this server's own replica id; a client cannot claim it")
            }
            let knownText = known.map { "\($0.office) \($0.role.rawValue)" } ?? "another identity"
            throw SyncHTTPError(.forbidden, SyncErrorCode.identityMismatch,
                                "replica \(replica) is registered here as \(knownText), but this certificate names \(identity.office) \(identity.role.rawValue)")
        }
    }
}
