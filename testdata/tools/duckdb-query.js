// Runs one SQL statement in an in-memory DuckDB and prints the rows as a
// JSON array of objects (DuckDB's JSON conversion: big integers and times
// as strings). The Go tests use it to read copharvest's Parquet and CSV
// files with a real reader. Usage: node duckdb-query.js 'SELECT ...'
const { DuckDBInstance } = require("@duckdb/node-api");

(async () => {
  const db = await DuckDBInstance.create(":memory:");
  const conn = await db.connect();
  await conn.run("SET TimeZone = 'UTC'");
  const result = await conn.runAndReadAll(process.argv[2]);
  process.stdout.write(JSON.stringify(result.getRowObjectsJson()));
})().catch((err) => {
  process.stderr.write(String(err && err.message ? err.message : err) + "\n");
  process.exit(1);
});
