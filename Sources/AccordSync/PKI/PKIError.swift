/// A failure in Accord's certificate handling, phrased for the person running the command.
///
/// PKI problems are almost always operator problems (a wrong path, a name that breaks the
/// rules, a file that would be overwritten), so the error is a single sentence that says what
/// is wrong and what to do, rather than an enum the caller would have to translate.
public struct PKIError: Error, CustomStringConvertible, Sendable {
    /// What went wrong and, where there is a sensible next step, what to do about it.
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
