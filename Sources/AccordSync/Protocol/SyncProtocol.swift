/// The constants of the Accord sync protocol (`schemas/sync-protocol.openapi.yaml`).
///
/// The version is in the path (`/v1/...`) so that a future hub can serve two versions side by
/// side, and in the `Accord-Protocol` header so that a request that reaches the wrong version
/// says so instead of being misread.
public enum SyncProtocol {
    /// The protocol version this build speaks.
    public static let version = 1
    /// Every route starts with this.
    public static let pathPrefix = "/v\(version)"

    public enum Header {
        /// The protocol version of the request (`1`); required on every request but health.
        public static let protocolVersion = "Accord-Protocol"
        /// The replica id (16 hex digits) of the client's database; bound to its certificate on
        /// first contact. On a vector response: the server's replica id.
        public static let replica = "Accord-Replica"
        /// On a vector response: the server's Ed25519 public key (64 hex digits), which a client
        /// pins on first sync — the certificate proved who answers.
        public static let replicaKey = "Accord-Replica-Key"
        /// On a vector response: the server's office and role (`WIPO secretariat`), recorded with its key.
        public static let replicaAuthor = "Accord-Replica-Author"
        /// On a pull response: `true` when the server holds more changes the client lacks.
        public static let more = "Accord-More"
        /// On a pull response: the number of changes in the batch.
        public static let changes = "Accord-Changes"
    }

    public enum MediaType {
        public static let batch = "application/vnd.accord.batch"
        public static let vector = "application/vnd.accord.vector"
        public static let json = "application/json"
    }

    public enum Path {
        public static let health = "\(pathPrefix)/health"
        public static let vector = "\(pathPrefix)/vector"
        public static let pull = "\(pathPrefix)/pull"
        public static let push = "\(pathPrefix)/push"
    }

    /// Changes per batch when neither side asks for another size: large enough that a big
    /// initial sync is a few hundred round trips, small enough that a batch (one SQLite
    /// transaction on the receiver) stays well under a second and a few megabytes.
    public static let defaultBatchChanges = 5_000
    /// The most changes a server puts in one pull response, whatever the client asks.
    public static let maxPullChanges = 50_000
}
