import AccordCore
import GRDB

/// The SQL of an `InsertBatch`: the statements a write transaction's inserts use, owned by
/// whichever thread holds the connection (see `InsertPipeline`).
final class LogInserter {
    private var insertSegment: RawStatement
    private var insertSignature: RawStatement
    private let rows: RecordRowWriter
    private var runs = ByteWriter(capacity: 16 * 1024)
    private var body = ByteWriter(capacity: 512)
    private let received: Int64

    init(_ db: Database, received: Int64) throws {
        self.received = received
        insertSegment = try RawStatement(db, sql: """
            INSERT INTO accord_log (replica, first_seq, last_seq, received, prev_hash, runs) VALUES (?, ?, ?, ?, ?, ?)
            """)
        insertSignature = try RawStatement(db, sql: "INSERT OR IGNORE INTO accord_signature (replica, seq, signature) VALUES (?, ?, ?)")
        rows = try RecordRowWriter(db)
    }

    /// The items are read in place through buffer pointers: iterating the arrays would copy each
    /// run and state (retaining what they hold) only to read it.
    func insert(_ batch: inout InsertBatch) throws {
        try batch.segments.withUnsafeBufferPointer { segments in
            for index in segments.indices {
                runs.removeAll()
                segments[index].runs.withUnsafeBufferPointer { segmentRuns in
                    for run in segmentRuns.indices { LogSegment.append(segmentRuns[run], to: &runs, scratch: &body) }
                }
                insertSegment.bind(segments[index].replica)
                insertSegment.bind(segments[index].firstSeq)
                insertSegment.bind(segments[index].lastSeq)
                insertSegment.bind(received)
                insertSegment.bind(segments[index].previousHash)
                insertSegment.bind(runs.bytes)
                try insertSegment.execute()
            }
        }
        try batch.rows.withUnsafeBufferPointer { states in
            for index in states.indices { try rows.write(states[index]) }
        }
        for signature in batch.signatures {
            insertSignature.bind(signature.replica)
            insertSignature.bind(signature.seq)
            insertSignature.bind(signature.bytes)
            try insertSignature.execute()
        }
    }
}
