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
