// swift-tools-version: 6.1
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "replyd",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "replyd", targets: ["replyd"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "4.0.0"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
    ],
    targets: [
        // Pure core: message model, header parsing, the SMTP protocol state machine, the reply policy
        // and reply composition. No I/O, no clock.
        .target(
            name: "ReplydCore",
            dependencies: [.product(name: "Mustache", package: "swift-mustache")],
            // The page around a notification e-mail's HTML part.
            resources: [.embedInCode("Resources/notification-email.html")],
            swiftSettings: strict
        ),
        // Configuration: TOML text -> validated settings or `file:line: key: problem` diagnostics.
        .target(
            name: "ReplydConfig",
            dependencies: ["ReplydCore", .product(name: "TOMLKit", package: "TOMLKit")],
            swiftSettings: strict
        ),
        // The message path between the edges and the durable queue: inbound -> route -> policy ->
        // compose -> outcome, for mail, SMS and notifications, through the narrow ReplyTransaction.
        .target(
            name: "ReplydPipeline",
            dependencies: ["ReplydCore", .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: strict
        ),
        // The SQLite store: the pipeline's ReplyTransaction and the queue as SQL, and the reads.
        .target(
            name: "ReplydStore",
            dependencies: ["ReplydCore", "ReplydPipeline", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: strict
        ),
        // The PostgreSQL store (several nodes on one database): the same protocols as SQL for
        // PostgreSQL, over postgres-nio's connection pool, with versioned migrations under an advisory lock.
        .target(
            name: "ReplydPostgres",
            dependencies: ["ReplydCore", "ReplydPipeline", .product(name: "PostgresNIO", package: "postgres-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "Logging", package: "swift-log"), .product(name: "Metrics", package: "swift-metrics")],
            swiftSettings: strict
        ),
        // The SMTP listener: SwiftNIO sockets and STARTTLS around the core state machine.
        .target(
            name: "ReplydSMTP",
            dependencies: [
                "ReplydCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            swiftSettings: strict
        ),
        // DNS over UDP and TCP (A, AAAA, MX, TXT, PTR): MX lookups for delivery, SPF at ingest.
        .target(
            name: "ReplydDNS",
            dependencies: ["ReplydCore", .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio")],
            swiftSettings: strict
        ),
        // Outbound delivery: SMTP client (STARTTLS, AUTH), MX lookups, DKIM signing, the queue worker.
        .target(
            name: "ReplydDelivery",
            dependencies: [
                "ReplydCore", "ReplydDNS",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                // DKIM signing (RSA and Ed25519).
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        // SMS: provider webhook signatures (swift-crypto), provider send APIs over HTTPS
        // (AsyncHTTPClient).
        .target(
            name: "ReplydSMS",
            dependencies: [
                "ReplydCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        // The HTTP edge (Hummingbird): the admin API under /api/v1 (token scopes, JSON handlers over
        // the store protocols) and the SMS webhooks that feed the pipeline.
        .target(
            name: "ReplydAPI",
            dependencies: [
                "ReplydCore", "ReplydConfig", "ReplydPipeline", "ReplydSMS",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ],
            // Documents are files, embedded so the binary stays self-contained.
            resources: [.embedInCode("Resources/openapi.json"), .embedInCode("Resources/index.html"),
                        .embedInCode("Resources/app.js"), .embedInCode("Resources/app.css")],
            swiftSettings: strict
        ),
        // Wiring: commands, start-up, development certificate, HTTP.
        .target(
            name: "ReplydApp",
            dependencies: [
                "ReplydCore", "ReplydConfig", "ReplydPipeline", "ReplydStore", "ReplydPostgres", "ReplydSMTP", "ReplydDNS", "ReplydDelivery", "ReplydSMS", "ReplydAPI",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(name: "replyd", dependencies: ["ReplydApp"], swiftSettings: strict),
        // scripts/bench/policy: decision throughput against small and large stores.
        .executableTarget(
            name: "replyd-bench",
            dependencies: ["ReplydCore", "ReplydPipeline", "ReplydStore"],
            swiftSettings: strict
        ),
        // What the test targets share: scratch directories, a line-speaking TCP client, replyd's SMTP
        // listener on an ephemeral port with an in-memory store, measuring how a parser's cost grows.
        .target(
            name: "ReplydTesting",
            dependencies: [
                "ReplydCore", "ReplydSMTP",
                .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "ReplydCoreTests", dependencies: ["ReplydCore", "ReplydTesting"], swiftSettings: strict),
        .testTarget(name: "ReplydConfigTests", dependencies: ["ReplydConfig", "ReplydTesting"], swiftSettings: strict),
        .testTarget(name: "ReplydPipelineTests", dependencies: ["ReplydPipeline", "ReplydStore", "ReplydTesting"], swiftSettings: strict),
        .testTarget(name: "ReplydStoreTests", dependencies: ["ReplydStore", "ReplydPipeline", "ReplydTesting"], swiftSettings: strict),
        .testTarget(name: "ReplydPostgresTests", dependencies: ["ReplydPostgres", "ReplydPipeline", "ReplydTesting"], swiftSettings: strict),
        .testTarget(name: "ReplydSMSTests", dependencies: ["ReplydSMS", "ReplydTesting"], swiftSettings: strict),
        .testTarget(name: "ReplydDNSTests", dependencies: ["ReplydDNS", "ReplydTesting"], swiftSettings: strict),
        .testTarget(name: "ReplydTestingTests", dependencies: ["ReplydTesting"], swiftSettings: strict),
        .testTarget(name: "ReplydSMTPTests", dependencies: [
            "ReplydSMTP", "ReplydTesting",
            .product(name: "NIOEmbedded", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: strict),
        .testTarget(name: "ReplydDeliveryTests", dependencies: [
            "ReplydDelivery", "ReplydStore", "ReplydPipeline", "ReplydTesting",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "_CryptoExtras", package: "swift-crypto"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: strict),
        .testTarget(name: "ReplydAppTests", dependencies: [
            "ReplydApp", "ReplydTesting",
            .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "X509", package: "swift-certificates"),
        ], swiftSettings: strict),
        .testTarget(name: "ReplydAPITests", dependencies: [
            "ReplydAPI", "ReplydStore", "ReplydTesting",
            .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "Crypto", package: "swift-crypto"),
        ], swiftSettings: strict),
    ]
)
