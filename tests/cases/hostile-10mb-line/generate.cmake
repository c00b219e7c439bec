# Writes usage.csv with a 10 MB line (10 MiB of 'x' as the id of line 3) between two good
# records: too large to commit, and made the same on every run.
string(REPEAT "x" 1024 kib)
string(REPEAT "${kib}" 10240 ten_mib)
file(WRITE "${OUT}/usage.csv"
     "id,subscriber,time,service,quantity\n"
     "r1,s1,2012-07-02T10:00:00+08:00,data,102400\n"
     "${ten_mib},s1,2012-07-02T11:00:00+08:00,data,102400\n"
     "r3,s2,2012-07-02T12:00:00+08:00,data,204800\n")
