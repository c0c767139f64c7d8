import AccordCore
import GRDB

/// Upgrades of replica files written by earlier versions, run by `ReplicaStore.open`, each in
/// one transaction: the log is never rewritten, only what the newer format adds is computed.
enum FormatUpgrade {
    /// Format 2 → 3: format 3 adds the receipt digest (`ReceiptDigest`) under
    /// `accord_meta.receipts`, computed from the log as it stands.
    static func fromFormat2(_ db: Database) throws {
        var authors: [Int64: ReplicaID] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT idx, id FROM accord_replica") {
            if let id = ReplicaID(row[1] as String) { authors[row[0]] = id }
        }
        var receipts = ReceiptDigest()
        let rows = try Row.fetchCursor(db, sql: "SELECT replica, first_seq, last_seq, received FROM accord_change")
        while let row = try rows.next() {
            guard let author = authors[row[0]] else { continue }  // `verify` names such a run
            receipts.add(author: author, firstSeq: UInt64(row[1] as Int64), lastSeq: UInt64(row[2] as Int64), received: row[3])
        }
        try receipts.store(in: db)
        try db.execute(sql: "UPDATE accord_meta SET value = '3' WHERE key = 'format'")
    }

    /// Format 3 → 4: format 4 drops the log's record index and keeps each record's stamps in its
    /// row (`accord_stamps`), computed by rebuilding the collection tables from the log.
    static func fromFormat3(_ db: Database) throws {
        try db.execute(sql: "DROP INDEX IF EXISTS accord_change_by_record")
        for kind in RecordKind.allCases {
            try db.execute(sql: "ALTER TABLE \(kind.rawValue) ADD COLUMN \(ReplicaSQL.stampsColumn) BLOB NOT NULL DEFAULT x''")
        }
        try ReplicaStore.rebuildTables(db)
        try db.execute(sql: "UPDATE accord_meta SET value = '4' WHERE key = 'format'")
    }
}
