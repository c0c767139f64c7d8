import AccordCore

/// Why a sync could not run, in words that tell the person at the terminal what to fix.
public enum SyncFailure: Error, Sendable, CustomStringConvertible {
    /// Nothing answers at that address (refused, unreachable, timed out, name unknown).
    case unreachable(url: String, detail: String)
    /// The TLS handshake failed: a certificate problem on one side or the other.
    case tlsHandshake(url: String, reason: String)
    /// The server refused the request: identity, authorisation, protocol version, limits.
    case refused(status: Int, body: SyncErrorBody)
    /// The server answered something this client cannot read.
    case badResponse(String)
    /// This replica or its files do not fit together (checked before connecting).
    case localSetup(String)

    public var description: String {
        switch self {
        case .unreachable(let url, let detail):
            "cannot reach \(url): \(detail); check the address and port, that `accord serve` runs there, and the network"
        case .tlsHandshake(let url, let reason):
            "TLS handshake with \(url) failed: \(reason)"
        case .refused(let status, let body):
            switch body.code {
            case SyncErrorCode.protocolMismatch: "protocol mismatch (HTTP \(status)): \(body.message)"
            default: "the server refused the request (HTTP \(status), \(body.code)): \(body.message)"
            }
        case .badResponse(let message):
            "unexpected answer from the server: \(message)"
        case .localSetup(let message):
            message
        }
    }

    /// The error code the server gave, if it answered with one.
    public var code: String? {
        if case .refused(_, let body) = self { return body.code }
        return nil
    }
}
