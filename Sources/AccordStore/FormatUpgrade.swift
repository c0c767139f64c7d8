import AccordCore
import Foundation
import GRDB

/// Upgrades of replica files written by earlier versions, run by `ReplicaStore.open` in one
/// transaction. The changes, their hashes and signatures are kept byte for byte; only their
/// layout changes and what the newer format adds is computed.
enum FormatUpgrade {
    /// Format 2 or 3 → 4. Format 3 kept one log row per run (`accord_change`, with a record
    /// index) and format 2 had no receipt digest; format 4 keeps up to `LogSegment.maxRuns`
    /// consecutive runs of one author received at one time in a row of `accord_log`, each
    /// record's stamps in its row (`accord_stamps`), and the receipt digest of those rows.
    static func toFormat4(_ db: Database) throws {
        for sql in ReplicaSQL.statements where sql.contains("CREATE TABLE accord_log") { try db.execute(sql: sql) }
        var insert = try RawStatement(db, sql: "INSERT INTO accord_log (replica, first_seq, last_seq, received, prev_hash, runs) VALUES (?, ?, ?, ?, ?, ?)")
        var authors: [Int64: ReplicaID] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT idx, id FROM accord_replica") {
            if let id = ReplicaID(row[1] as String) { authors[row[0]] = id }
        }
        var receipts = ReceiptDigest()
        var open: (replica: Int64, firstSeq: Int64, lastSeq: Int64, received: Int64, previousHash: Data?, runs: Int)?
        var runs = ByteWriter()
        var scratch = ByteWriter()
        func close() throws {
            guard let segment = open else { return }
            insert.bind(segment.replica)
            insert.bind(segment.firstSeq)
            insert.bind(segment.lastSeq)
            insert.bind(segment.received)
            insert.bind(segment.previousHash.map { Array($0) })
            insert.bind(runs.bytes)
            try insert.execute()
            if let author = authors[segment.replica] {  // else `verify` names the row
                receipts.add(author: author, firstSeq: UInt64(segment.firstSeq), lastSeq: UInt64(segment.lastSeq), received: segment.received)
            }
            runs.removeAll()
            open = nil
        }
        let rows = try Row.fetchCursor(db, sql: "SELECT replica, first_seq, last_seq, received, prev_hash, record, hlc, body FROM accord_change ORDER BY replica, first_seq")
        while let row = try rows.next() {
            let replica: Int64 = row[0], firstSeq: Int64 = row[1], lastSeq: Int64 = row[2], received: Int64 = row[3]
            guard let record = RecordID(row[5] as String) else { throw DatabaseError(message: "accord_change holds malformed record id \(row[5] as String)") }
            var reader = ByteReader(Array(row[7] as Data))
            let entries = try RunBodyCodec.decode(&reader, count: 0, untilEnd: true, kind: record.kind, baseHLC: HLC(rawValue: UInt64(row[6] as Int64)))
            if let segment = open, segment.replica == replica, segment.lastSeq + 1 == firstSeq, segment.received == received,
               segment.runs < LogSegment.maxRuns {
                open!.lastSeq = lastSeq
                open!.runs += 1
            } else {
                try close()
                open = (replica, firstSeq, lastSeq, received, row[4], 1)
            }
            // The author is only needed for the hashes, which the layout does not store per run.
            LogSegment.append(ChangeRun(author: ReplicaID(value: 0), firstSeq: UInt64(firstSeq), record: record, previousHash: nil, entries: entries),
                              to: &runs, scratch: &scratch)
        }
        try close()
        try db.execute(sql: "DROP TABLE accord_change")
        for kind in RecordKind.allCases {
            try db.execute(sql: "ALTER TABLE \(kind.rawValue) ADD COLUMN \(ReplicaSQL.stampsColumn) BLOB NOT NULL DEFAULT x''")
        }
        try ReplicaStore.rebuildTables(db)
        try receipts.store(in: db)
        try db.execute(sql: "UPDATE accord_meta SET value = '4' WHERE key = 'format'")
    }
}
