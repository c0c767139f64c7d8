import AsyncHTTPClient
import NIOCore
import NIOSSL

/// Turns the transport errors of AsyncHTTPClient, NIO and BoringSSL into a `SyncFailure` that
/// says which side's certificate is at fault where the TLS alert tells.
///
/// BoringSSL reports a refused certificate as an alert name inside the error text
/// (`TLSV1_ALERT_UNKNOWN_CA`, `SSLV3_ALERT_CERTIFICATE_EXPIRED`, …): the name is stable across
/// versions, so matching on it is the only portable way to tell the cases apart.
enum ConnectionErrorClassifier {
    static func classify(_ error: any Error, url: String) -> any Error {
        if error is SyncFailure || error is CancellationError { return error }
        if let client = error as? HTTPClientError, client == .cancelled { return CancellationError() }
        let text = String(describing: error)
        let upper = text.uppercased()
        let tls: [(String, String)] = [
            ("CERTIFICATE_REQUIRED", "the server requires a client certificate and none was sent; pass --cert and --key"),
            ("ALERT_CERTIFICATE_EXPIRED", "the server refused this replica's certificate: it has expired (or is not yet valid); ask the secretariat for a new one (`accord pki issue`)"),
            ("ALERT_UNKNOWN_CA", "the server does not trust this replica's certificate: it was not issued by the server's CA; use a certificate from the secretariat's CA"),
            ("ALERT_BAD_CERTIFICATE", "the server refused this replica's certificate as invalid; re-issue it with `accord pki issue`"),
            ("ALERT_UNSUPPORTED_CERTIFICATE", "the server refused this replica's certificate (unsupported purpose); re-issue it with `accord pki issue`"),
            ("ALERT_CERTIFICATE_REVOKED", "the server refused this replica's certificate: it is revoked"),
            ("ALERT_PROTOCOL_VERSION", "the server and this client share no TLS version (Accord uses TLS 1.3)"),
            ("CERTIFICATE_VERIFY_FAILED", "the server's certificate did not verify against --ca (wrong CA file, an expired server certificate, or a host name the certificate does not list)"),
            ("HOSTNAME", "the server's certificate does not list this host name; use the name it was issued for (`accord pki issue --dns NAME`) or --peer for a LAN address"),
            ("WRONG_VERSION_NUMBER", "the server does not speak TLS on this port (is it `accord serve`?)"),
        ]
        // A connection closed without TLS close_notify: the server went away mid-request.
        if upper.contains("UNCLEANSHUTDOWN") || upper.contains("UNCLEAN SHUTDOWN") {
            return SyncFailure.unreachable(url: url, detail: "the connection was cut mid-request; run the sync again to resume it")
        }
        for (marker, reason) in tls where upper.contains(marker) {
            return SyncFailure.tlsHandshake(url: url, reason: reason)
        }
        if error is NIOSSLError || error is BoringSSLError || upper.contains("HANDSHAKE") || upper.contains("SSL") {
            return SyncFailure.tlsHandshake(url: url, reason: "\(text) (the certificate may have been refused: check --cert, --key and --ca)")
        }
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout: return SyncFailure.unreachable(url: url, detail: "connecting timed out")
            case .readTimeout, .deadlineExceeded: return SyncFailure.unreachable(url: url, detail: "the server stopped answering (timed out)")
            case .remoteConnectionClosed: return SyncFailure.unreachable(url: url, detail: "the server closed the connection mid-request")
            default: break
            }
        }
        for (marker, detail) in [("CONNECTION REFUSED", "connection refused"), ("ECONNREFUSED", "connection refused"),
                                 ("UNREACHABLE", "network unreachable"), ("NO ROUTE", "no route to host"),
                                 ("CONNECT", "could not connect"), ("RESOLVE", "the host name does not resolve"),
                                 ("LOOKUP", "the host name does not resolve")] where upper.contains(marker) {
            return SyncFailure.unreachable(url: url, detail: detail)
        }
        return SyncFailure.unreachable(url: url, detail: text)
    }
}
