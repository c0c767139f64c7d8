/// The merge state of a record that its collection row does not show: every field's winning
/// stamp, the elements of its sets (removed ones too) and fields unknown to this version. It is
/// stored beside the row (`accord_stamps`), so that a write to a record already held reads one
/// row instead of replaying the record's history from the log; `verify` and `rebuild` recompute
/// it from the log like every other column. Layout (`schemas/storage-encoding.md`):
///
///     u8       version (1)
///     varint   n, then n × u64 big-endian: the authors of the stamps, in id order; a stamp names one by index
///     varint   base hlc, varint base seq (absent when n = 0): the smallest of the stamps, which store differences
///     varint   the number of items (absent when n = 0)
///     items, in this order: `_deleted`; schema fields by position, a scalar before the elements of
///     a set in UTF-8 order; unknown scalars by name; unknown set elements by name and element:
///       u8 1 `_deleted`       · stamp · value
///       u8 2 schema scalar     · varint position · stamp · value (tag 5: the row's column holds it)
///       u8 3 schema element    · varint position · string element · stamp · u8 flag
///       u8 4 unknown scalar    · string field · stamp · value
///       u8 5 unknown element   · string field · string element · stamp · u8 flag
///     stamp := varint author index · varint hlc − base hlc · varint seq − base seq
///     value := u8 tag (0 null, 1 false, 2 true, 3 integer, 4 string, 5 in the column) [zigzag | string]
///
/// A schema scalar's value is left to its column whenever the column gives it back exactly
/// (text, integer or null), which is every value a receiver accepts: the values are not stored twice.
public enum RecordStamps {
    public static let version: UInt8 = 1

    /// The stamps of `state`. Deterministic: the same state always gives the same bytes.
    ///
    /// Written for the insert thread of a large import, which encodes one per record: the fields
    /// are read in place (no copies of their values), and element dictionaries are sorted only
    /// when they hold something.
    public static func encode(_ state: RecordState, into writer: inout ByteWriter) {
        // The authors in id order and the smallest hlc and seq: what the dictionaries' order
        // cannot change, so the bytes are the same in every process.
        var authors = AuthorTable()
        var baseHLC = UInt64.max
        var baseSeq = UInt64.max
        var itemCount: UInt64 = 0
        state.forEachStamp { stamp in
            baseHLC = min(baseHLC, stamp.hlc.rawValue)
            baseSeq = min(baseSeq, stamp.seq)
            authors.insert(stamp.author)
            itemCount += 1
        }
        writer.byte(version)
        writer.varint(UInt64(authors.count))
        authors.forEach { writer.uint64($0.value) }
        guard authors.count > 0 else { return }
        writer.varint(baseHLC)
        writer.varint(baseSeq)
        writer.varint(itemCount)
        func stamp(_ stamp: Stamp) {
            writer.varint(UInt64(authors.index(of: stamp.author)))
            writer.varint(stamp.hlc.rawValue - baseHLC)
            writer.varint(stamp.seq - baseSeq)
        }
        func inline(_ value: FieldValue) {
            switch value {
            case .null: writer.byte(0)
            case .bool(let flag): writer.byte(flag ? 2 : 1)
            case .int(let number):
                writer.byte(3)
                writer.zigzag(number)
            case .string(let text):
                writer.byte(4)
                writer.string(text)
            }
        }
        func byUTF8<Value>(_ a: (key: String, value: Value), _ b: (key: String, value: Value)) -> Bool {
            a.key.utf8.lexicographicallyPrecedes(b.key.utf8)
        }
        if let deletion = state.deletion {
            writer.byte(1)
            stamp(deletion.stamp)
            inline(deletion.value)
        }
        // The arrays are read in place (no copies of the values), by position: a scalar, then
        // the elements of a set.
        state.scalars.withUnsafeBufferPointer { scalars in
            for position in 0 ..< max(scalars.count, state.elementFlags.count) {
                if !scalars.isEmpty, let scalarStamp = scalars[position]?.stamp {
                    writer.byte(2)
                    writer.varint(UInt64(position))
                    stamp(scalarStamp)
                    // Text, integers and null come back from the column exactly; a flag does not.
                    if case .bool(let flag)? = scalars[position]?.value { writer.byte(flag ? 2 : 1) } else { writer.byte(5) }
                }
                guard !state.elementFlags.isEmpty, !state.elementFlags[position].isEmpty else { continue }
                for (element, flag) in state.elementFlags[position].sorted(by: byUTF8) {
                    writer.byte(3)
                    writer.varint(UInt64(position))
                    writer.string(element)
                    stamp(flag.stamp)
                    writer.byte(flag.value ? 1 : 0)
                }
            }
        }
        if !state.unknownScalars.isEmpty {
            for (field, scalar) in state.unknownScalars.sorted(by: byUTF8) {
                writer.byte(4)
                writer.string(field)
                stamp(scalar.stamp)
                inline(scalar.value)
            }
        }
        if !state.unknownSets.isEmpty {
            for (field, elements) in state.unknownSets.sorted(by: byUTF8) {
                for (element, flag) in elements.sorted(by: byUTF8) {
                    writer.byte(5)
                    writer.string(field)
                    writer.string(element)
                    stamp(flag.stamp)
                    writer.byte(flag.value ? 1 : 0)
                }
            }
        }
    }

    /// The distinct authors of a record's stamps, in id order: nearly always one or two, held
    /// inline so that encoding allocates nothing for them.
    private struct AuthorTable {
        private var inline: (ReplicaID?, ReplicaID?, ReplicaID?) = (nil, nil, nil)
        private var more: [ReplicaID] = []
        private(set) var count = 0

        private var all: [ReplicaID] {
            [inline.0, inline.1, inline.2].compactMap { $0 } + more
        }

        mutating func insert(_ author: ReplicaID) {
            if inline.0 == author || inline.1 == author || inline.2 == author { return }
            switch count {
            case 0: inline.0 = author
            case 1: inline.1 = author
            case 2: inline.2 = author
            default:
                if more.contains(author) { return }
                more.append(author)
            }
            count += 1
        }

        /// The author's place in id order.
        func index(of author: ReplicaID) -> Int {
            var index = 0
            if let first = inline.0, first < author { index += 1 }
            if let second = inline.1, second < author { index += 1 }
            if let third = inline.2, third < author { index += 1 }
            for other in more where other < author { index += 1 }
            return index
        }

        func forEach(_ body: (ReplicaID) -> Void) {
            if count == 1, let only = inline.0 { body(only); return }
            for author in all.sorted() { body(author) }
        }
    }

    /// The state of record `id` from its stamps; `column` gives the row's value of the schema
    /// scalar at a position (text, integer or null, as stored).
    public static func decode(_ bytes: [UInt8], id: RecordID, column: (Int) -> FieldValue) throws(DecodingFailure) -> RecordState {
        var reader = ByteReader(bytes)
        var state = RecordState(id: id)
        guard try reader.byte() == version else { throw reader.failure("unknown stamps version") }
        let authorCount = try reader.varint()
        guard authorCount <= UInt64(bytes.count) else { throw reader.failure("too many authors") }
        var authors: [ReplicaID] = []
        for _ in 0..<authorCount { authors.append(ReplicaID(value: try reader.uint64())) }
        if authors.isEmpty {
            guard reader.isAtEnd else { throw reader.failure("stamps without authors") }
            return state
        }
        let baseHLC = try reader.varint()
        let baseSeq = try reader.varint()
        let itemCount = try reader.varint()
        let fieldCount = RecordSchema.of(id.kind).fields.count
        func stamp() throws(DecodingFailure) -> Stamp {
            let index = try reader.varint()
            guard index < UInt64(authors.count) else { throw reader.failure("author index \(index) out of range") }
            let hlc = baseHLC &+ (try reader.varint())
            let seq = baseSeq &+ (try reader.varint())
            return Stamp(hlc: HLC(rawValue: hlc), author: authors[Int(index)], seq: seq)
        }
        func value(position: Int?) throws(DecodingFailure) -> FieldValue {
            switch try reader.byte() {
            case 0: return .null
            case 1: return .bool(false)
            case 2: return .bool(true)
            case 3: return .int(try reader.zigzag())
            case 4: return .string(try reader.string())
            case 5:
                guard let position else { throw reader.failure("a value in a column for a field without one") }
                return column(position)
            case let tag: throw reader.failure("bad value tag \(tag)")
            }
        }
        func position() throws(DecodingFailure) -> Int {
            let position = try reader.varint()
            guard position < UInt64(fieldCount) else { throw reader.failure("unknown field number \(position)") }
            return Int(position)
        }
        func flag() throws(DecodingFailure) -> FieldValue { .bool(try reader.byte() != 0) }
        for _ in 0..<itemCount {
            switch try reader.byte() {
            case 1:
                let stamp = try stamp()
                state.apply(stamp: stamp, field: Change.deletedField, element: nil, value: try value(position: nil))
            case 2:
                let position = try position()
                let stamp = try stamp()
                state.apply(stamp: stamp, position: position, element: nil, value: try value(position: position))
            case 3:
                let position = try position()
                let element = try reader.string()
                let stamp = try stamp()
                state.apply(stamp: stamp, position: position, element: element, value: try flag())
            case 4:
                let field = try reader.string()
                let stamp = try stamp()
                state.apply(stamp: stamp, field: field, element: nil, value: try value(position: nil))
            case 5:
                let field = try reader.string()
                let element = try reader.string()
                let stamp = try stamp()
                state.apply(stamp: stamp, field: field, element: element, value: try flag())
            case let tag:
                throw reader.failure("bad stamps item \(tag)")
            }
        }
        guard reader.isAtEnd else { throw reader.failure("bytes after the last stamp") }
        return state
    }
}

extension RecordState {
    /// Calls `body` with every stamp held, reading the slots in place.
    func forEachStamp(_ body: (Stamp) -> Void) {
        if let deletion { body(deletion.stamp) }
        scalars.withUnsafeBufferPointer { scalars in
            for position in scalars.indices { if let stamp = scalars[position]?.stamp { body(stamp) } }
        }
        for flags in elementFlags where !flags.isEmpty {
            for flag in flags.values { body(flag.stamp) }
        }
        for scalar in unknownScalars.values { body(scalar.stamp) }
        for elements in unknownSets.values { for flag in elements.values { body(flag.stamp) } }
    }
}
