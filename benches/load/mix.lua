-- wrk script: the participant mix of benches/load/run.py.
--   wrk -t2 -c50 -d60s --latency -s benches/load/mix.lua http://127.0.0.1:15420 -- USERS.tsv
-- USERS.tsv (written by run.py): one logged-in participant a line, tab-separated:
--   session cookie, CSRF token, lesson path, "Tandai selesai" path, answer-save path, answer body,
--   certificate download path.
-- Request n goes to user n mod U doing action floor(n / U) mod A, so every participant goes through the
-- whole mix. Per 20 requests: 4 dashboards, 6 lesson pages, 4 "Tandai selesai", 4 answer saves,
-- 2 certificate downloads.

local ACTIONS = {
  "dashboard", "lesson", "done", "answer", "lesson", "dashboard", "answer", "lesson", "done", "certificate",
  "lesson", "dashboard", "done", "answer", "lesson", "dashboard", "answer", "lesson", "done", "certificate",
}

local threads = {}
local thread_count = 0

function setup(thread)
  thread:set("thread_id", thread_count)
  thread_count = thread_count + 1
  table.insert(threads, thread)
end

local users = {}
local n = 0

local function split(line)
  local fields = {}
  for field in string.gmatch(line, "([^\t]*)\t?") do
    table.insert(fields, field)
  end
  return fields
end

function init(args)
  local path = args[1] or "users.tsv"
  for line in io.lines(path) do
    local f = split(line)
    if #f >= 7 then
      table.insert(users, {cookie = f[1], csrf = f[2], lesson = f[3], done = f[4], answer = f[5],
                           answer_body = f[6], certificate = f[7]})
    end
  end
  if #users == 0 then
    error("no users in " .. path)
  end
  n = thread_id or 0 -- the threads start at different points of the sequence
end

function request()
  local user = users[(n % #users) + 1]
  local action = ACTIONS[(math.floor(n / #users) % #ACTIONS) + 1]
  n = n + 1
  local headers = {Cookie = user.cookie}
  if action == "dashboard" then
    return wrk.format("GET", "/beranda", headers)
  elseif action == "lesson" then
    return wrk.format("GET", user.lesson, headers)
  elseif action == "certificate" then
    return wrk.format("GET", user.certificate, headers)
  end
  headers["X-CSRFToken"] = user.csrf
  headers["HX-Request"] = "true"
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  if action == "done" then
    return wrk.format("POST", user.done, headers, "")
  end
  return wrk.format("POST", user.answer, headers, user.answer_body)
end

function done(summary, latency, requests)
  local errors = summary.errors
  io.write(string.format(
    "WRKJSON {\"requests\": %d, \"duration_us\": %d, \"bytes\": %d, \"p50_us\": %d, \"p90_us\": %d, " ..
    "\"p95_us\": %d, \"p99_us\": %d, \"max_us\": %d, \"mean_us\": %.1f, \"connect_errors\": %d, " ..
    "\"read_errors\": %d, \"write_errors\": %d, \"status_errors\": %d, \"timeouts\": %d}\n",
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max, latency.mean, errors.connect, errors.read,
    errors.write, errors.status, errors.timeout))
end
