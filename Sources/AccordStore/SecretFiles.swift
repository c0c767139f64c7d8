import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure of `SecretFiles`, naming the file and what to do.
public struct SecretFileError: Error, CustomStringConvertible, Sendable {
    public var message: String
    init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Small-file I/O for keys and certificates (the PKI's and each replica's signing key): atomic,
/// never overwriting, errors that name the file.
///
/// A half-written key, a key that was briefly world-readable, or a CA key silently replaced
/// (which would invalidate every certificate it ever issued) are all worse than failing, so:
/// - contents go to a temporary file in the same directory, created with the final mode
///   (e.g. 0600) and `fchmod`ed to it whatever the umask, then flushed with `fsync`;
/// - the temporary file is published with `link(2)`, which fails if the target exists, so
///   "refuse to overwrite" holds even against a concurrent writer; on file systems without
///   hard links it falls back to check-then-`rename(2)`, which is still atomic for readers.
public enum SecretFiles {
    /// Whether anything (file, directory, dangling symlink) exists at `url`.
    public static func exists(_ url: URL) -> Bool {
        var info = stat()
        return lstat(url.path(percentEncoded: false), &info) == 0
    }

    public static func createDirectory(_ url: URL) throws(SecretFileError) {
        do {
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        } catch {
            throw SecretFileError(
                "cannot create directory \(url.path(percentEncoded: false)): \(error.localizedDescription); "
                    + "check the path and its permissions"
            )
        }
    }

    /// Reads a UTF-8 text file; `what` names it in errors (e.g. "CA certificate"), `ifMissing` says what to do.
    public static func readText(_ url: URL, what: String, ifMissing: String) throws(SecretFileError) -> String {
        let path = url.path(percentEncoded: false)
        guard exists(url) else {
            throw SecretFileError("\(what) \(path) does not exist; \(ifMissing)")
        }
        do {
            return try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw SecretFileError("cannot read \(what) \(path): \(error.localizedDescription); check its permissions")
        }
    }

    /// Creates `url` with `contents` and permission bits `mode`, atomically; throws if `url` already exists.
    public static func writeNew(_ contents: String, to url: URL, mode: mode_t) throws(SecretFileError) {
        let path = url.path(percentEncoded: false)
        let directory = url.deletingLastPathComponent()
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).tmp-\(UUID().uuidString)")
        let temporaryPath = temporary.path(percentEncoded: false)

        let fd = open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw SecretFileError(
                "cannot create a file in \(directory.path(percentEncoded: false)): \(lastError()); "
                    + "check the directory exists and is writable"
            )
        }
        var published = false
        defer { if !published { unlink(temporaryPath) } }

        do {
            defer { close(fd) }
            guard fchmod(fd, mode) == 0 else {
                throw SecretFileError("cannot set permissions on \(temporaryPath): \(lastError())")
            }
            try writeAll(Array(contents.utf8), to: fd, path: temporaryPath)
            guard fsync(fd) == 0 else {
                throw SecretFileError("cannot flush \(temporaryPath) to disk: \(lastError())")
            }
        }

        if link(temporaryPath, path) == 0 {
            published = true
            unlink(temporaryPath)
            return
        }
        let linkError = errno
        if linkError == EEXIST {
            throw refusal(path)
        }
        // No hard links here (some network and FAT file systems): check, then rename.
        // Only a writer racing between the check and the rename could be overwritten.
        guard !exists(url) else { throw refusal(path) }
        guard rename(temporaryPath, path) == 0 else {
            throw SecretFileError("cannot create \(path): \(lastError()) (link failed first: \(describe(linkError)))")
        }
        published = true
    }

    /// Removes a file this process just wrote, to undo half of a pair (key without certificate).
    public static func removeQuietly(_ url: URL) {
        unlink(url.path(percentEncoded: false))
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32, path: String) throws(SecretFileError) {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw SecretFileError("cannot write \(path): \(lastError()); check free disk space")
            }
            offset += written
        }
    }

    private static func refusal(_ path: String) -> SecretFileError {
        SecretFileError(
            "\(path) already exists; refusing to overwrite it. Move it aside first if you really mean to replace it"
        )
    }

    private static func lastError() -> String { describe(errno) }

    private static func describe(_ code: Int32) -> String { String(cString: strerror(code)) }
}
