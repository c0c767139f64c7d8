import AccordCore
import GRDB

/// The SQL of an `InsertBatch`: the statements a write transaction's inserts use, owned by
/// whichever thread holds the connection (see `InsertPipeline`).
final class LogInserter {
    private var insertSegment: RawStatement
    private var insertSignature: RawStatement
    private var upserts: [RecordKind: RawStatement] = [:]
    private var stamps = ByteWriter(capacity: 256)
    private var runs = ByteWriter(capacity: 16 * 1024)
    private var body = ByteWriter(capacity: 512)
    private let received: Int64

    init(_ db: Database, received: Int64) throws {
        self.received = received
        insertSegment = try RawStatement(db, sql: """
            INSERT INTO accord_log (replica, first_seq, last_seq, received, prev_hash, runs) VALUES (?, ?, ?, ?, ?, ?)
            """)
        insertSignature = try RawStatement(db, sql: "INSERT OR IGNORE INTO accord_signature (replica, seq, signature) VALUES (?, ?, ?)")
        for kind in RecordKind.allCases { upserts[kind] = try RawStatement(db, sql: RecordRow.upsertSQL(kind)) }
    }

    func insert(_ batch: inout InsertBatch) throws {
        for segment in batch.segments {
            runs.removeAll()
            for run in segment.runs { LogSegment.append(run, to: &runs, scratch: &body) }
            insertSegment.bind(segment.replica)
            insertSegment.bind(segment.firstSeq)
            insertSegment.bind(segment.lastSeq)
            insertSegment.bind(received)
            insertSegment.bind(segment.previousHash)
            insertSegment.bind(runs.bytes)
            try insertSegment.execute()
        }
        for state in batch.rows {
            let kind = state.id.kind
            // Taken out of the dictionary for the row: one lookup instead of one per column.
            var upsert = upserts.removeValue(forKey: kind)!
            RecordRow.bind(state, into: &upsert, stamps: &stamps)
            defer { upserts[kind] = upsert }
            try upsert.execute()
        }
        for signature in batch.signatures {
            insertSignature.bind(signature.replica)
            insertSignature.bind(signature.seq)
            insertSignature.bind(signature.bytes)
            try insertSignature.execute()
        }
    }
}
