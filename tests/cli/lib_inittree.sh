# lib_inittree.sh - build small workspace trees for the `init` tests
# (040-044), of a layout unlike ../shared/samples/agent-cellphone-v1:
#
#   crew/<member>/profile.json              one per member (plain names)
#   crew/<member>/jobs/JOB-<n>.json         jobs: a number or an object in
#                                           "meta", timestamps in three
#                                           spellings, a "history" array
#   runs/<date>/summary.json                dated folders, a "steps" array
#   snapshots/<member>/<yyyymmdd-hhmm>.json id-named series per member
#   mailbox/queue.json                      one file: an array of messages
#   reports/<SUITE>_RESULTS.json            upper-case report names
#   analysis_chunks/chunk_<nnn>.json        numbered chunks
#   settings.json                           a lone file (the catch-all)
#   node_modules/..., notes.md              ignored
#
# make_tree DIR VARIANT: VARIANT 1 or 2 gives other names, dates, ids and
# counts in the same shape.  Variant 1 has one truncated job file; variant
# 2 has a truncated job, a job that is an array, a job without job_id and
# a profile with a trailing comma.  Sets CLEAN and BROKEN (file counts).

make_tree() {
	_d=$1 _v=$2
	if [ "$_v" = 1 ]; then
		_crew="alice bob carol dave" _month=03 _runs=5 _chunks=12
	else
		_crew="erin frank grace heidi ivan" _month=04 _runs=4 _chunks=9
	fi
	CLEAN=0 BROKEN=0
	mkdir -p "$_d"
	_states="open done blocked"
	_i=0
	for _m in $_crew; do
		_i=$((_i + 1))
		mkdir -p "$_d/crew/$_m/jobs" "$_d/snapshots/$_m"
		if [ $((_i % 2)) = 0 ]; then _lead=true; else _lead=false; fi
		printf '{\n  "member_id": "%s",\n  "role": "role-%d",\n  "joined": "2025-%s-%02d 09:00:00",\n  "skills": ["c", "sql"],\n  "load": %d,\n  "lead": %s\n}\n' \
			"$_m" "$_i" "$_month" "$_i" "$((_i * 3))" "$_lead" > "$_d/crew/$_m/profile.json"
		CLEAN=$((CLEAN + 1))
		_j=0
		while [ $_j -lt $((3 + _i % 2)) ]; do
			_j=$((_j + 1))
			_n=$((_v * 1000 + _i * 10 + _j))
			set -- $_states
			shift $(((_i + _j) % 3))
			_st=$1
			case $((_j % 3)) in
			0) _ts="2025-$_month-1${_j}T10:00:00Z" ;;
			1) _ts="2025-$_month-1${_j} 10:00:00" ;;
			*) _ts="2025-$_month-1${_j}T10:00:00.123456+02:00" ;;
			esac
			if [ $((_j % 2)) = 0 ]; then
				_meta='{"tag": "t'$_j'", "weight": 2}' _est="2.5"
			else
				_meta="$_j" _est="$_j"
			fi
			printf '{\n  "job_id": "J-%d",\n  "title": "job %d of %s",\n  "state": "%s",\n  "created": "%s",\n  "estimate": %s,\n  "meta": %s,\n  "history": [\n    {"at": "%s", "state": "open", "by": "%s"},\n    {"at": "%s", "state": "%s", "by": "%s"}\n  ]\n}\n' \
				"$_n" "$_j" "$_m" "$_st" "$_ts" "$_est" "$_meta" "$_ts" "$_m" "$_ts" "$_st" "$_m" \
				> "$_d/crew/$_m/jobs/JOB-$_n.json"
			CLEAN=$((CLEAN + 1))
		done
		for _h in 0900 1200 1500; do
			printf '{"member": "%s", "at": "2025-%s-01T%s:00:00Z", "cpu": 0.%d5, "mem": %d, "busy": %s}\n' \
				"$_m" "$_month" "$(echo $_h | cut -c1-2)" "$_i" "$((_i * 100))" "$_lead" \
				> "$_d/snapshots/$_m/2025${_month}01-$_h.json"
			CLEAN=$((CLEAN + 1))
		done
	done
	_r=0
	while [ $_r -lt $_runs ]; do
		_r=$((_r + 1))
		_day=$(printf '2025-%s-%02d' "$_month" "$_r")
		mkdir -p "$_d/runs/$_day"
		printf '{\n  "run_id": "run-%d-%d",\n  "started_at": "%sT08:00:00Z",\n  "ok": %s,\n  "steps": [\n    {"name": "fetch", "ms": %d, "ok": true},\n    {"name": "build", "ms": %d, "ok": true},\n    {"name": "test", "ms": %d, "ok": false}\n  ]\n}\n' \
			"$_v" "$_r" "$_day" "$( [ $((_r % 2)) = 0 ] && echo true || echo false)" \
			"$((_r * 10))" "$((_r * 20))" "$((_r * 30))" > "$_d/runs/$_day/summary.json"
		CLEAN=$((CLEAN + 1))
	done
	mkdir -p "$_d/mailbox"
	{
		printf '[\n'
		_k=0
		while [ $_k -lt 25 ]; do
			_k=$((_k + 1))
			printf '  {"msg_id": "m-%d-%03d", "from": "a%d", "to": "b%d", "body": "hello %d", "sent": "2025-%s-02T10:%02d:00Z", "priority": %d}%s\n' \
				"$_v" "$_k" "$_k" "$_k" "$_k" "$_month" "$_k" "$((_k % 3))" \
				"$( [ $_k -lt 25 ] && echo , )"
		done
		printf ']\n'
	} > "$_d/mailbox/queue.json"
	CLEAN=$((CLEAN + 1))
	mkdir -p "$_d/reports"
	for _s in LOAD SCAN PERF; do
		printf '{"suite": "%s", "passed": %d, "failed": %d, "generated": "2025-%s-03T12:00:00Z"}\n' \
			"$_s" "$((_v * 10))" "$_v" "$_month" > "$_d/reports/${_s}_RESULTS.json"
		CLEAN=$((CLEAN + 1))
	done
	mkdir -p "$_d/analysis_chunks"
	_c=0
	while [ $_c -lt $_chunks ]; do
		_c=$((_c + 1))
		printf '{"chunk": %d, "tokens": %d, "text": "part %d", "score": 0.%d, "source": "src/f%d.c"}\n' \
			"$_c" "$((_c * 64))" "$_c" "$_c" "$_c" > "$_d/analysis_chunks/$(printf 'chunk_%03d' $_c).json"
		CLEAN=$((CLEAN + 1))
	done
	printf '{"theme": "dark", "version": %d}\n' "$_v" > "$_d/settings.json"
	CLEAN=$((CLEAN + 1))
	mkdir -p "$_d/node_modules/leftpad"
	printf '{"name": "leftpad"}\n' > "$_d/node_modules/leftpad/package.json"
	printf '{"x": 1}\n' > "$_d/node_modules/leftpad/data.json"
	printf 'notes\n' > "$_d/notes.md"
	# broken files
	set -- $_crew
	if [ "$_v" = 1 ]; then
		printf '{\n  "job_id": "J-broken",\n  "title": "trunc' > "$_d/crew/$2/jobs/JOB-1999.json"
		BROKEN=1
	else
		printf '{"job_id": "J-9001", "title": "cut", "sta' > "$_d/crew/$1/jobs/JOB-9001.json"
		printf '[1, 2, 3]\n' > "$_d/crew/$2/jobs/JOB-9002.json"
		printf '{"title": "no id", "state": "open", "created": "2025-04-01T00:00:00Z", "estimate": 1, "meta": 1, "history": []}\n' \
			> "$_d/crew/$3/jobs/JOB-9003.json"
		mkdir -p "$_d/crew/zoe"
		printf '{"member_id": "zoe", "role": "x",}\n' > "$_d/crew/zoe/profile.json"
		BROKEN=4
	fi
}
