import AccordCore
import AccordStore
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// The client side of the protocol: one HTTPS connection pool to one server, speaking as one
/// replica. Each method is one round trip; `SyncSession` strings them into a sync.
///
/// Always `shutdown()` it (also after an error): it owns connections and their TLS state.
public final class SyncClient: Sendable {
    public let baseURL: String
    public let replica: ReplicaID
    private let http: HTTPClient
    private let requestTimeout: TimeAmount
    /// Responses larger than this are refused (a pull batch is far smaller).
    private let maxResponseBytes: Int
    private let limits: WireLimits

    /// - Parameters:
    ///   - url: `https://HOST:PORT` of the server.
    ///   - verifyHostname: see `TLSCredentials.clientConfiguration(verifyHostname:)`.
    ///   - connectTimeout: how long one connection attempt may take.
    ///   - retryConnecting: whether to retry failed connections (with backoff, until
    ///     `connectTimeout`). Off by default: a sync is run by a person or a script that is
    ///     better told at once that nothing answers — running it again resumes it anyway.
    public init(url: String, replica: ReplicaID, credentials: TLSCredentials, verifyHostname: Bool = true,
                limits: WireLimits = WireLimits(), connectTimeout: TimeAmount = .seconds(10),
                retryConnecting: Bool = false, requestTimeout: TimeAmount = .seconds(300)) throws {
        guard let parsed = URL(string: url), parsed.scheme == "https", let host = parsed.host, !host.isEmpty else {
            throw SyncFailure.localSetup("\(url) is not an https:// URL with a host (for example https://hub.example.org:8443)")
        }
        baseURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        self.replica = replica
        self.requestTimeout = requestTimeout
        self.limits = limits
        maxResponseBytes = limits.maxFrameBytes + 1024
        var configuration = HTTPClient.Configuration(
            tlsConfiguration: credentials.clientConfiguration(verifyHostname: verifyHostname),
            timeout: .init(connect: connectTimeout, read: .seconds(120)))
        configuration.httpVersion = .http1Only
        configuration.connectionPool.retryConnectionEstablishment = retryConnecting
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    public func shutdown() async throws { try await http.shutdown() }

    /// What one round trip moved, for summaries and benchmarks.
    public struct Traffic: Sendable, Hashable {
        public var sent = 0
        public var received = 0
        public var roundTrips = 0
    }

    // MARK: Endpoints

    /// `GET /v1/health`: the server's identity.
    public func health() async throws -> [String: String] {
        let (body, _) = try await send(path: SyncProtocol.Path.health, method: .GET, body: nil, type: nil)
        guard let object = try? JSONDecoder().decode([String: String].self, from: Data(body)) else {
            throw SyncFailure.badResponse("the health answer is not the expected JSON object")
        }
        return object
    }

    /// Who answers a vector request: the server's replica id and public key.
    public struct Server: Sendable, Hashable {
        public var replica: ReplicaID
        public var publicKey: ReplicaPublicKey?
        public var author: Author?
    }

    /// `GET /v1/vector`: what the server holds, and who the server is.
    public func vector() async throws -> (vector: VersionVector, server: Server?, traffic: Traffic) {
        let (body, traffic, headers) = try await exchange(path: SyncProtocol.Path.vector, method: .GET, body: nil, type: nil)
        let server = headers.first(name: SyncProtocol.Header.replica).flatMap(ReplicaID.init).map { replica in
            let words = headers.first(name: SyncProtocol.Header.replicaAuthor)?.split(separator: " ") ?? []
            let author = words.count == 2 ? OfficeCode(String(words[0])).flatMap { office in
                ReplicaRole(rawValue: String(words[1])).map { Author(office: office, role: $0) }
            } : nil
            return Server(replica: replica, publicKey: headers.first(name: SyncProtocol.Header.replicaKey).flatMap(ReplicaPublicKey.init(hex:)),
                          author: author)
        }
        do { return (try VectorMessage.decode(body, maxEntries: limits.maxAuthors), server, traffic) } catch {
            throw SyncFailure.badResponse(error.message)
        }
    }

    public struct Pulled: Sendable {
        public var batch: ChangeBatch
        /// The server holds more that this client lacks.
        public var more: Bool
        public var traffic: Traffic
    }

    /// `POST /v1/pull`: at most about `limit` changes this client (holding `have`) lacks.
    public func pull(have: VersionVector, limit: Int = SyncProtocol.defaultBatchChanges) async throws -> Pulled {
        let (body, traffic, headers) = try await exchange(path: SyncProtocol.Path.pull + "?limit=\(limit)", method: .POST,
                                                          body: VectorMessage.encode(have), type: SyncProtocol.MediaType.vector)
        let batch: ChangeBatch
        do { batch = try WireBatch.decode(body, limits: limits) } catch {
            throw SyncFailure.badResponse(error.message)
        }
        return Pulled(batch: batch, more: headers.first(name: SyncProtocol.Header.more) == "true", traffic: traffic)
    }

    /// `POST /v1/push`: the server merges `batch` and says what it did.
    public func push(_ batch: ChangeBatch) async throws -> (PushReport, Traffic) {
        try await push(frame: WireBatch.encode(batch))
    }

    /// Pushes an already encoded frame (tests of hostile input use this directly).
    public func push(frame: [UInt8]) async throws -> (PushReport, Traffic) {
        let (body, traffic) = try await send(path: SyncProtocol.Path.push, method: .POST, body: frame, type: SyncProtocol.MediaType.batch)
        guard let report = try? JSONDecoder().decode(PushReport.self, from: Data(body)) else {
            throw SyncFailure.badResponse("the push report is not the expected JSON")
        }
        return (report, traffic)
    }

    // MARK: Transport

    private func send(path: String, method: HTTPMethod, body: [UInt8]?, type: String?) async throws -> ([UInt8], Traffic) {
        let (bytes, traffic, _) = try await exchange(path: path, method: method, body: body, type: type)
        return (bytes, traffic)
    }

    /// One request with any headers and raw body: the protocol's own calls go through here, and
    /// so do tests that must send what a well-behaved client never would.
    public func raw(path: String, method: String, body: [UInt8]?, headers: [String: String] = [:],
                    includeProtocolHeaders: Bool = true) async throws -> (status: Int, body: [UInt8], headers: [String: String]) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = HTTPMethod(rawValue: method)
        if includeProtocolHeaders {
            request.headers.add(name: SyncProtocol.Header.protocolVersion, value: String(SyncProtocol.version))
            request.headers.add(name: SyncProtocol.Header.replica, value: replica.rawValue)
        }
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        do {
            let response = try await http.execute(request, timeout: requestTimeout)
            let buffer = try await response.body.collect(upTo: maxResponseBytes)
            var headers: [String: String] = [:]
            for header in response.headers { headers[header.name.lowercased()] = header.value }
            return (Int(response.status.code), Array(buffer.readableBytesView), headers)
        } catch {
            throw ConnectionErrorClassifier.classify(error, url: baseURL)
        }
    }

    private func exchange(path: String, method: HTTPMethod, body: [UInt8]?, type: String?) async throws -> ([UInt8], Traffic, HTTPHeaders) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: SyncProtocol.Header.protocolVersion, value: String(SyncProtocol.version))
        request.headers.add(name: SyncProtocol.Header.replica, value: replica.rawValue)
        if let type { request.headers.add(name: "Content-Type", value: type) }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response: HTTPClientResponse
        let bytes: [UInt8]
        do {
            response = try await http.execute(request, timeout: requestTimeout)
            bytes = Array(try await response.body.collect(upTo: maxResponseBytes).readableBytesView)
        } catch {
            throw ConnectionErrorClassifier.classify(error, url: baseURL)
        }
        guard response.status == .ok else {
            if let error = try? JSONDecoder().decode(SyncErrorBody.self, from: Data(bytes)) {
                throw SyncFailure.refused(status: Int(response.status.code), body: error)
            }
            throw SyncFailure.badResponse("HTTP \(response.status.code) from \(baseURL)\(path) without an Accord error body (is this an Accord server?)")
        }
        return (bytes, Traffic(sent: body?.count ?? 0, received: bytes.count, roundTrips: 1), response.headers)
    }
}
