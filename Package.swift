// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "shinchoku",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "shinchoku-server", targets: ["shinchoku-server"]),
        .executable(name: "shinchoku-admin", targets: ["shinchoku-admin"]),
        .executable(name: "libpq-benchmark", targets: ["libpq-benchmark"]),
        .executable(name: "shinchoku-bench", targets: ["shinchoku-bench"]),
        .library(name: "LibPQ", targets: ["LibPQ"]),
        .library(name: "Shinchoku", targets: ["Shinchoku"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // The C API of libpq. Only LibPQ imports it.
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"]), .brew(["libpq"])]
        ),
        // The C API of libxlsxwriter (Debian's libxlsxwriter-dev). Only ShinchokuReports imports it, in XLSXWorkbook.swift.
        .systemLibrary(
            name: "CXLSXWriter",
            pkgConfig: "xlsxwriter",
            providers: [.apt(["libxlsxwriter-dev"]), .brew(["libxlsxwriter"])]
        ),
        // Safe Swift wrapper: connections, bound queries, decoding, errors, pool.
        .target(
            name: "LibPQ",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // libcurl's C API, for SMTP. Only SMTPMail imports it.
        .systemLibrary(
            name: "CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"]), .brew(["curl"])]
        ),
        // Mail messages (RFC 2047 subjects, base64 UTF-8 bodies) and their SMTP transport on a thread of its own.
        .target(name: "SMTPMail", dependencies: ["CCurl", "LibPQ"]),
        // A throwaway PostgreSQL cluster from the machine's own binaries.
        .target(name: "EmbeddedPostgres"),
        // Migrations, the prefecture's plan and the common-password list, shipped as resources.
        .target(
            name: "ShinchokuSQL",
            path: "sql",
            exclude: ["README.md"],
            sources: ["ShinchokuSQL.swift"],
            resources: [.copy("migrations"), .copy("roles"), .copy("plan"), .copy("passwords")]
        ),
        // Domain and service layer: ownership, workflow, audit. The only place rules live.
        .target(
            name: "Shinchoku",
            dependencies: [
                "LibPQ",
                "ShinchokuSQL",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Actual-against-target reports: formulas and the Markdown, HTML, CSV, JSON and Excel (xlsx) formats.
        .target(name: "ShinchokuReports", dependencies: ["Shinchoku", "CXLSXWriter"]),
        // The admin CLI's commands (a library so tests can run them in-process).
        .target(
            name: "ShinchokuAdmin",
            dependencies: [
                "Shinchoku", "ShinchokuReports", "EmbeddedPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // The HTTP API and the web screens (a library so tests can drive the real application). The screens'
        // Mustache templates and their CSS and script are resources served by the server itself.
        .target(
            name: "ShinchokuServer",
            dependencies: [
                "Shinchoku", "ShinchokuReports", "EmbeddedPostgres", "SMTPMail",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("Web/Templates"), .copy("Web/Static")]
        ),
        .executableTarget(name: "shinchoku-admin", dependencies: ["ShinchokuAdmin"]),
        // SELECT 1 through the pool against a raw libpq loop: `swift run -c release libpq-benchmark`.
        .executableTarget(name: "libpq-benchmark", dependencies: ["LibPQ", "EmbeddedPostgres"]),
        // Turns captured service calls into pgbench scripts, for shinchoku-bench's replay.
        .target(name: "PgbenchReplay", dependencies: ["LibPQ"]),
        // The service against pgbench replaying its own statements, HTTP, reports and import (docs/performance.md):
        // `swift run -c release shinchoku-bench`.
        .executableTarget(
            name: "shinchoku-bench",
            dependencies: [
                "PgbenchReplay", "Shinchoku", "ShinchokuReports", "ShinchokuServer", "EmbeddedPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "shinchoku-server",
            dependencies: [
                "ShinchokuServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Shared test fixtures: a database per test from the embedded cluster or the environment.
        .target(
            name: "TestSupport", dependencies: ["LibPQ", "EmbeddedPostgres", "Shinchoku"], path: "Tests/TestSupport"),
        .testTarget(name: "EmbeddedPostgresTests", dependencies: ["EmbeddedPostgres"]),
        .testTarget(
            name: "LibPQTests",
            dependencies: ["LibPQ", "TestSupport", .product(name: "Metrics", package: "swift-metrics")]),
        .testTarget(name: "PgbenchReplayTests", dependencies: ["PgbenchReplay"]),
        .testTarget(
            name: "ShinchokuTests",
            dependencies: ["Shinchoku", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "ShinchokuReportsTests", dependencies: ["ShinchokuReports", "TestSupport"],
            resources: [.copy("Golden")]),
        .testTarget(
            name: "ShinchokuAdminTests", dependencies: ["ShinchokuAdmin", "TestSupport"], resources: [.copy("Golden")]),
        .testTarget(
            name: "ShinchokuServerTests",
            dependencies: [
                "ShinchokuServer", "TestSupport", "ShinchokuReports",
                // The number grammar test runs the CSV import beside the API.
                "ShinchokuAdmin",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
