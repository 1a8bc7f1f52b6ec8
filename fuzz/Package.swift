// swift-tools-version: 6.1
import PackageDescription

// The main package exports no library products, so a path dependency on ".." cannot reach
// ReplydCore or ReplydConfig. Sources/ReplydCore and Sources/ReplydConfig are symlinks to
// ../Sources instead, and their dependencies repeat those in ../Package.swift: keep them in step.
// Sources/ReplydSMS holds only a symlink to the dependency-free WebhookForm.swift; the rest of that
// target would bring in swift-crypto, AsyncHTTPClient and SwiftNIO.
let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

// One libFuzzer executable per parser; scripts/fuzz builds them with --sanitize fuzzer,address.
let fuzzTargets: [(name: String, libraries: [Target.Dependency])] = [
    ("smtp-session", ["ReplydCore"]), ("headers", ["ReplydCore"]), ("mime", ["ReplydCore"]),
    ("addresses", ["ReplydCore"]), ("sms", ["ReplydCore", "ReplydSMS"]), ("config", ["ReplydConfig"]),
]

let package = Package(
    name: "replyd-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/LebJe/TOMLKit.git", from: "0.6.0"),
    ],
    targets: [
        .target(name: "ReplydCore", dependencies: [.product(name: "Mustache", package: "swift-mustache")],
                resources: [.embedInCode("Resources/notification-email.html")], swiftSettings: strict),
        .target(name: "ReplydConfig", dependencies: ["ReplydCore", .product(name: "TOMLKit", package: "TOMLKit")],
                swiftSettings: strict),
        .target(name: "ReplydSMS", swiftSettings: strict),
        .target(name: "FuzzSupport", swiftSettings: strict),
    ] + fuzzTargets.map {
        .executableTarget(name: $0.name, dependencies: $0.libraries + ["FuzzSupport"], swiftSettings: strict)
    }
)
