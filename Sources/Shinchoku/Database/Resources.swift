import Foundation
import ShinchokuSQL

/// Where the bundled migrations and plan files are.
public enum ShinchokuSQLResources {
    public static var migrationsDirectory: URL { ShinchokuSQL.migrationsDirectory }
    public static var planDirectory: URL { ShinchokuSQL.planDirectory }
}
