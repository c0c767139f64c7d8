import Hummingbird
import NIOCore
import NIOSSL
import X509

/// The request context of the sync server. It keeps the connection's `Channel` so that a
/// handler can read the client certificate the TLS handshake verified: identity always comes
/// from there, never from anything the client writes in a header or body.
struct SyncRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }

    /// Push bodies are limited by `SyncServer.Configuration.limits`, not by this default.
    var maxUploadSize: Int { WireLimits().maxFrameBytes }

    /// The client's certificate as verified during the handshake.
    ///
    /// `nioSSL_peerValidatedCertificateChain()` is asked first; it is only filled when the
    /// TLS handler was built with a custom verification callback. Hummingbird's TLS channel
    /// leaves verification to BoringSSL (trusting only the Accord CA, client certificate
    /// required), so the leaf comes from `nioSSL_peerCertificate()`: the handshake only
    /// completes once BoringSSL has verified that certificate against the CA, so it is the
    /// verified leaf all the same.
    func peerCertificate() async throws -> Certificate? {
        if let chain = try await channel.nioSSL_peerValidatedCertificateChain().get(), let leaf = chain.first {
            return try Certificate(derEncoded: try leaf.toDERBytes())
        }
        guard let leaf = try await channel.nioSSL_peerCertificate().get() else { return nil }
        return try Certificate(derEncoded: try leaf.toDERBytes())
    }
}
