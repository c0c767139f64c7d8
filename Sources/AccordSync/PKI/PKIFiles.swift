import AccordStore
import Foundation

/// `SecretFiles` with its errors as `PKIError`, for the PKI commands.
enum PKIFiles {
    static func exists(_ url: URL) -> Bool { SecretFiles.exists(url) }

    static func createDirectory(_ url: URL) throws(PKIError) {
        do { try SecretFiles.createDirectory(url) } catch { throw PKIError(error.message) }
    }

    static func readText(_ url: URL, what: String, ifMissing: String) throws(PKIError) -> String {
        do { return try SecretFiles.readText(url, what: what, ifMissing: ifMissing) } catch { throw PKIError(error.message) }
    }

    static func writeNew(_ contents: String, to url: URL, mode: mode_t) throws(PKIError) {
        do { try SecretFiles.writeNew(contents, to: url, mode: mode) } catch { throw PKIError(error.message) }
    }

    static func removeQuietly(_ url: URL) { SecretFiles.removeQuietly(url) }
}
