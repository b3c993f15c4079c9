-- POST the sign form with a unique supporter each time, the way browsers behind a proxy would.
--
-- Environment (set by bench/run.py):
--   BENCH_PATH   where to POST          BENCH_RUN    a tag that makes this run's emails unique
--   BENCH_CSRF   the csrftoken cookie   BENCH_FORM   the matching csrfmiddlewaretoken
--   BENCH_RATE   requests/s for the whole run, spread over wrk's threads (0: as fast as possible)
--   BENCH_THREADS  wrk's thread count (to split BENCH_RATE)
--   BENCH_FIRST  where this run's supporter numbers start (each run its own client addresses)
--
-- Every request carries its own client address in X-Forwarded-For (the site runs with
-- TRUSTED_PROXY_COUNT=1), a distinct name and one of ~1000 email domains (each naming the run:
-- addresses are encrypted, domains are not, so a run's rows are found by domain), so the rate limits
-- stay on and see what a real surge from many people looks like.
dofile(os.getenv("BENCH_DIR") .. "/report.lua")

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_usec; } bench_timeval;
  int gettimeofday(bench_timeval *tv, void *tz);
]]
local tv = ffi.new("bench_timeval")
local function now_ms()
  ffi.C.gettimeofday(tv, nil)
  return tonumber(tv.tv_sec) * 1000 + tonumber(tv.tv_usec) / 1000
end

local next_thread_id = 0
function setup(thread)
  thread:set("thread_id", next_thread_id)
  next_thread_id = next_thread_id + 1
end

local path, run, form
local headers = {}
local counter = 0
local interval_ms, next_at = 0, 0
local letters = "abcdefghijklmnopqrstuvwxyz"

-- A name whose letters differ for every n: the name-burst check ignores digits.
local function letters_for(n)
  local out = {}
  repeat
    local d = n % 26
    out[#out + 1] = letters:sub(d + 1, d + 1)
    n = (n - d) / 26
  until n == 0
  return table.concat(out)
end

function init(args)
  path = os.getenv("BENCH_PATH")
  run = os.getenv("BENCH_RUN")
  form = os.getenv("BENCH_FORM")
  counter = tonumber(os.getenv("BENCH_FIRST") or "0")
  headers["Cookie"] = "csrftoken=" .. os.getenv("BENCH_CSRF")
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  local rate = tonumber(os.getenv("BENCH_RATE") or "0")
  local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
  if rate > 0 then
    interval_ms = 1000 * threads / rate
    next_at = now_ms()
  end
end

-- Paced runs: each thread hands out send times at its share of the rate, so the offered
-- load is constant and latency is measured below saturation.
function delay()
  if interval_ms == 0 then
    return 0
  end
  local now = now_ms()
  if next_at < now - 1000 then
    next_at = now -- fell behind (the server is saturated): do not burst to catch up
  end
  next_at = next_at + interval_ms
  local wait = next_at - now
  if wait < 0 then return 0 end
  return wait
end

function request()
  counter = counter + 1
  local n = counter
  -- Client addresses: the /24 changes fastest, so no network exceeds its limit either.
  local low = n % 65536
  local ip = string.format("%d.%d.%d.%d", 100 + thread_id, math.floor(low / 256), low % 256, 1 + math.floor(n / 65536) % 254)
  headers["X-Forwarded-For"] = ip
  local body = "csrfmiddlewaretoken=" .. form ..
    "&name=Bench+" .. letters_for(thread_id) .. "+" .. letters_for(n) ..
    "&email=" .. run .. "." .. thread_id .. "." .. n .. "%40d" .. (n % 997) .. "." .. run .. ".bench.example" ..
    "&country=KZ&show_publicly=on&keep_updated=on&website=&sign=Sign"
  return wrk.format("POST", path, headers, body)
end
