import AccordCore
import AccordStore
import AccordSync
import Foundation

/// The cases of `sync-fixtures/wire/`, as code: valid exchanges, then malformed and hostile
/// messages with the status and error code each must produce.
enum WireFixtureCases {
    static let replica = WireFixtures.client.rawValue
    static let batchHeaders = ["Accord-Protocol": "1", "Accord-Replica": replica, "Content-Type": SyncProtocol.MediaType.batch]
    static let vectorHeaders = ["Accord-Protocol": "1", "Accord-Replica": replica, "Content-Type": SyncProtocol.MediaType.vector]
    static let getHeaders = ["Accord-Protocol": "1", "Accord-Replica": replica]

    static func push(_ description: String, _ body: [UInt8], status: Int, code: String? = nil, contains: String? = nil,
                     json: [String: WireCase.JSONMember]? = nil, headers: [String: String] = batchHeaders,
                     server: WireCase.Limits? = nil, client: WireCase.Client? = nil) -> WireCase {
        WireCase(description: description, server: server, client: client,
                 request: .init(method: "POST", path: SyncProtocol.Path.push, headers: headers, body_base64: Data(body).base64EncodedString()),
                 expect: .init(status: status, code: code, message_contains: contains, json: json))
    }

    static var all: [(String, WireCase)] {
        let valid = WireBatch.encode(WireFixtures.ownBatch(records: 2))
        let stored = WireBatch.encode(WireFixtures.ownBatch(records: 2), compression: .none)
        let payload = WireFixtures.ownPayload()
        return [
            // Valid exchanges.
            ("valid-health", WireCase(description: "GET /v1/health needs no protocol header and names the server replica",
                                      request: .init(method: "GET", path: "/v1/health", headers: [:]),
                                      expect: .init(status: 200, json: ["status": .string("ok"), "protocol": .string("1")]))),
            ("valid-vector", WireCase(description: "GET /v1/vector returns the server's version vector (empty on a fresh hub)",
                                      request: .init(method: "GET", path: "/v1/vector", headers: getHeaders),
                                      expect: .init(status: 200, headers: ["Content-Type": SyncProtocol.MediaType.vector], decodes_as: "vector"))),
            ("valid-pull-empty-vector", WireCase(description: "POST /v1/pull with an empty vector returns a batch and says nothing more remains",
                                                 request: .init(method: "POST", path: "/v1/pull?limit=100", headers: vectorHeaders,
                                                                body_base64: Data(VectorMessage.encode(VersionVector())).base64EncodedString()),
                                                 expect: .init(status: 200, headers: ["Accord-More": "false", "Accord-Changes": "0"], decodes_as: "batch"))),
            ("valid-push", push("The client's own first changes (2 ALERT entries, 6 changes), compressed: all applied", valid,
                                status: 200, json: ["applied": .int(6), "duplicates": .int(0)])),
            ("valid-push-stored", push("The same batch stored uncompressed: all applied", stored,
                                       status: 200, json: ["applied": .int(6)])),
            ("valid-push-empty", push("An empty batch: nothing to do", WireBatch.encode(ChangeBatch(runs: [])),
                                      status: 200, json: ["applied": .int(0)])),
            ("refused-relay-of-another-office", push("Changes of a French replica the server has no key for, relayed by a Kenyan client: listed as refused (unknown-key), nothing applied",
                                                     WireBatch.encode(WireFixtures.relayedForeignBatch()), status: 200, json: ["applied": .int(0)])),
            // Malformed and hostile messages.
            ("bad-magic", push("The body does not start with ACB", Array("XYZ".utf8) + valid.dropFirst(3), status: 400, code: "batch-malformed", contains: "magic")),
            ("truncated", push("A stored frame cut 7 bytes short", Array(stored.dropLast(7)), status: 400, code: "batch-malformed")),
            ("truncated-header", push("Only the first 4 bytes of a frame", Array(valid.prefix(4)), status: 400, code: "batch-malformed")),
            ("lying-length", push("A stored frame declaring 1000 payload bytes but carrying fewer", WireFixtures.storedFrame(payload, declared: 1_000),
                                  status: 400, code: "batch-malformed", contains: "declares")),
            ("lying-count", push("A payload declaring 50,000 authors in a few bytes", WireFixtures.storedFrame([0xD0, 0x86, 0x03, 0, 0]),
                                 status: 400, code: "batch-malformed", contains: "authors declared")),
            ("trailing-bytes", push("Valid payload followed by garbage", WireFixtures.storedFrame(payload + [1, 2, 3]),
                                    status: 400, code: "batch-malformed", contains: "follow the last signature")),
            ("zip-bomb-declared", push("A deflated body declaring 1 GiB once inflated: refused before inflating",
                                       WireFixtures.zipBomb(inflatedBytes: 1 << 20, declared: 1 << 30), status: 413, code: "batch-too-large")),
            ("zip-bomb-lying", push("A deflated body declaring 1000 bytes that inflates to 1 MiB: stopped at the declared size",
                                    WireFixtures.zipBomb(inflatedBytes: 1 << 20, declared: 1_000), status: 400, code: "batch-malformed", contains: "more than")),
            ("not-zlib", push("Compression 1 (zlib) over bytes that are not zlib", WireFixtures.storedFrame(payload, compression: 1),
                              status: 400, code: "batch-malformed", contains: "zlib")),
            ("unknown-author-index", push("A run naming author 5 of a 1-author table", WireFixtures.unknownAuthorIndex(),
                                          status: 400, code: "batch-malformed", contains: "names author 5")),
            ("unsupported-batch-format", push("Batch format 3", [valid[0], valid[1], valid[2], 3] + valid.dropFirst(4),
                                              status: 415, code: "batch-unsupported-format")),
            ("unsupported-compression", push("Compression method 7", WireFixtures.storedFrame(payload, compression: 7),
                                             status: 415, code: "batch-unsupported-format")),
            ("oversized-body", push("A body larger than the server's frame limit (1 KiB here)", WireBatch.encode(WireFixtures.ownBatch(records: 40), compression: .none),
                                    status: 413, code: "body-too-large", server: .init(max_frame_bytes: 1024))),
            ("too-many-changes", push("6 changes where the server allows 4 per batch", valid,
                                      status: 413, code: "batch-too-large", server: .init(max_changes: 4))),
            ("wrong-protocol-version", push("Accord-Protocol: 2", valid, status: 400, code: "protocol-mismatch",
                                            headers: batchHeaders.merging(["Accord-Protocol": "2"]) { $1 })),
            ("missing-protocol-header", push("No Accord-Protocol header", valid, status: 400, code: "protocol-mismatch",
                                             headers: batchHeaders.filter { $0.key != "Accord-Protocol" })),
            ("other-version-path", WireCase(description: "A client of protocol 2 asks /v2/push",
                                            request: .init(method: "POST", path: "/v2/push", headers: batchHeaders.merging(["Accord-Protocol": "2"]) { $1 },
                                                           body_base64: Data(valid).base64EncodedString()),
                                            expect: .init(status: 404, code: "protocol-mismatch"))),
            ("missing-replica-header", push("No Accord-Replica header", valid, status: 400, code: "bad-replica-header",
                                            headers: batchHeaders.filter { $0.key != "Accord-Replica" })),
            ("bad-replica-header", push("Accord-Replica is not 16 hex digits", valid, status: 400, code: "bad-replica-header",
                                        headers: batchHeaders.merging(["Accord-Replica": "KE-laptop"]) { $1 })),
            ("wrong-content-type", push("A JSON content type on a batch endpoint", valid, status: 415, code: "unsupported-media-type",
                                        headers: batchHeaders.merging(["Content-Type": "application/json"]) { $1 })),
            ("auditor-push", push("An auditor's certificate pushing anything", valid, status: 403, code: "auditor-read-only",
                                  client: .init(office: "KE", role: .auditor))),
            ("malformed-vector", WireCase(description: "A pull whose vector is cut short",
                                          request: .init(method: "POST", path: "/v1/pull", headers: vectorHeaders,
                                                         body_base64: Data(Array("ACV".utf8) + [1, 3, 0, 0]).base64EncodedString()),
                                          expect: .init(status: 400, code: "vector-malformed"))),
            ("wrong-method", WireCase(description: "GET on the push endpoint",
                                      request: .init(method: "GET", path: "/v1/push", headers: getHeaders),
                                      expect: .init(status: 405, code: "method-not-allowed"))),
            ("unknown-path", WireCase(description: "A path the protocol does not have",
                                      request: .init(method: "GET", path: "/v1/records", headers: getHeaders),
                                      expect: .init(status: 404, code: "not-found"))),
        ]
    }
}
