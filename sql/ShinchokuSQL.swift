import Foundation

/// The SQL migrations and the prefecture's plan data, bundled as resources.
public enum ShinchokuSQL {
    /// The folder holding `NNNN_name.sql` migrations.
    public static var migrationsDirectory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("migrations", isDirectory: true)
    }

    /// The folder holding plan data files (the bundled prefecture plan).
    public static var planDirectory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("plan", isDirectory: true)
    }
}
