import AccordCore
import Foundation
import Hummingbird
import Logging
import NIOCore

/// Routes the four endpoints of `/v1`, turns every failure into a JSON `{code, message}` body
/// with the right status, and writes one structured log line per request: who, what moved,
/// what was refused, how long it took.
///
/// A hand-written responder rather than a `Router`: four fixed routes do not need a trie, and
/// this way unknown paths, wrong methods and other protocol versions get the same JSON errors
/// as everything else.
struct SyncResponder: HTTPResponder {
    typealias Context = SyncRequestContext
    /// `HTTPField.Name`, reached through the `HTTPFields` Hummingbird exports.
    typealias FieldName = HTTPFields.Element.Name
    let service: SyncService
    let serverReplica: ReplicaID
    let logger: Logger

    static let protocolField = FieldName(SyncProtocol.Header.protocolVersion)!
    static let replicaField = FieldName(SyncProtocol.Header.replica)!
    static let keyField = FieldName(SyncProtocol.Header.replicaKey)!
    static let authorField = FieldName(SyncProtocol.Header.replicaAuthor)!
    static let moreField = FieldName(SyncProtocol.Header.more)!
    static let changesField = FieldName(SyncProtocol.Header.changes)!

    /// What one request did, for its log line.
    struct Outcome {
        var peer: AuthenticatedPeer?
        var pushed = 0
        var duplicates = 0
        var pulled = 0
        var refused = 0
        var held = 0
        var more: Bool?
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        var outcome = Outcome()
        let response: Response
        do {
            response = try await route(request, context: context, outcome: &outcome)
        } catch let error as SyncHTTPError {
            response = Self.json(error.body, status: error.status)
        } catch let error as WireFormatError {
            let mapped = SyncHTTPError(error)
            response = Self.json(mapped.body, status: mapped.status)
        } catch {
            logger.error("sync request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            response = Self.json(SyncErrorBody(code: SyncErrorCode.internalError, message: "the server failed: \(error)"),
                                 status: .internalServerError)
        }
        log(request, response: response, outcome: outcome, elapsed: ContinuousClock.now - started)
        return response
    }

    private func route(_ request: Request, context: Context, outcome: inout Outcome) async throws -> Response {
        let path = request.uri.path
        let endpoint: (method: HTTPRequest.Method, needsReplica: Bool)
        switch path {
        case SyncProtocol.Path.health: endpoint = (.get, false)
        case SyncProtocol.Path.vector: endpoint = (.get, true)
        case SyncProtocol.Path.pull: endpoint = (.post, true)
        case SyncProtocol.Path.push: endpoint = (.post, true)
        default: throw Self.unknownPath(path)
        }
        guard request.method == endpoint.method else {
            throw SyncHTTPError(.methodNotAllowed, SyncErrorCode.methodNotAllowed, "\(path) takes \(endpoint.method.rawValue), not \(request.method.rawValue)")
        }
        if path != SyncProtocol.Path.health { try Self.checkProtocol(request) }
        let certificate = try await context.peerCertificate()
        let replicaHeader = request.headers[Self.replicaField]
        // Binding a replica on first contact writes to SQLite: off the cooperative pool.
        let peer = try await service.onThreadPool { [service] in
            try service.authenticator.authenticate(certificate, replicaHeader: replicaHeader, requireReplica: endpoint.needsReplica)
        }
        outcome.peer = peer

        switch path {
        case SyncProtocol.Path.health:
            let body: [String: String] = [
                "status": "ok", "protocol": String(SyncProtocol.version), "replica": serverReplica.rawValue,
                "office": service.store.identity.office.rawValue, "role": service.store.identity.role.rawValue,
                "name": service.store.identity.name,
            ]
            return Self.json(body)
        case SyncProtocol.Path.vector:
            // Which replica answers: a client believes this replica's own key declaration in
            // the batches it pulls (the certificate proved who answers; see `MergeOptions`).
            var response = Self.binary(try await service.vector(), type: SyncProtocol.MediaType.vector)
            response.headers[Self.replicaField] = serverReplica.rawValue
            if let key = service.store.publicKey { response.headers[Self.keyField] = key.hex }
            let me = service.store.identity
            response.headers[Self.authorField] = "\(me.office) \(me.role.rawValue)"
            return response
        case SyncProtocol.Path.pull:
            let body = try await Self.collect(request, limit: service.options.maxVectorBytes, type: SyncProtocol.MediaType.vector)
            let limit = Self.pullLimit(request, maximum: service.options.maxPullChanges)
            let pulled = try await service.pull(vectorBytes: body, limit: limit)
            outcome.pulled = pulled.changes
            outcome.more = pulled.more
            var response = Self.binary(pulled.frame, type: SyncProtocol.MediaType.batch)
            response.headers[Self.moreField] = pulled.more ? "true" : "false"
            response.headers[Self.changesField] = String(pulled.changes)
            return response
        default:
            guard let pusher = peer.pusher else { throw SyncHTTPError(.badRequest, SyncErrorCode.badReplicaHeader, "no replica id") }
            guard peer.author.role != ReplicaRole.auditor else {
                throw SyncHTTPError(.forbidden, SyncErrorCode.auditorReadOnly,
                                    "auditors only read: \(peer.identity) may pull but never push changes")
            }
            let body = try await Self.collect(request, limit: service.options.limits.maxFrameBytes, type: SyncProtocol.MediaType.batch)
            let report = try await service.push(frame: body, from: pusher)
            outcome.pushed = report.applied
            outcome.duplicates = report.duplicates
            outcome.refused = report.refused.count
            outcome.held = report.held.count
            return Self.json(report)
        }
    }

    // MARK: Request checks

    static func unknownPath(_ path: String) -> SyncHTTPError {
        let first = path.split(separator: "/").first ?? ""
        if first.count > 1, first.first == "v", first.dropFirst().allSatisfy(\.isNumber), first != "v\(SyncProtocol.version)" {
            return SyncHTTPError(.notFound, SyncErrorCode.protocolMismatch,
                                 "this server speaks Accord sync protocol \(SyncProtocol.version) (\(SyncProtocol.pathPrefix)/…), not \(first); use an accord of the same protocol version")
        }
        return SyncHTTPError(.notFound, SyncErrorCode.notFound,
                             "no endpoint \(path); the endpoints are \(SyncProtocol.Path.health), \(SyncProtocol.Path.vector), \(SyncProtocol.Path.pull) and \(SyncProtocol.Path.push)")
    }

    static func checkProtocol(_ request: Request) throws {
        let stated = request.headers[protocolField]
        guard stated == String(SyncProtocol.version) else {
            let what = stated.map { "says protocol \"\($0.prefix(20))\"" } ?? "has no \(SyncProtocol.Header.protocolVersion) header"
            throw SyncHTTPError(.badRequest, SyncErrorCode.protocolMismatch,
                                "this server speaks Accord sync protocol \(SyncProtocol.version), but the request \(what); use an accord of the same protocol version")
        }
    }

    static func pullLimit(_ request: Request, maximum: Int) -> Int {
        let asked = request.uri.queryParameters["limit"].flatMap { Int($0) } ?? SyncProtocol.defaultBatchChanges
        return min(max(asked, 1), maximum)
    }

    /// Reads a whole body, refusing it early from its Content-Length, or as soon as it grows
    /// past `limit`, so an oversized upload costs the server at most `limit` bytes.
    static func collect(_ request: Request, limit: Int, type: String) async throws -> [UInt8] {
        if let contentType = request.headers[.contentType], !contentType.hasPrefix(type) {
            throw SyncHTTPError(.unsupportedMediaType, SyncErrorCode.unsupportedMediaType,
                                "\(request.uri.path) takes \(type), not \(contentType)")
        }
        let tooLarge = SyncHTTPError(.contentTooLarge, SyncErrorCode.bodyTooLarge,
                                     "the request body is larger than the \(limit) bytes this server accepts on \(request.uri.path); send smaller batches")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > limit { throw tooLarge }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw tooLarge
        }
    }

    // MARK: Responses

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(value)) ?? Data("{\"code\":\"internal\",\"message\":\"could not encode the response\"}".utf8)
        return Response(status: status, headers: [.contentType: SyncProtocol.MediaType.json],
                         body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func binary(_ bytes: [UInt8], type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    // MARK: Logging

    private func log(_ request: Request, response: Response, outcome: Outcome, elapsed: Duration) {
        var metadata: Logger.Metadata = [
            "endpoint": "\(request.method.rawValue) \(request.uri.path)",
            "status": "\(response.status.code)",
            "duration_ms": "\(String(format: "%.1f", Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000))",
        ]
        if let peer = outcome.peer {
            metadata["office"] = "\(peer.identity.office)"
            metadata["role"] = "\(peer.identity.role.rawValue)"
            metadata["name"] = "\(peer.identity.replicaName)"
            if let replica = peer.replica { metadata["replica"] = "\(replica)" }
        } else if let replica = request.headers[Self.replicaField] {
            metadata["replica"] = "\(replica.prefix(20))"
        }
        if request.uri.path == SyncProtocol.Path.push {
            metadata["pushed"] = "\(outcome.pushed)"
            metadata["duplicates"] = "\(outcome.duplicates)"
            metadata["refused"] = "\(outcome.refused)"
            metadata["held"] = "\(outcome.held)"
        }
        if request.uri.path == SyncProtocol.Path.pull {
            metadata["pulled"] = "\(outcome.pulled)"
            if let more = outcome.more { metadata["more"] = "\(more)" }
        }
        let level: Logger.Level = response.status.code >= 500 ? .error : response.status.code >= 400 ? .warning : .info
        logger.log(level: level, "sync request", metadata: metadata)
    }
}
