import Foundation
import Hummingbird
import LibPQ
import Logging
import NIOCore
import ServiceLifecycle
import Shinchoku
import ShinchokuServer

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// The server's application in this process, on a free loopback port, over its own pool of `poolSize`, connected
/// as `shinchoku_app` like a deployment.
struct InProcessServer {
    let port: Int
    let group: ServiceGroup
    let task: Task<Void, any Error>

    static func start(service: ShinchokuService, poolSize: Int, logger: Logger) async throws -> InProcessServer {
        var configuration = ServerConfiguration(host: "127.0.0.1", port: 0, poolSize: poolSize)
        configuration.logLevel = logger.logLevel
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = try buildApplication(
            configuration: configuration, service: service, logger: logger,
            onServerRunning: { channel in
                continuation.yield(channel.localAddress?.port ?? 0)
                continuation.finish()
            })
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [], logger: logger))
        let task = Task {
            defer { continuation.finish() }
            try await group.run()
        }
        var port = 0
        for await p in ports {
            port = p
            break
        }
        guard port > 0 else {
            await group.triggerGracefulShutdown()
            throw BenchError("the server did not start")
        }
        return InProcessServer(port: port, group: group, task: task)
    }

    /// Graceful shutdown, as at SIGTERM: in-flight requests finish.
    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}

/// `POST /api/v1/sessions`: a bearer token for `login`.
func apiLogin(port: Int, login: String, password: String) async throws -> String {
    var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/api/v1/sessions")!)
    request.httpMethod = "POST"
    request.setValue("application/json", forHTTPHeaderField: "Content-Type")
    request.httpBody = try JSONSerialization.data(withJSONObject: ["login": login, "password": password])
    let (data, status): (Data, Int) = try await withCheckedThrowingContinuation { continuation in
        URLSession.shared.dataTask(with: request) { data, response, error in
            if let error {
                continuation.resume(throwing: error)
            } else {
                continuation.resume(returning: (data ?? Data(), (response as? HTTPURLResponse)?.statusCode ?? 0))
            }
        }.resume()
    }
    guard status == 201, let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
        let token = object["token"] as? String
    else { throw BenchError("logging in \(login) over the API answered \(status)") }
    return token
}

/// The wrk script: each thread (one connection) runs the cycle on its own figure with its clerk's and the
/// approver's bearer tokens, and follows the version in the answers. Arguments: one
/// `period|indicator|version|clerk token|approver token` per thread.
let wrkScript = #"""
    local counter = 0
    function setup(thread)
      counter = counter + 1
      thread:set("tid", counter)
    end

    function init(args)
      local parts = {}
      for p in string.gmatch(args[tid], "([^|]+)") do parts[#parts + 1] = p end
      base = "/api/v1/periods/" .. parts[1] .. "/figures/" .. parts[2]
      version = tonumber(parts[3])
      clerk = "Bearer " .. parts[4]
      approver = "Bearer " .. parts[5]
      step = 0
    end

    function request()
      local json = { ["Content-Type"] = "application/json" }
      if step == 0 then
        json["Authorization"] = clerk
        return wrk.format("PUT", base, json,
          '{"value":"1","status":"reported","note":"ベンチマーク","version":' .. version .. '}')
      elseif step == 1 then
        json["Authorization"] = clerk
        return wrk.format("POST", base .. "/submit", json, '{"version":' .. version .. '}')
      elseif step == 2 then
        json["Authorization"] = approver
        return wrk.format("POST", base .. "/approve", json,
          '{"version":' .. version .. ',"comment":"ベンチマーク"}')
      else
        json["Authorization"] = approver
        return wrk.format("POST", base .. "/reopen", json,
          '{"version":' .. version .. ',"reason":"ベンチマークのため再開"}')
      end
    end

    function response(status, headers, body)
      if status == 200 then
        local v = string.match(body, '"version"%s*:%s*(%d+)')
        if v then version = tonumber(v) else version = version + 1 end
        step = (step + 1) % 4
      elseif not reported then
        reported = true
        io.write("answer " .. status .. ": " .. string.sub(body, 1, 300) .. "\n")
      end
    end
    """#

struct WrkResult {
    var requestsPerSecond: Double
    var p50: Double  // ms
    var p99: Double
    var requests: Int
    var failed: Int
    /// The first answers that were not 200, as the Lua script printed them.
    var firstFailures: [String]
}

/// Runs wrk with one thread and one connection per figure.
func wrkRun(
    wrk: String, port: Int, threads specs: [String], seconds: Int, directory: URL
) async throws -> WrkResult {
    let script = directory.appendingPathComponent("cycle.lua")
    try wrkScript.write(to: script, atomically: true, encoding: .utf8)
    let arguments =
        [
            "--threads", "\(specs.count)", "--connections", "\(specs.count)", "--duration", "\(seconds)s",
            "--latency", "--script", script.path, "http://127.0.0.1:\(port)", "--",
        ] + specs
    let result = await runProcess(wrk, arguments, timeout: .seconds(seconds + 30))
    guard result.status == 0, let rps = matchNumber(result.output, after: "Requests/sec:") else {
        throw BenchError("wrk exited \(result.status): \(result.output.suffix(400))")
    }
    func latency(_ label: String) -> Double {
        // "     50%    5.12ms"
        for line in result.output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 2, fields[0] == label else { continue }
            let text = String(fields[1])
            let number = Double(text.prefix(while: { $0.isNumber || $0 == "." })) ?? 0
            if text.hasSuffix("us") { return number / 1000 }
            if text.hasSuffix("ms") { return number }
            if text.hasSuffix("m") { return number * 60_000 }
            if text.hasSuffix("s") { return number * 1000 }
        }
        return 0
    }
    let total =
        result.output.range(of: #"(\d+) requests in"#, options: .regularExpression).map {
            Int(result.output[$0].split(separator: " ")[0]) ?? 0
        } ?? 0
    let failed = Int(matchNumber(result.output, after: "Non-2xx or 3xx responses:") ?? 0)
    let answers = result.output.split(separator: "\n").filter { $0.hasPrefix("answer ") }.prefix(2).map(String.init)
    return WrkResult(
        requestsPerSecond: rps, p50: latency("50%"), p99: latency("99%"), requests: total, failed: failed,
        firstFailures: answers)
}
