import Hummingbird

/// An error the server answers with a status and a JSON `{code, message}` body.
struct SyncHTTPError: Error, CustomStringConvertible {
    var status: HTTPResponse.Status
    var body: SyncErrorBody

    init(_ status: HTTPResponse.Status, _ code: String, _ message: String) {
        self.status = status
        self.body = SyncErrorBody(code: code, message: message)
    }

    var description: String { "\(status.code) \(body)" }

    /// The status each wire-format error travels with.
    init(_ error: WireFormatError) {
        switch error.code {
        case "batch-too-large": self.init(.contentTooLarge, error.code, error.message)
        case "batch-unsupported-format", "vector-unsupported-format": self.init(.unsupportedMediaType, error.code, error.message)
        default: self.init(.badRequest, error.code, error.message)
        }
    }
}
