/// The server cannot start: the message says why, for the operator (and the journal).
public struct ServerStartError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
