// Runs SQL statements in one in-memory DuckDB and prints, as JSON, an array
// with each statement's rows as objects (DuckDB's JSON conversion: big
// integers and times as strings). The Go tests use it to read copharvest's
// Parquet and CSV files with a real reader, in one process since loading
// DuckDB is the slow part.
// Usage: node duckdb-query.js 'SELECT ...' ['SELECT ...' ...]
const { DuckDBInstance } = require("@duckdb/node-api");

(async () => {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  const results = [];
  for (const sql of process.argv.slice(2)) {
    results.push((await conn.runAndReadAll(sql)).getRowObjectsJson());
  }
  process.stdout.write(JSON.stringify(results));
})().catch((err) => {
  process.stderr.write(String(err && err.message ? err.message : err) + "\n");
  process.exit(1);
});
