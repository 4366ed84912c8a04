import Foundation
import HTTPTypes

/// The address a request comes from, for login throttling: the socket's peer, or, when that peer is a trusted
/// reverse proxy (`--trusted-proxy`), the address that proxy saw, from `X-Forwarded-For`. A client can put
/// anything into `X-Forwarded-For`, so it is read only behind a configured proxy, and then from the right: the
/// first address that is not itself a trusted proxy is the client.
enum ClientAddress {
    /// The client's address, or nil when the socket has none (the router test client).
    static func of(peer: String?, headers: HTTPFields, trustedProxies: Set<String>) -> String? {
        guard let peer, trustedProxies.contains(peer) else { return peer }
        let forwarded = headers[values: .xForwardedFor].flatMap { $0.split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        guard !forwarded.isEmpty, forwarded.allSatisfy(isAddress) else { return peer }
        return forwarded.last { !trustedProxies.contains($0) } ?? forwarded.first
    }

    /// An IPv4 or IPv6 address as text (no port, no name): what a proxy writes.
    static func isAddress(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 45
            && text.unicodeScalars.allSatisfy { $0.properties.isASCIIHexDigit || $0 == "." || $0 == ":" }
    }
}

extension HTTPField.Name {
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}
