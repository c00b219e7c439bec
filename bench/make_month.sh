#!/usr/bin/env bash
# Writes a synthetic July 2012 for tariffs/cmcc-2012.toml into DIR: accounts.csv and
# usage.csv with SUBSCRIBERS x RECORDS rows (data, voice, sms; 1 in 20 roaming in KR).
# Deterministic (awk's srand with a fixed seed). Usage: make_month.sh DIR SUBSCRIBERS RECORDS
set -euo pipefail
dir=$1; subscribers=$2; records=$3
mkdir -p "$dir"
awk -v n="$subscribers" -v per="$records" -v dir="$dir" 'BEGIN {
  srand(7)
  accounts = dir "/accounts.csv"; usage = dir "/usage.csv"
  print "subscriber,time,action,product,amount,note" > accounts
  print "id,subscriber,time,service,quantity,country" > usage
  split("data data data voice sms", services, " ")
  for (s = 0; s < n; s++) {
    sub_id = sprintf("138%08d", s)
    print sub_id ",2012-06-01T00:00:00+08:00,subscribe,gprs-20,," > accounts
    if (s % 2 == 0) print sub_id ",2012-06-01T00:00:00+08:00,subscribe,data-pack-5,," > accounts
    for (r = 0; r < per; r++) {
      svc = services[1 + int(rand() * 5)]
      q = (svc == "data") ? int(rand() * 4000000) : (svc == "voice") ? int(rand() * 600) : 1
      printf "r%d,%s,2012-07-%02dT%02d:%02d:%02d+08:00,%s,%d,%s\n", r, sub_id, 1 + int(rand() * 31),
             int(rand() * 24), int(rand() * 60), int(rand() * 60), svc, q,
             (rand() < 0.05 ? "KR" : "") > usage
    }
  }
}'
