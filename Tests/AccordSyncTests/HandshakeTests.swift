import AccordCore
import AccordStore
import AccordSync
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOSSL
import Testing

/// Clients whose certificate the hub must not accept never get past the TLS handshake.
@Suite("TLS handshake refusals")
struct HandshakeTests {
    @Test func clientWithoutCertificateIsRefusedAtHandshake() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        try await fixture.serving(hub) { url in
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv13
            tls.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(fixture.ca.certificate.serializeAsPEM().pemString.utf8), format: .pem)])
            let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
            var request = HTTPClientRequest(url: url + SyncProtocol.Path.health)
            request.method = .GET
            await #expect(throws: (any Error).self) {
                let response = try await http.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 1 << 20)
            }
            do {
                let response = try await http.execute(request, timeout: .seconds(10))
                _ = try await response.body.collect(upTo: 1 << 20)
                Issue.record("a client without a certificate got an answer")
            } catch {
                #expect(String(describing: error).uppercased().contains("CERTIFICATE_REQUIRED"), "\(error)")
            }
            try await http.shutdown()
        }
    }

    @Test func expiredCertificateIsRefusedAtHandshake() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        let expired = try fixture.credentials(for: kenya, by: nil, notBefore: Date().addingTimeInterval(-10 * 86400),
                                              notAfter: Date().addingTimeInterval(-86400))
        try await fixture.serving(hub) { url in
            let failure = try await Self.syncFailure(fixture, kenya, url, expired)
            guard case .tlsHandshake(_, let reason) = failure else { Issue.record("expected a TLS failure, got \(failure)"); return }
            #expect(reason.contains("expired"), "\(reason)")
        }
        #expect(try hub.bindings().isEmpty)
    }

    @Test func certificateFromAnotherCAIsRefusedAtHandshake() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        let foreign = try fixture.credentials(for: kenya, by: try fixture.foreignCA())
        try await fixture.serving(hub) { url in
            let failure = try await Self.syncFailure(fixture, kenya, url, foreign)
            guard case .tlsHandshake(_, let reason) = failure else { Issue.record("expected a TLS failure, got \(failure)"); return }
            #expect(reason.contains("not issued by the server's CA"), "\(reason)")
        }
        #expect(try hub.bindings().isEmpty)
    }

    @Test func serverWithCertificateFromAnotherCAIsRefusedByTheClient() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let hub = try fixture.replica("hub", office: "WIPO")
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        let impostor = try fixture.credentials(for: hub, by: try fixture.foreignCA())
        try await fixture.serving(hub, credentials: impostor) { url in
            let failure = try await Self.syncFailure(fixture, kenya, url, try fixture.credentials(for: kenya))
            guard case .tlsHandshake(_, let reason) = failure else { Issue.record("expected a TLS failure, got \(failure)"); return }
            #expect(reason.contains("server's certificate did not verify"), "\(reason)")
        }
        #expect(try hub.bindings().isEmpty)
    }

    @Test func unreachableServerSaysSo() async throws {
        let fixture = try SyncFixture()
        defer { fixture.close() }
        let kenya = try fixture.replica("nairobi-1", office: "KE")
        // A port that was just free: bind a server, read its port, stop it.
        let hub = try fixture.replica("hub", office: "WIPO")
        let url = try await fixture.serving(hub) { url in url }
        let failure = try await Self.syncFailure(fixture, kenya, url, try fixture.credentials(for: kenya))
        guard case .unreachable(_, let detail) = failure else { Issue.record("expected unreachable, got \(failure)"); return }
        #expect(detail.contains("connection refused"), "\(detail)")
    }

    static func syncFailure(_ fixture: SyncFixture, _ store: ReplicaStore, _ url: String, _ credentials: TLSCredentials) async throws -> SyncFailure {
        do {
            try await fixture.sync(store, with: url, credentials: credentials)
        } catch let failure as SyncFailure {
            return failure
        }
        Issue.record("the sync succeeded")
        return .badResponse("no failure")
    }
}
