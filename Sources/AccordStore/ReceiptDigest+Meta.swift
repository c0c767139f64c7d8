import AccordCore
import GRDB

/// Where a replica keeps its receipt digest: `accord_meta`, under `receipts`, as 64 hex digits.
extension ReceiptDigest {
    static let metaKey = "receipts"

    /// The stored text, as it is (nil when the key is missing).
    static func storedText(in db: Database) throws -> String? {
        try String.fetchOne(db, sql: "SELECT value FROM accord_meta WHERE key = ?", arguments: [metaKey])
    }

    func store(in db: Database) throws {
        try db.execute(sql: "INSERT OR REPLACE INTO accord_meta (key, value) VALUES (?, ?)", arguments: [Self.metaKey, hex])
    }
}
