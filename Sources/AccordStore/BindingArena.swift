import AccordCore

/// Copies of the values of one statement's parameters, where SQLite reads them in place.
///
/// SQLite copies every text and blob bound with SQLITE_TRANSIENT into memory of its own, one
/// allocation a value: for a large import's collection rows that cost as many instructions as
/// the inserts themselves (BENCHMARKS.md). Values copied here are bound with SQLITE_STATIC
/// instead; they stay put until `reset()`, which the caller runs only once the statement has
/// been stepped and its bindings cleared (`ArenaBinding.execute`).
final class BindingArena {
    private static let chunkSize = 64 * 1024
    /// Filled one after the other; a value never moves, so the pointers SQLite holds stay valid.
    private var chunks: [UnsafeMutableRawBufferPointer] = []
    /// Bytes used in the last chunk.
    private var used = 0

    /// A copy of `bytes` that stays valid until `reset()`.
    func copy(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        if chunks.isEmpty || used + bytes.count > chunks[chunks.count - 1].count {
            chunks.append(.allocate(byteCount: max(Self.chunkSize, bytes.count), alignment: 8))
            used = 0
        }
        let target = UnsafeMutableRawBufferPointer(rebasing: chunks[chunks.count - 1][used ..< used + bytes.count])
        target.copyMemory(from: bytes)
        used += bytes.count
        return UnsafeRawBufferPointer(target)
    }

    /// Forgets every copy, keeping the first chunk for the next row.
    func reset() {
        while chunks.count > 1 { chunks.removeLast().deallocate() }
        used = 0
    }

    deinit {
        for chunk in chunks { chunk.deallocate() }
    }
}

/// A statement whose texts and blobs are bound from copies in a `BindingArena`: what the insert
/// thread binds a collection row through (`RecordRow.bind`).
struct ArenaBinding: ColumnSink {
    var statement: RawStatement
    let arena: BindingArena

    mutating func bind(_ text: String?) {
        guard let text else { statement.bind(nil as Int64?); return }
        statement.bindStatic(text.withUTF8Bytes { arena.copy(UnsafeRawBufferPointer($0)) }, asText: true)
    }

    mutating func bind(_ number: Int64?) { statement.bind(number) }

    mutating func bind(_ bytes: [UInt8]?) {
        guard let bytes else { statement.bind(nil as Int64?); return }
        statement.bindStatic(bytes.withUnsafeBytes { arena.copy($0) }, asText: false)
    }

    /// Runs the statement, then clears its bindings before the copies they point to are
    /// forgotten: no later use of the statement can read them.
    mutating func execute() throws {
        defer {
            statement.clearBindings()
            arena.reset()
        }
        try statement.execute()
    }
}
