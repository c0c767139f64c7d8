/// What is wrong with a wire message from a peer. The `code` is stable (it travels in JSON error
/// bodies, see `schemas/sync-protocol.openapi.yaml`); the message names the part at fault so
/// that whoever wrote the sender can find the bug.
public struct WireFormatError: Error, Sendable, Hashable, CustomStringConvertible {
    /// `batch-malformed`, `batch-too-large` or `batch-unsupported-format`.
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    static func malformed(_ message: String) -> WireFormatError {
        WireFormatError(code: "batch-malformed", message: "malformed change batch: \(message)")
    }

    static func tooLarge(_ what: String, found: Int, limit: Int) -> WireFormatError {
        WireFormatError(code: "batch-too-large",
                        message: "change batch too large: \(what) is \(found), the limit is \(limit); send smaller batches")
    }

    static func unsupported(_ message: String) -> WireFormatError {
        WireFormatError(code: "batch-unsupported-format", message: message)
    }
}

/// The bounds a receiver enforces on a batch before and while decoding it, so that a hostile or
/// buggy peer cannot make it allocate or loop without limit.
public struct WireLimits: Sendable, Hashable {
    /// The frame as received (compressed).
    public var maxFrameBytes: Int
    /// The payload after decompression.
    public var maxPayloadBytes: Int
    /// Changes in one batch.
    public var maxChanges: Int
    /// Distinct authors in one batch.
    public var maxAuthors: Int

    public init(maxFrameBytes: Int = 16 << 20, maxPayloadBytes: Int = 64 << 20,
                maxChanges: Int = 250_000, maxAuthors: Int = 100_000) {
        self.maxFrameBytes = maxFrameBytes
        self.maxPayloadBytes = maxPayloadBytes
        self.maxChanges = maxChanges
        self.maxAuthors = maxAuthors
    }
}
