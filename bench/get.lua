-- GET the URL given to wrk; only reports figures (see report.lua).
dofile(os.getenv("BENCH_DIR") .. "/report.lua")
