import CZlib

/// Deflate (zlib format, RFC 1950) for wire batches. Sizes are always known up front on the wire
/// (the frame declares the inflated length), so both directions work in one call on whole
/// buffers, and inflating never produces more than the declared length: a hostile peer cannot
/// make the receiver allocate more than the cap it checked before calling.
enum Zlib {
    /// Compresses `input`; level 1–9 (6 is zlib's default balance of speed and size).
    static func deflate(_ input: [UInt8], level: Int32 = 6) -> [UInt8] {
        var stream = z_stream()
        guard deflateInit_(&stream, level, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            preconditionFailure("zlib deflateInit failed (out of memory)")
        }
        defer { deflateEnd(&stream) }
        let bound = Int(deflateBound(&stream, uLong(input.count)))
        var output = [UInt8](repeating: 0, count: bound)
        let written: Int = input.withUnsafeBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                let status = CZlib.deflate(&stream, Z_FINISH)
                precondition(status == Z_STREAM_END, "zlib deflate did not finish within deflateBound (status \(status))")
                return outBuffer.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(written...)
        return output
    }

    /// Inflates `input`, which must decompress to exactly `expectedCount` bytes with nothing
    /// after the end of the zlib stream.
    static func inflate(_ input: ArraySlice<UInt8>, expectedCount: Int) throws(WireFormatError) -> [UInt8] {
        var stream = z_stream()
        guard inflateInit_(&stream, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw .malformed("the receiver could not start zlib (out of memory)")
        }
        defer { inflateEnd(&stream) }
        // One spare byte: if zlib fills it, the stream is longer than declared.
        var output = [UInt8](repeating: 0, count: expectedCount + 1)
        let (status, produced, leftover) = input.withUnsafeBufferPointer { inBuffer in
            output.withUnsafeMutableBufferPointer { outBuffer in
                stream.next_in = UnsafeMutablePointer(mutating: inBuffer.baseAddress)
                stream.avail_in = uInt(inBuffer.count)
                stream.next_out = outBuffer.baseAddress
                stream.avail_out = uInt(outBuffer.count)
                let status = CZlib.inflate(&stream, Z_FINISH)
                return (status, outBuffer.count - Int(stream.avail_out), Int(stream.avail_in))
            }
        }
        switch status {
        case Z_STREAM_END:
            guard produced == expectedCount else {
                throw .malformed("the compressed body inflates to \(produced) bytes, but the frame declares \(expectedCount)")
            }
            guard leftover == 0 else { throw .malformed("\(leftover) bytes follow the end of the compressed body") }
            output.removeLast()
            return output
        case Z_BUF_ERROR where produced > expectedCount:
            throw .malformed("the compressed body inflates to more than the \(expectedCount) bytes the frame declares")
        case Z_BUF_ERROR:
            throw .malformed("the compressed body is truncated")
        default:
            let message = stream.msg.map { String(cString: $0) } ?? "status \(status)"
            throw .malformed("the compressed body is not valid zlib data (\(message))")
        }
    }
}
