import AccordCore

/// Errors of the replica store, each saying what to do about it.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case notAReplica(path: String)
    case alreadyExists(path: String)
    case unsupportedFormat(path: String, found: Int)
    case recordNotFound(String)
    case refused(Refusal)
    case invalid(record: String, problems: [FieldProblem])
    /// The signing key file is unreadable or malformed (`problem` says how).
    case signingKey(path: String, problem: String)
    /// The replica has no signing key file, so it cannot write.
    case missingSigningKey(path: String)

    public var description: String {
        switch self {
        case .notAReplica(let path):
            "\(path) is not an Accord replica; create one with `accord init --db \(path) --office CODE --replica NAME`"
        case .alreadyExists(let path):
            "\(path) already exists; choose another --db path, or remove the file if you mean to start over"
        case .unsupportedFormat(let path, let found):
            "\(path) has replica format \(found), but this accord understands format \(ReplicaSQL.formatVersion); upgrade accord"
        case .recordNotFound(let id):
            "no record \(id) in this replica (`accord list KIND` shows the ids)"
        case .refused(let refusal):
            "refused: \(refusal.message)"
        case .invalid(let record, let problems):
            "\(record): " + problems.map(\.description).joined(separator: "; ")
        case .signingKey(let path, let problem):
            "signing key \(path): \(problem)"
        case .missingSigningKey(let path):
            "the signing key \(path) is missing, so this replica cannot sign (and therefore cannot write) changes; restore the file from a backup, or create a new replica with `accord init`"
        }
    }
}
