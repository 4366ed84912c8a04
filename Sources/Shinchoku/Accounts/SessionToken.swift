import Crypto
import Foundation

/// Session tokens: 256 random bits, handed to the client once; the database keeps only their SHA-256.
enum SessionToken {
    /// A new token, base64url without padding (43 characters).
    static func generate() -> String {
        var rng = SystemRandomNumberGenerator()  // getrandom(2) on Linux: cryptographically secure
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
        return Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// The hex SHA-256 of a well-formed token; nil for anything that cannot be one of ours.
    static func hash(_ token: String) -> String? {
        guard token.utf8.count == 43,
            token.utf8.allSatisfy({ c in
                (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c == 45 || c == 95
            })
        else { return nil }
        return Hex.string(SHA256.hash(data: Data(token.utf8)))
    }
}
