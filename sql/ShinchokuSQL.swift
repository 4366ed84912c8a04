import Foundation

/// The SQL migrations, the prefecture's plan data and the common-password list, bundled as resources.
public enum ShinchokuSQL {
    /// The folder holding `NNNN_name.sql` migrations.
    public static var migrationsDirectory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("migrations", isDirectory: true)
    }

    /// The folder holding `setup-roles.sql` (run by a superuser) and `grants.sql` (run after every migrate).
    public static var rolesDirectory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("roles", isDirectory: true)
    }

    /// The folder holding plan data files (the bundled prefecture plan).
    public static var planDirectory: URL {
        Bundle.module.resourceURL!.appendingPathComponent("plan", isDirectory: true)
    }

    /// The 10,000 most common passwords, one per line, lower case (`passwords/SOURCE.md` says where from).
    public static var commonPasswordsFile: URL {
        Bundle.module.resourceURL!.appendingPathComponent("passwords/common-passwords.txt", isDirectory: false)
    }
}
