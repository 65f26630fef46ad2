# Aggregations (docs/language.md §12): `<<<` recorded per CPU in the kernel,
# merged in user space; the workload's writes of sizes 1..100 bytes, from 2
# threads, give exact statistics and histogram rows.
. "$(dirname "$0")/lib.bash"

# run SCRIPT: the script's output with the workload writing sizes 1..100
# twice (2 threads) under the comm kt-agg.
run() {
	"$KTAP" -q -e "$1" -- "$WORKLOAD" -q --comm kt-agg --threads 2 write-sizes 100 ||
		fail "ktap"
}

t_stats_two_threads() {
out=$(run 'var w = {}
trace syscalls:sys_exit_write /execname == "kt-agg"/ { w[execname] <<< arg1 }
trace_end { var k = "kt-agg"
print(count(w[k]), sum(w[k]), avg(w[k]), min(w[k]), max(w[k]), count(w["none"])) }')
expect "count sum avg min max" "$out" "200	10100	50	1	100	0"
}

t_log2_hist() {
out=$(run 'var w = {}
trace syscalls:sys_exit_write /execname == "kt-agg"/ { w[execname] <<< arg1 }
trace_end { print_hist(w) }')
expect "log2 histogram" "$out" "w[kt-agg]:
[1]                    2 |@                                                   |
[2, 4)                 4 |@@                                                  |
[4, 8)                 8 |@@@@@                                               |
[8, 16)               16 |@@@@@@@@@@@                                         |
[16, 32)              32 |@@@@@@@@@@@@@@@@@@@@@@                              |
[32, 64)              64 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@        |
[64, 128)             74 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|"
}

t_linear_hist() {
out=$(run 'var w = {}
trace syscalls:sys_exit_write /execname == "kt-agg"/ { w <<< arg1 }
trace_end { print_lhist(w, 20, 80, 20) }')
expect "linear histogram" "$out" "w:
(..., 20)             38 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@     |
[20, 40)              40 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@   |
[40, 60)              40 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@   |
[60, 80)              40 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@   |
[80, ...)             42 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|"
}

# Bounds below zero: the write sizes 1..100 (twice) less 50 fall below, in and
# above [-20, 20).
t_linear_hist_negative() {
out=$(run 'var w = {}
trace syscalls:sys_exit_write /execname == "kt-agg"/ { w <<< arg1 - 50 }
trace_end { print_lhist(w, -20, 20, 20) }')
expect "linear histogram below zero" "$out" "w:
(..., -20)            58 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@    |
[-20, 0)              40 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                   |
[0, 20)               40 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                   |
[20, ...)             62 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|"
}

# Tuple keys and print_stats; sort_pairs gives keys with their count;
# len and delete.
t_tuple_pairs_delete() {
out=$(run 'var w = {}
var big = {}
trace syscalls:sys_exit_write /execname == "kt-agg"/ { w[execname, arg1 > 50] <<< arg1
big[arg1 / 10] <<< arg1 }
trace_end { print_stats(w)
for (k, n in sort_pairs(big, 2)) { print("sorted", k, n) }
print(len(w)) delete(w) print(len(w)) }')
expect "tuple keys" "$out" "w[kt-agg, false]: count 100, average 25, total 2550, min 1, max 50
w[kt-agg, true]: count 100, average 75, total 7550, min 51, max 100
sorted	1	20
sorted	2	20
2
0"
}

# print_hist of an ordinary table: a key longer than ktap's 31 columns
# widens the key column for every row (docs/semantics.md).
t_hist_long_key() {
out=$("$KTAP" -q -e 'var t = {}
t["a-key-of-exactly-forty-characters-long!!"] = 5
t["short"] = 3
print_hist(t)') || fail "ktap"
expect "wide key column" "$out" "                                  value ------------- Distribution ------------- count
a-key-of-exactly-forty-characters-long!! |@@@@@@@@@@@@@@@@@@@@@@@               5      
                                   short |@@@@@@@@@@@@@@                        3      "
}

# pairs/sort_pairs over tuple keys name each part: for ((a, b), v in ...),
# over an aggregation (value: the count) and an ordinary table.
t_tuple_forin() {
out=$(run 'var w = {}
var sizes = {}
trace syscalls:sys_exit_write /execname == "kt-agg"/ { w[execname, arg1 > 50] <<< arg1
sizes[arg1 % 3, execname] += 1 }
trace_end {
for ((name, big), n in sort_pairs(w)) { print(name, big, n, sum(w[name, big])) }
for ((r, name), n in sort_pairs(sizes, 2)) { print(r, name, n) }
var keys = 0
for ((r, name) in pairs(sizes)) { keys += 1 }
print(keys) }')
expect "tuple for-in" "$out" "kt-agg	false	100	2550
kt-agg	true	100	7550
1	kt-agg	68
0	kt-agg	66
3"
}

run_cases
