// The same July 2012 bills as `ratel rate`, in DuckDB SQL, for bench/compare.sh.
//
//   node duckdb_bills.mjs ACCOUNTS.csv USAGE.csv OUT.csv
//
// Scope (issue 8): tariffs/cmcc-2012.toml's gprs-20 (20.00, 150 MB, 0.01/KB by day and
// 0.005/KB off-peak [23:00, 07:00), usage fees capped at 500.00, from 15 GB of data every KB
// at 0.0005 uncapped), data-pack-5 (5.00, 30 MB) and data-topup-3 (3.00 per order, 10 MB
// from the order to the end of July), for input from `ratel_gen --profile data`: everyone
// on gprs-20 since June, home data only, times written with +08:00. Bills are rounded as
// ratel rounds them (D18): every usage charge here is gprs-20's, and a product's usage lines
// add up to their exact sum rounded to 0.01 half-up, so only that sum is rounded.
// Amounts are integers of micro-yuan throughout, never floating point.
import { DuckDBInstance } from '@duckdb/node-api';
import os from 'node:os';
import { writeFileSync } from 'node:fs';

const [accounts, usage, out] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:', { threads: String(os.cpus().length) });
const db = await instance.connect();


await db.run(`
CREATE TABLE usage AS SELECT * FROM read_csv('${usage}', header = true, all_varchar = true);
-- D21: identical account lines at one instant are one line.
CREATE TABLE accounts AS SELECT DISTINCT * FROM read_csv('${accounts}', header = true, all_varchar = true);

-- Allowance available to each subscriber (KB): gprs-20's 153,600 (+ 30,720 with data-pack-5).
CREATE TABLE subscribers AS
SELECT subscriber,
       153600 + 30720 * max(CASE WHEN action = 'subscribe' AND product = 'data-pack-5' THEN 1 ELSE 0 END) AS base_kb,
       sum(CASE WHEN action = 'subscribe' AND product = 'data-topup-3' THEN 1 ELSE 0 END) AS topups
FROM accounts GROUP BY subscriber;

-- Top-ups as a running count by order time (several at one time count together).
CREATE TABLE topups AS
SELECT subscriber, time, sum(n) OVER (PARTITION BY subscriber ORDER BY time) AS ordered
FROM (SELECT subscriber, time, count(*) AS n FROM accounts
      WHERE action = 'subscribe' AND product = 'data-topup-3' GROUP BY subscriber, time);

CREATE TABLE charged AS
WITH r AS (
  SELECT u.subscriber, u.id, u.time,
         (CAST(u.quantity AS BIGINT) + 1023) // 1024 AS kb,                       -- D1: whole KB
         CASE WHEN CAST(substr(u.time, 12, 2) AS INTEGER) >= 23
                OR CAST(substr(u.time, 12, 2) AS INTEGER) < 7 THEN 1 ELSE 0 END AS off_peak,
         s.base_kb + 10240 * coalesce(t.ordered, 0) AS granted                       -- KB available by then
  FROM usage u
  JOIN subscribers s USING (subscriber)
  ASOF LEFT JOIN topups t ON u.subscriber = t.subscriber AND u.time >= t.time
  WHERE u.service = 'data'
),
v AS (  -- records in (time, id) order; the part of each before and after 15 GB
  SELECT *, sum(kb) OVER w AS volume
  FROM r WINDOW w AS (PARTITION BY subscriber ORDER BY time, id ROWS UNBOUNDED PRECEDING)
),
split AS (
  SELECT *, greatest(0, least(kb, 15728640 - (volume - kb))) AS pre_kb,
            kb - greatest(0, least(kb, 15728640 - (volume - kb))) AS post_kb
  FROM v
),
drawn AS (  -- what no allowance covers: running max of (used - granted), the greedy draw
  SELECT *, greatest(0, max(sum_pre - granted) OVER w) AS uncovered
  FROM (SELECT *, sum(pre_kb) OVER w AS sum_pre FROM split
        WINDOW w AS (PARTITION BY subscriber ORDER BY time, id ROWS UNBOUNDED PRECEDING))
  WINDOW w AS (PARTITION BY subscriber ORDER BY time, id ROWS UNBOUNDED PRECEDING)
),
priced AS (
  SELECT *, (uncovered - coalesce(lag(uncovered) OVER w, 0)) * (CASE WHEN off_peak = 1 THEN 5000 ELSE 10000 END) AS full_fee,
            CASE WHEN off_peak = 1 THEN 5000 ELSE 10000 END AS price
  FROM drawn WINDOW w AS (PARTITION BY subscriber ORDER BY time, id ROWS UNBOUNDED PRECEDING)
),
capped AS (  -- usage fees stop at 500.00; the part reaching the cap is charged up to it
  SELECT *, sum(full_fee) OVER w AS fee_after, sum(full_fee) OVER w - full_fee AS fee_before
  FROM priced WINDOW w AS (PARTITION BY subscriber ORDER BY time, id ROWS UNBOUNDED PRECEDING)
)
SELECT subscriber, off_peak,
       -- what each record's part beyond the allowances pays: the part reaching the cap pays
       -- up to it and is billed on its rate's ordinary line (ratel's charge_part::waived)
       least(fee_after, 500000000) - least(fee_before, 500000000) AS ordinary,
       post_kb * 500 AS beyond_15gb
FROM capped;

CREATE TABLE totals AS
WITH rounded AS (  -- D18: gprs-20's usage lines add up to their exact sum to 0.01 half-up
  SELECT subscriber, (sum(ordinary + beyond_15gb) + 5000) // 10000 * 10000 AS usage
  FROM charged GROUP BY subscriber
)
SELECT s.subscriber,
       20000000 + (CASE WHEN s.base_kb > 153600 THEN 5000000 ELSE 0 END) + 3000000 * s.topups
         + coalesce(r.usage, 0) AS total
FROM subscribers s LEFT JOIN rounded r USING (subscriber);
`);

const reader = await db.runAndReadAll('SELECT subscriber, total FROM totals ORDER BY subscriber');
const lines = ['subscriber,total'];
for (const [subscriber, total] of reader.getRows()) {
  const micros = BigInt(total);
  const cents = micros / 10000n;
  lines.push(`${subscriber},${cents / 100n}.${String(cents % 100n).padStart(2, '0')}`);
}
writeFileSync(out, lines.join('\n') + '\n');

