//! A host application's own sqlx migrations, to show that ours share a database with them.

use sqlx::migrate::{Migration, MigrationSource, MigrationType, Migrator};

/// A host's migrator holding the first `n` of its two migrations (a `host_items` table, then a
/// `note` column), recorded in sqlx's own `_sqlx_migrations` table.
pub async fn host_migrator(n: usize) -> Migrator {
    let all = [
        (
            20_240_101_000_000,
            "host items",
            "CREATE TABLE host_items (id BIGINT PRIMARY KEY, name TEXT NOT NULL)",
        ),
        (
            20_240_201_000_000,
            "host notes",
            "ALTER TABLE host_items ADD COLUMN note TEXT",
        ),
    ];
    let migrations = all
        .into_iter()
        .take(n)
        .map(|(version, description, sql)| {
            Migration::new(
                version,
                description.into(),
                MigrationType::Simple,
                sql.into(),
                false,
            )
        })
        .collect();
    Migrator::new(InTestMigrations(migrations))
        .await
        .expect("host migrator")
}

/// Migrations held in memory (sqlx only ships a directory source).
#[derive(Debug)]
struct InTestMigrations(Vec<Migration>);

impl MigrationSource<'static> for InTestMigrations {
    fn resolve(
        self,
    ) -> futures_util::future::BoxFuture<'static, Result<Vec<Migration>, sqlx::error::BoxDynError>>
    {
        Box::pin(async move { Ok(self.0) })
    }
}

/// The versions of support-server's own migrations for `dialect` (`sqlite` or `postgres`), read
/// from its `migrations/` directory as `build.rs` does, so tests name no version list that a
/// new migration would have to update.
pub fn our_versions(dialect: &str) -> Vec<i64> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../support-server/migrations")
        .join(dialect);
    let mut versions: Vec<i64> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|entry| {
            let name = entry.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".sql")?.split('_').next()?.parse().ok()
        })
        .collect();
    versions.sort_unstable();
    assert!(!versions.is_empty(), "no migrations in {}", dir.display());
    versions
}
