/// The runs of one row of the log (`accord_log.runs`): consecutive runs of one author, stored
/// by one transaction. Storing a hundred runs in a row instead of one costs SQLite a hundredth
/// of the inserts, which is most of what a large import or merge spends in the log
/// (BENCHMARKS.md). The author, the first sequence number, the hash before it and the time
/// received are columns of the row; each run is:
///
///     string   record id
///     varint   change count (at least 1)
///     varint   hlc of its first change
///     varint   body length in bytes
///     bytes    body (`RunBodyCodec`, the entries' hlcs as differences from the first)
///
/// A run's sequence numbers follow from the row's first one and the counts before it; its
/// previous hash is the chain hash of the change before it, recomputed (`chain`).
public enum LogSegment {
    /// At most this many runs share a row: an audit of one record decodes the rows it appears
    /// in, so rows stay small.
    public static let maxRuns = 100

    /// Appends `run` to the runs of a row; `scratch` holds its body while it is measured.
    public static func append(_ run: ChangeRun, to writer: inout ByteWriter, scratch: inout ByteWriter) {
        guard let first = run.entries.first else { return }
        scratch.removeAll()
        RunBodyCodec.encode(run.entries, kind: run.record.kind, baseHLC: first.hlc, into: &scratch)
        writer.string(run.record.rawValue)
        writer.varint(UInt64(run.entries.count))
        writer.varint(first.hlc.rawValue)
        writer.varint(UInt64(scratch.bytes.count))
        writer.raw(scratch.bytes)
    }

    /// One run of a row, located but not decoded.
    public struct Run {
        /// Where the record id's UTF-8 bytes are.
        let recordBytes: Range<Int>
        public let record: RecordID
        public let firstSeq: UInt64
        public let count: Int
        public let baseHLC: HLC
        /// Where its body is (`RunBodyCodec`).
        public let body: Range<Int>

        public var lastSeq: UInt64 { firstSeq + UInt64(count) - 1 }
    }

    /// Walks the runs of a row in order, checking every bound (the file may have been edited).
    public struct Reader {
        public let bytes: [UInt8]
        private var offset = 0
        private var nextSeq: UInt64

        public init(_ bytes: [UInt8], firstSeq: UInt64) {
            self.bytes = bytes
            self.nextSeq = firstSeq
        }

        public var isAtEnd: Bool { offset >= bytes.count }

        /// The next run, or nil after the last.
        public mutating func next() throws(DecodingFailure) -> Run? { try next(of: nil) }

        /// The next run of a record of `kind` (of any kind if nil), or nil after the last; runs of
        /// other kinds are stepped over without parsing their ids, as a replay of one collection
        /// does for every run of the others.
        public mutating func next(of kind: RecordKind?) throws(DecodingFailure) -> Run? {
            while !isAtEnd {
                if let run = try nextRun(of: kind) { return run }
            }
            return nil
        }

        private mutating func nextRun(of kind: RecordKind?) throws(DecodingFailure) -> Run? {
            var reader = ByteReader(bytes, offset: offset)
            let length = try reader.varint()
            guard length <= UInt64(bytes.count - reader.offset) else { throw reader.failure("record id longer than the row") }
            let recordBytes = reader.offset ..< reader.offset + Int(length)
            let wanted = kind.map { Self.idBytes(recordBytes, in: bytes, haveKind: $0) } ?? true
            let record: RecordID?
            if wanted {
                guard let text = String(validating: bytes[recordBytes], as: UTF8.self), let parsed = RecordID(text) else {
                    throw reader.failure("malformed record id")
                }
                record = parsed
            } else {
                record = nil
            }
            _ = try reader.raw(Int(length))
            let count = try reader.varint()
            guard count >= 1, count <= UInt64(bytes.count) else { throw reader.failure("bad change count \(count)") }
            let base = try reader.varint()
            let bodyLength = try reader.varint()
            guard bodyLength <= UInt64(bytes.count - reader.offset) else { throw reader.failure("run body longer than the row") }
            let body = reader.offset ..< reader.offset + Int(bodyLength)
            offset = body.upperBound
            defer { nextSeq += count }
            guard let record else { return nil }
            return Run(recordBytes: recordBytes, record: record, firstSeq: nextSeq, count: Int(count), baseHLC: HLC(rawValue: base), body: body)
        }

        /// True when the id in `range` begins with `kind`'s prefix and a dash.
        private static func idBytes(_ range: Range<Int>, in bytes: [UInt8], haveKind kind: RecordKind) -> Bool {
            let prefix = kind.idPrefix.utf8
            guard range.count > prefix.count, bytes[range.lowerBound + prefix.count] == UInt8(ascii: "-") else { return false }
            return bytes[range.lowerBound ..< range.lowerBound + prefix.count].elementsEqual(prefix)
        }

        /// True when `run` is a run of the record whose id has these UTF-8 bytes.
        public func run(_ run: Run, isOf record: [UInt8]) -> Bool { bytes[run.recordBytes].elementsEqual(record) }

        /// The entries of `run`.
        public func entries(of run: Run) throws(DecodingFailure) -> [ChangeRun.Entry] {
            var reader = ByteReader(bytes, offset: run.body.lowerBound)
            let entries = try RunBodyCodec.decode(&reader, count: run.count, kind: run.record.kind, baseHLC: run.baseHLC)
            guard reader.offset == run.body.upperBound else { throw reader.failure("run body does not end where its length says") }
            return entries
        }

        /// Applies `run` to `state` (the state of its record) without building its entries.
        public func apply(_ run: Run, author: ReplicaID, to state: inout RecordState) throws(DecodingFailure) {
            var reader = ByteReader(bytes, offset: run.body.lowerBound)
            try RunBodyCodec.apply(&reader, count: run.count, author: author, firstSeq: run.firstSeq, baseHLC: run.baseHLC, to: &state)
            guard reader.offset == run.body.upperBound else { throw reader.failure("run body does not end where its length says") }
        }
    }

    /// Every run of a row with its entries, each chained to the one before it: the first to
    /// `previousHash` (the row's), each next one to its predecessor's last chain hash. Returns
    /// the runs and the chain hash of the row's last change.
    public static func chain(_ bytes: [UInt8], author: ReplicaID, firstSeq: UInt64, previousHash: ChangeHash?,
                             hasher: inout ChangeHasher) throws(DecodingFailure) -> (runs: [ChangeRun], lastHash: ChangeHash?) {
        var reader = Reader(bytes, firstSeq: firstSeq)
        var runs: [ChangeRun] = []
        var previous = previousHash
        while let located = try reader.next() {
            let run = ChangeRun(author: author, firstSeq: located.firstSeq, record: located.record, previousHash: previous,
                                entries: try reader.entries(of: located))
            previous = run.lastHash(hasher: &hasher)
            runs.append(run)
        }
        return (runs, previous)
    }
}
