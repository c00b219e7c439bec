// The leanest SQL a data engineer would write for a gprs-20 month (issue 19), for
// bench/compare.sh: one total per subscriber, as `ratel rate` bills it.
//
//   node duckdb_lean.mjs ACCOUNTS.csv USAGE.csv OUT.csv THREADS
//
// Scope: `ratel_gen --profile gprs20` (every subscriber on tariffs/cmcc-2012.toml's gprs-20
// alone, home data only, times written with +08:00). gprs-20: 20.00 a month, 150 MB
// (153,600 KB) of data, then 0.01 per KB by day and 0.005 off-peak [23:00, 07:00) by the
// record's start hour, usage fees capped at 500.00; from 15 GB (15,728,640 KB) of volume
// every KB at 0.0005, uncapped (D6). Records count in (time, id) order (a running sum);
// each is whole KB (D1). The bill's usage lines add up to their exact sum rounded half-up
// to 0.01 (D18), so only that sum is rounded. Amounts are integers of micro-yuan, never
// floating point. Columns typed as read; the band from the hour of the time text. A
// subscriber of the account log without a record pays the fee alone.
import { DuckDBInstance } from '@duckdb/node-api';
import { writeFileSync } from 'node:fs';

const [accounts, usage, out, threads] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const db = await instance.connect();

const reader = await db.runAndReadAll(`
WITH r AS (
  SELECT subscriber,
         (quantity + 1023) // 1024 AS kb,
         CASE WHEN CAST(substr(time, 12, 2) AS INTEGER) >= 23
                OR CAST(substr(time, 12, 2) AS INTEGER) < 7 THEN 5000 ELSE 10000 END AS price,
         sum((quantity + 1023) // 1024) OVER (PARTITION BY subscriber ORDER BY time, id) AS volume
  FROM read_csv('${usage}', header = true, columns = {
         'id': 'VARCHAR', 'subscriber': 'VARCHAR', 'time': 'VARCHAR', 'service': 'VARCHAR',
         'quantity': 'BIGINT', 'country': 'VARCHAR', 'peer': 'VARCHAR'})
),
charged AS (  -- KB past the allowance below 15 GB, and KB past 15 GB, of each record
  SELECT subscriber, price,
         greatest(0, least(volume, 15728640) - 153600)
           - greatest(0, least(volume - kb, 15728640) - 153600) AS past_allowance,
         greatest(0, volume - 15728640) - greatest(0, volume - kb - 15728640) AS past_15gb
  FROM r
),
usage_fees AS (
  SELECT subscriber,
         least(sum(past_allowance * price), 500000000) + sum(past_15gb) * 500 AS micro
  FROM charged GROUP BY subscriber
),
subscribers AS (
  SELECT DISTINCT subscriber FROM read_csv('${accounts}', header = true, columns = {
    'subscriber': 'VARCHAR', 'time': 'VARCHAR', 'action': 'VARCHAR', 'product': 'VARCHAR',
    'amount': 'VARCHAR', 'note': 'VARCHAR', 'country': 'VARCHAR'})
  WHERE action = 'subscribe' AND product = 'gprs-20'
)
SELECT subscriber, (20000000 + coalesce(micro, 0) + 5000) // 10000 AS fen
FROM subscribers LEFT JOIN usage_fees USING (subscriber) ORDER BY subscriber
`);
const rows = reader.getRows();
let text = 'subscriber,total\n';
for (const [subscriber, fen] of rows) {
  const f = BigInt(fen);
  text += `${subscriber},${f / 100n}.${String(f % 100n).padStart(2, '0')}\n`;
}
writeFileSync(out, text);
