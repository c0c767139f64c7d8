/// The JSON body of every error response: a stable `code` a program can branch on, and a
/// `message` for the person at the other end that says what is wrong and what to do.
public struct SyncErrorBody: Codable, Sendable, Hashable, Error, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(message) [\(code)]" }
}

/// The error codes of the protocol, with the HTTP status each travels with.
public enum SyncErrorCode {
    public static let protocolMismatch = "protocol-mismatch"        // 400, or 404 for another /vN path
    public static let badReplicaHeader = "bad-replica-header"       // 400
    public static let certificateInvalid = "certificate-invalid"    // 403
    public static let identityConflict = "identity-conflict"        // 403
    public static let identityMismatch = "identity-mismatch"        // 403
    public static let auditorReadOnly = "auditor-read-only"         // 403
    public static let bodyTooLarge = "body-too-large"               // 413
    public static let vectorMalformed = "vector-malformed"          // 400
    public static let notFound = "not-found"                        // 404
    public static let methodNotAllowed = "method-not-allowed"       // 405
    public static let unsupportedMediaType = "unsupported-media-type" // 415
    public static let internalError = "internal"                    // 500
    // Wire batch errors (`WireFormatError.code`): batch-malformed 400, batch-too-large 413,
    // batch-unsupported-format 415.
}
