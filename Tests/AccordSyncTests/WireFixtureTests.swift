import AccordCore
import AccordStore
import AccordSync
import Foundation
import Testing

/// One case of `sync-fixtures/wire/`: a request sent as is to a fresh hub, and what must come back.
struct WireCase: Codable {
    struct Limits: Codable {
        var max_frame_bytes: Int?
        var max_changes: Int?
    }
    struct Client: Codable {
        var office: String
        var role: ReplicaRole
    }
    struct Request: Codable {
        var method: String
        var path: String
        var headers: [String: String]
        var body_base64: String?
    }
    struct Expect: Codable {
        var status: Int
        var code: String?
        var message_contains: String?
        /// Members the JSON body must have with exactly these values (numbers and strings).
        var json: [String: JSONMember]?
        var headers: [String: String]?
        /// A successful binary body must decode as this message: `batch` or `vector`.
        var decodes_as: String?
    }
    enum JSONMember: Codable, Equatable {
        case int(Int)
        case string(String)
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int.self) { self = .int(number) } else { self = .string(try container.decode(String.self)) }
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .int(let number): try container.encode(number)
            case .string(let text): try container.encode(text)
            }
        }
    }

    var description: String
    var server: Limits?
    var client: Client?
    var request: Request
    var expect: Expect
}

@Suite("Wire fixtures against the real server")
struct WireFixtureTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("sync-fixtures/wire")

    @Test func everyCaseGetsItsStatusAndCode() async throws {
        let files = try FileManager.default.contentsOfDirectory(at: Self.directory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "json" }.sorted { $0.lastPathComponent < $1.lastPathComponent }
        #expect(files.count >= 20)
        let fixture = try SyncFixture()
        defer { fixture.close() }
        for file in files {
            let name = file.deletingPathExtension().lastPathComponent
            let wire = try JSONDecoder().decode(WireCase.self, from: Data(contentsOf: file))
            let hub = try fixture.replica("hub-\(name)", office: "WIPO")
            let client = wire.client ?? WireCase.Client(office: "KE", role: .office)
            let credentials = try fixture.credentials(PeerIdentity(office: client.office, role: client.role, replicaName: "fixture-client"))
            var limits = WireLimits()
            if let bytes = wire.server?.max_frame_bytes { limits.maxFrameBytes = bytes }
            if let changes = wire.server?.max_changes { limits.maxChanges = changes }
            try await fixture.serving(hub, options: ServerOptions(limits: limits)) { url in
                let sender = try SyncClient(url: url, replica: WireFixtures.client, credentials: credentials, connectTimeout: .seconds(1))
                let body = try wire.request.body_base64.map { text in
                    guard let data = Data(base64Encoded: text) else { throw CLIFailure("\(name): body_base64 is not base64") }
                    return Array(data)
                }
                let answer = try await sender.raw(path: wire.request.path, method: wire.request.method, body: body,
                                                  headers: wire.request.headers, includeProtocolHeaders: false)
                try await sender.shutdown()
                Self.check(answer, against: wire.expect, name: name)
            }
        }
    }

    static func check(_ answer: (status: Int, body: [UInt8], headers: [String: String]), against expect: WireCase.Expect, name: String) {
        #expect(answer.status == expect.status, "\(name): status")
        let object = (try? JSONSerialization.jsonObject(with: Data(answer.body))) as? [String: Any]
        if let code = expect.code {
            #expect(object?["code"] as? String == code, "\(name): code in \(String(decoding: answer.body.prefix(300), as: UTF8.self))")
            #expect((object?["message"] as? String)?.isEmpty == false, "\(name): an error says what is wrong")
        }
        if let fragment = expect.message_contains {
            #expect((object?["message"] as? String)?.contains(fragment) == true, "\(name): message mentions \(fragment)")
        }
        for (key, value) in expect.json ?? [:] {
            switch value {
            case .int(let number): #expect(object?[key] as? Int == number, "\(name): \(key)")
            case .string(let text): #expect(object?[key] as? String == text, "\(name): \(key)")
            }
        }
        for (key, value) in expect.headers ?? [:] {
            #expect(answer.headers[key.lowercased()] == value, "\(name): header \(key)")
        }
        switch expect.decodes_as {
        case "batch": #expect((try? WireBatch.decode(answer.body)) != nil, "\(name): body is a change batch")
        case "vector": #expect((try? VectorMessage.decode(answer.body)) != nil, "\(name): body is a version vector")
        default: break
        }
    }

    /// Rewrites the case files from `WireFixtureCases` (run with ACCORD_WRITE_WIRE_FIXTURES=1).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["ACCORD_WRITE_WIRE_FIXTURES"] == "1"))
    func writeCaseFiles() throws {
        try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        for (name, wire) in WireFixtureCases.all {
            try (encoder.encode(wire) + Data("\n".utf8)).write(to: Self.directory.appendingPathComponent("\(name).json"))
        }
    }
}

struct CLIFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
