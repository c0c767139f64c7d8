// swift-tools-version: 6.0
import PackageDescription

/// Accord: an offline-first replica store with CRDT sync over mutual TLS.
///
/// Direction of dependency (never the other way round):
///
///     AccordCore  (pure: clocks, changes, merge, validation, authorisation, hashing)
///        ^
///     AccordStore (GRDB / SQLite: the replica on disk)
///        ^
///     AccordSync  (HTTPS hub and client, PKI)
///        ^
///     AccordCLI   (the `accord` commands) <- accord (executable)
let package = Package(
    name: "Accord",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "AccordCore", targets: ["AccordCore"]),
        .library(name: "AccordStore", targets: ["AccordStore"]),
        .library(name: "AccordSync", targets: ["AccordSync"]),
        .executable(name: "accord", targets: ["accord"]),
        .executable(name: "accord-bench", targets: ["accord-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // SHA-256 of every change through the system OpenSSL (libssl-dev): see ChangeHash.swift.
        .target(name: "CSHA256", linkerSettings: [.linkedLibrary("crypto")]),
        .target(
            name: "AccordCore",
            dependencies: ["CSHA256", .product(name: "Crypto", package: "swift-crypto")]
        ),
        .target(
            name: "AccordStore",
            dependencies: ["AccordCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        .target(
            name: "AccordSync",
            dependencies: [
                "AccordCore", "AccordStore", "CZlib",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "AccordCLI",
            dependencies: [
                "AccordCore", "AccordStore", "AccordSync",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "accord",
            dependencies: ["AccordCLI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        .executableTarget(
            name: "accord-bench",
            dependencies: [
                "AccordCore", "AccordStore", "AccordSync",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Shared by the test targets: the sync-fixtures/ loader, a seeded random generator, key introductions.
        .target(
            name: "AccordTestSupport",
            dependencies: ["AccordCore", "AccordStore", .product(name: "Crypto", package: "swift-crypto")],
            path: "Tests/AccordTestSupport"
        ),
        .testTarget(
            name: "AccordCoreTests",
            dependencies: ["AccordCore", "AccordTestSupport", .product(name: "PropertyBased", package: "swift-property-based")],
            resources: []
        ),
        .testTarget(
            name: "AccordStoreTests",
            dependencies: [
                "AccordCore", "AccordStore", "AccordTestSupport",
                .product(name: "PropertyBased", package: "swift-property-based"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "AccordSyncTests",
            dependencies: [
                "AccordCore", "AccordStore", "AccordSync", "AccordTestSupport",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "AccordCLITests",
            dependencies: ["accord", "AccordCore", "AccordStore", "AccordSync", .product(name: "GRDB", package: "GRDB.swift")]
        ),
    ]
)
