import AccordCore
import AccordSync
import ArgumentParser
import Foundation

/// `accord pki`: the secretariat's certificate authority.
struct PKICommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pki",
        abstract: "Create the secretariat's CA and issue replica certificates.",
        discussion: """
            Example:
              accord pki init --dir pki
              accord pki issue --dir pki --office KE --role office --replica nairobi-1
            """,
        subcommands: [PKIInitCommand.self, PKIIssueCommand.self]
    )
}

struct PKIInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a CA: DIR/ca.crt (give it to every replica) and DIR/ca.key (keep it secret, mode 0600).",
        discussion: """
            Refuses to overwrite an existing CA: every certificate it issued would stop verifying.
            Example:
              accord pki init --dir pki
            """
    )

    @Option(help: ArgumentHelp("The CA's directory (created if needed).", valueName: "dir")) var dir: String
    @Option(help: "The CA's common name.") var name = "Accord CA"

    func run() throws {
        let ca = try CertificateAuthority.create(in: URL(fileURLWithPath: dir), commonName: name)
        print("created CA \"\(name)\" in \(dir): ca.crt, ca.key (SHA-256 \(ca.certificate.sha256Fingerprint))")
    }
}

struct PKIIssueCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Issue a replica certificate: DIR/NAME.crt and DIR/NAME.key (mode 0600).",
        discussion: """
            The subject is O=office, OU=role, CN=replica name: the hub reads who a replica is from it.
            Example:
              accord pki issue --dir pki --office KE --role office --replica nairobi-1
              accord pki issue --dir pki --office WIPO --role secretariat --replica hub --dns hub.accord.example
            """
    )

    @Option(help: ArgumentHelp("The CA's directory (from `accord pki init`).", valueName: "dir")) var dir: String
    @Option(help: "The office code: ISO 3166-1 alpha-2 (KE, CN, …) or WIPO.") var office: String
    @Option(help: "office, secretariat or auditor.") var role: ReplicaRole
    @Option(help: "The replica name (letters, digits, . _ -); also the file name.") var replica: String
    @Option(help: ArgumentHelp("A host name the replica serves under (repeatable); localhost and 127.0.0.1 are always included.", valueName: "name"))
    var dns: [String] = []

    func run() throws {
        let directory = URL(fileURLWithPath: dir)
        let ca = try CertificateAuthority.load(from: directory)
        let identity = PeerIdentity(office: office.uppercased(), role: role, replicaName: replica)
        let files = try ca.issueFiles(in: directory, identity: identity, dnsNames: dns)
        print("issued \(identity): \(files.certificate.path(percentEncoded: false)), \(files.key.path(percentEncoded: false))")
    }
}
