import GRDB

extension SignedReportStore {
    /// The store's migrations, by name. Append-only: a released migration is never edited;
    /// schema changes are new migrations added at the end.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1-create-reports") { db in
            try db.execute(sql: """
                CREATE TABLE reports (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    created_at TEXT NOT NULL,
                    payload BLOB NOT NULL,
                    digest TEXT NOT NULL UNIQUE CHECK (length(digest) = 64),
                    signature BLOB NOT NULL CHECK (length(signature) = 64),
                    key_id TEXT NOT NULL,
                    public_key BLOB NOT NULL CHECK (length(public_key) = 32),
                    previous_digest TEXT UNIQUE REFERENCES reports(digest),
                    verdict TEXT,
                    audit_name TEXT,
                    metrics TEXT CHECK (metrics IS NULL OR json_valid(metrics))
                );
                -- Only one report may start the chain.
                CREATE UNIQUE INDEX reports_single_first ON reports(previous_digest IS NULL) WHERE previous_digest IS NULL;
                CREATE INDEX reports_verdict ON reports(verdict);
                CREATE INDEX reports_audit_name ON reports(audit_name);
                """)
        }

        migrator.registerMigration("v1-append-only-triggers") { db in
            try db.execute(sql: """
                CREATE TRIGGER reports_refuse_update BEFORE UPDATE ON reports
                BEGIN
                    SELECT RAISE(ABORT, 'reports are append-only: UPDATE of a stored report is refused');
                END;
                CREATE TRIGGER reports_refuse_delete BEFORE DELETE ON reports
                BEGIN
                    SELECT RAISE(ABORT, 'reports are append-only: DELETE of a stored report is refused');
                END;
                """)
        }

        return migrator
    }
}
