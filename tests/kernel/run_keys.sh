# Tables keyed by execname and by literals hold 16- and 8-byte keys
# (docs/lowering.md, "Sized keys"): the events are counted under the right
# names, and the runtime prints them as text and JSON from the object's
# formats, in pairs(), print_hist() and tuple keys alike.
. "$(dirname "$0")/lib.bash"

script='var byname = {}
var two = {}
var words = {}
trace syscalls:sys_enter_getppid /execname == "kt-sized"/ {
	byname[execname] += 1
	two[execname, "x"] += 1
	words["abc"] = 7
}
trace_end {
	for (name, n in pairs(byname)) { print(name, n, name .. "!") }
	print_hist(byname)
	for ((a, b), n in pairs(two)) { print(a, b, n) }
	print(words["abc"], words["abcd"])
}'

# run FORMAT: the output of the script over 5 getppid calls of kt-sized.
run() {
	workload_bg -q --comm kt-sized getppid 5
	ktap_bg "$work/out" -f "$1" -e "$script"
	workload_go
	wait $WL_PID
	kill -INT $KTAP_PID
	ktap_wait
	expect "$1 status" $KTAP_RC 0
}

t_text() {
run text
expect "text" "$(grep -v -- '---' "$work/out")" "kt-sized	5	kt-sized!
                       kt-sized |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@5      
kt-sized	x	5
7	nil"
}

t_json() {
run json
expect "json" "$(grep '"print' "$work/out")" '{"type":"print","data":["kt-sized",5,"kt-sized!"]}
{"type":"print_hist","table":"byname","rows":[{"key":"kt-sized","value":5}],"more":0}
{"type":"print","data":["kt-sized","x",5]}
{"type":"print","data":[7,null]}'
}

run_cases
