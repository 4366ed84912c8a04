import Foundation
import Testing

@testable import EmbeddedPostgres

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A cluster in a short, fresh temporary directory (/tmp/sk-ep-<random>), stopped and deleted by `cleanUp()`.
struct TemporaryCluster {
    let postgres: EmbeddedPostgres

    init(binDirectory: URL? = nil) {
        let name = "sk-ep-" + String(UInt32.random(in: 0...UInt32.max), radix: 16)
        postgres = EmbeddedPostgres(
            dataDirectory: URL(fileURLWithPath: "/tmp/\(name)"), port: Int.random(in: 20000...40000),
            binDirectory: binDirectory)
    }

    var path: String { postgres.dataDirectory.path }

    func cleanUp() {
        try? postgres.stop()
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// The result of running a client program.
struct Outcome {
    let status: Int32
    let output: String
}

/// Runs `psql` from the located bin directory (PATH as a fallback) with `arguments`, capturing stdout and stderr.
func psql(_ arguments: [String]) throws -> Outcome {
    let bundled = try EmbeddedPostgres.locateBinaries().appendingPathComponent("psql")
    let process = Process()
    if System.isExecutableFile(bundled.path) {
        process.executableURL = bundled
        process.arguments = ["-X", "-At"] + arguments
    } else {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", "-X", "-At"] + arguments
    }
    var environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("PG") }
    environment["PGCONNECT_TIMEOUT"] = "5"
    process.environment = environment
    let pipe = Pipe()
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Outcome(
        status: process.terminationStatus,
        output: String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}

/// Runs `sql` through the cluster's Unix socket as user postgres.
func query(_ postgres: EmbeddedPostgres, _ sql: String) throws -> Outcome {
    try psql([
        "-h", postgres.socketDirectory, "-p", String(postgres.port), "-U", "postgres", "-d", "postgres", "-c", sql,
    ])
}

/// Waits up to `seconds` for `condition` to hold.
func eventually(within seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}

@Suite(.serialized)
struct EmbeddedPostgresTests {
    @Test func locateBinariesFindsTheServerPrograms() throws {
        let directory = try EmbeddedPostgres.locateBinaries()
        for program in ["initdb", "pg_ctl", "postgres"] {
            #expect(System.isExecutableFile(directory.appendingPathComponent(program).path))
        }
    }

    @Test func connectionParametersPointAtTheSocketDirectory() {
        let postgres = EmbeddedPostgres(dataDirectory: URL(fileURLWithPath: "/tmp/sk-ep-x/../sk-ep-y"), port: 6543)
        #expect(postgres.socketDirectory == "/tmp/sk-ep-y")
        #expect(
            postgres.connectionParameters(database: "shinchoku")
                == ["host": "/tmp/sk-ep-y", "port": "6543", "user": "postgres", "dbname": "shinchoku"])
        #expect(postgres.connectionParameters()["dbname"] == "postgres")
        #expect(!postgres.isRunning)
    }

    @Test func startServesQueriesOnTheUnixSocketOnly() throws {
        let cluster = TemporaryCluster()
        defer { cluster.cleanUp() }
        try cluster.postgres.start(fastButUnsafe: true)
        #expect(cluster.postgres.isRunning)
        #expect(FileManager.default.fileExists(atPath: cluster.postgres.socketPath))

        let one = try query(cluster.postgres, "select 1")
        #expect(one.status == 0)
        #expect(one.output == "1")

        #expect(try query(cluster.postgres, "show listen_addresses").output == "")
        #expect(try query(cluster.postgres, "show server_encoding").output == "UTF8")
        #expect(try query(cluster.postgres, "show fsync").output == "off")

        let tcp = try psql(["-h", "127.0.0.1", "-p", String(cluster.postgres.port), "-U", "postgres", "-c", "select 1"])
        #expect(tcp.status != 0)
        #expect(tcp.output != "1")
    }

    @Test func startTwiceReusesTheRunningServer() throws {
        let cluster = TemporaryCluster()
        defer { cluster.cleanUp() }
        try cluster.postgres.start(fastButUnsafe: true)
        let pid = try #require(cluster.postgres.runningPID())

        try cluster.postgres.start(fastButUnsafe: true)
        let sameDirectory = EmbeddedPostgres(dataDirectory: cluster.postgres.dataDirectory, port: cluster.postgres.port)
        try sameDirectory.start()
        #expect(cluster.postgres.runningPID() == pid)
        #expect(try query(cluster.postgres, "select 1").output == "1")
    }

    @Test func startOnARunningClusterWithAnotherPortFails() throws {
        let cluster = TemporaryCluster()
        defer { cluster.cleanUp() }
        try cluster.postgres.start(fastButUnsafe: true)
        let otherPort = EmbeddedPostgres(dataDirectory: cluster.postgres.dataDirectory, port: cluster.postgres.port + 1)
        let error = #expect(throws: EmbeddedPostgresError.self) { try otherPort.start() }
        #expect(error?.step == .start)
        #expect(cluster.postgres.isRunning)
    }

    @Test func stopStopsTheServerAndIsIdempotent() throws {
        let cluster = TemporaryCluster()
        defer { cluster.cleanUp() }
        try cluster.postgres.start(fastButUnsafe: true)
        let pid = try #require(cluster.postgres.runningPID())

        try cluster.postgres.stop()
        #expect(!cluster.postgres.isRunning)
        #expect(!FileManager.default.fileExists(atPath: cluster.path + "/postmaster.pid"))
        #expect(eventually { !System.processIsAlive(pid: pid) })
        #expect(try query(cluster.postgres, "select 1").status != 0)

        // pg_ctl agrees (exit status 3: no server running); it refuses root, hence runuser.
        let pgCtl = try EmbeddedPostgres.locateBinaries().appendingPathComponent("pg_ctl").path
        let user = System.isRoot ? System.user(named: "postgres") : nil
        #expect(try System.run([pgCtl, "status", "-D", cluster.path], as: user).status == 3)

        try cluster.postgres.stop()
        try EmbeddedPostgres(dataDirectory: URL(fileURLWithPath: cluster.path + "-never")).stop()
    }

    @Test func dataSurvivesAStopAndAStartOnTheSameDirectory() throws {
        let cluster = TemporaryCluster()
        defer { cluster.cleanUp() }
        try cluster.postgres.start(fastButUnsafe: true)
        #expect(
            try query(cluster.postgres, "create table progress (figure int); insert into progress values (42)").status
                == 0)
        try cluster.postgres.stop()
        #expect(!cluster.postgres.isRunning)

        let again = EmbeddedPostgres(dataDirectory: cluster.postgres.dataDirectory, port: cluster.postgres.port)
        try again.start()
        #expect(again.isRunning)
        #expect(try query(again, "select figure from progress").output == "42")
    }

    @Test(.enabled(if: System.isRoot, "only root hands the cluster to the postgres user"))
    func asRootTheClusterBelongsToThePostgresUser() throws {
        let cluster = TemporaryCluster()
        defer { cluster.cleanUp() }
        try cluster.postgres.start(fastButUnsafe: true)
        let postgresUser = try #require(System.user(named: "postgres"))
        let owner = try #require(System.ownerAndMode(cluster.path))
        #expect(owner.uid == postgresUser.uid)
        #expect(owner.mode & 0o777 == 0o700)
    }

    @Test func aSocketPathOverTheLimitIsRejectedBeforeAnythingRuns() throws {
        let path = "/tmp/sk-ep-" + String(repeating: "x", count: 100)
        let postgres = EmbeddedPostgres(dataDirectory: URL(fileURLWithPath: path))
        let error = #expect(throws: EmbeddedPostgresError.self) { try postgres.start() }
        #expect(error?.step == .start)
        #expect(error?.description.contains("socket") == true)
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func failuresNameTheStepAndTheCommand() throws {
        let cluster = TemporaryCluster(binDirectory: URL(fileURLWithPath: "/nonexistent/bin"))
        defer { cluster.cleanUp() }
        let error = #expect(throws: EmbeddedPostgresError.self) { try cluster.postgres.start() }
        #expect(error?.step == .initdb)
        #expect(error?.command.contains("/nonexistent/bin/initdb") == true)
        #expect(error?.description.contains("EmbeddedPostgres initdb failed") == true)
    }
}
