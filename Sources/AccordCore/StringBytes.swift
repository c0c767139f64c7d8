extension String {
    /// Calls `body` with the string's UTF-8 bytes, read where they are. Unlike `withUTF8`, it
    /// needs no mutable copy of the string (a retain and a release each time): the write path
    /// reads the bytes of every field, value and id of a large import this way.
    @inlinable
    public func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return try copy.withUTF8(body)
    }
}
