/// The body of a run as stored in the log's `body` column and inside wire batches:
///
///     per entry:
///       varint   hlc delta from the previous entry (the first entry: from the run's base hlc)
///       varint   field: 0 = name follows as string, 1 = `_deleted`, n ≥ 2 = schema field n - 2
///       [string  field name]
///       u8       bits 0–2 value tag (0 null, 1 false, 2 true, 3 integer, 4 string); bit 3: element follows
///       [string  element]
///       [zigzag varint integer | string text]
///
/// Strings are a varint byte count and UTF-8. Schema positions come from `RecordSchema`, whose
/// field order is append-only.
public enum RunBodyCodec {
    public static func encode(_ entries: [ChangeRun.Entry], kind: RecordKind, baseHLC: HLC, into writer: inout ByteWriter) {
        let schema = RecordSchema.of(kind)
        var previous = baseHLC
        // Entries are read in place: iterating the array would copy each (retaining its strings).
        entries.withUnsafeBufferPointer { entries in
            for index in entries.indices {
                writer.varint(entries[index].hlc.rawValue &- previous.rawValue)
                previous = entries[index].hlc
                let field = entries[index].field
                if field == Change.deletedField {
                    writer.varint(1)
                } else if let position = schema.position(of: field) {
                    writer.varint(UInt64(position) + 2)
                } else {
                    writer.varint(0)
                    writer.string(field)
                }
                let tag: UInt8
                switch entries[index].value {
                case .null: tag = 0
                case .bool(let flag): tag = flag ? 2 : 1
                case .int: tag = 3
                case .string: tag = 4
                }
                writer.byte(tag | (entries[index].element == nil ? 0 : 8))
                if let element = entries[index].element { writer.string(element) }
                switch entries[index].value {
                case .int(let number): writer.zigzag(number)
                case .string(let text): writer.string(text)
                default: break
                }
            }
        }
    }

    /// Decodes `count` entries, or with `untilEnd` every entry up to the end of the reader.
    public static func decode(_ reader: inout ByteReader, count: Int, untilEnd: Bool = false, kind: RecordKind,
                              baseHLC: HLC) throws(DecodingFailure) -> [ChangeRun.Entry] {
        let schema = RecordSchema.of(kind)
        var entries: [ChangeRun.Entry] = []
        if !untilEnd { entries.reserveCapacity(min(count, 4096)) }
        var hlc = baseHLC
        while untilEnd ? !reader.isAtEnd : entries.count < count {
            let entry = try readEntry(&reader, fieldCount: schema.fields.count, hlc: &hlc)
            let field: String
            switch entry.field {
            case .position(let position): field = schema.fields[position].name
            case .deleted: field = Change.deletedField
            case .named(let name): field = name
            }
            entries.append(ChangeRun.Entry(hlc: hlc, field: field, element: entry.element, value: entry.value))
        }
        return entries
    }

    /// Decodes the `count` entries of a stored run body and applies them straight to `state`
    /// (the state of the run's record), without building the entries: what every replay of the
    /// log does (rebuild, verify, `--as-of`, `history`).
    public static func apply(_ reader: inout ByteReader, count: Int, author: ReplicaID, firstSeq: UInt64, baseHLC: HLC,
                             to state: inout RecordState) throws(DecodingFailure) {
        let fieldCount = RecordSchema.of(state.id.kind).fields.count
        var hlc = baseHLC
        var seq = firstSeq
        for _ in 0..<count {
            let entry = try readEntry(&reader, fieldCount: fieldCount, hlc: &hlc)
            let stamp = Stamp(hlc: hlc, author: author, seq: seq)
            switch entry.field {
            case .position(let position): state.apply(stamp: stamp, position: position, element: entry.element, value: entry.value)
            case .deleted: state.apply(stamp: stamp, field: Change.deletedField, element: entry.element, value: entry.value)
            case .named(let name): state.apply(stamp: stamp, field: name, element: entry.element, value: entry.value)
            }
            seq += 1
        }
    }

    private enum FieldReference {
        case position(Int)
        case deleted
        case named(String)
    }

    /// Reads one entry; `hlc` advances by its delta.
    private static func readEntry(_ reader: inout ByteReader, fieldCount: Int, hlc: inout HLC) throws(DecodingFailure)
        -> (field: FieldReference, element: String?, value: FieldValue) {
        let delta = try reader.varint()
        guard delta <= UInt64.max - hlc.rawValue else { throw reader.failure("clock overflows") }
        hlc = HLC(rawValue: hlc.rawValue + delta)
        let fieldRef = try reader.varint()
        let field: FieldReference
        switch fieldRef {
        case 0: field = .named(try reader.string())
        case 1: field = .deleted
        default:
            guard fieldRef - 2 < UInt64(fieldCount) else { throw reader.failure("unknown field number \(fieldRef)") }
            field = .position(Int(fieldRef - 2))
        }
        let flags = try reader.byte()
        guard flags & ~0x0F == 0, flags & 7 <= 4 else { throw reader.failure("bad value tag \(flags)") }
        let element = flags & 8 != 0 ? try reader.string() : nil
        let value: FieldValue
        switch flags & 7 {
        case 0: value = .null
        case 1: value = .bool(false)
        case 2: value = .bool(true)
        case 3: value = .int(try reader.zigzag())
        default: value = .string(try reader.string())
        }
        return (field, element, value)
    }
}
