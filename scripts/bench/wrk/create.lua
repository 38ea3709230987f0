-- POST /api/v1/triggers with a valid body and a name unique per request: the run's token
-- (ETP_BENCH_TOKEN), the wrk thread and a per-thread counter. The triggers are inactive api
-- triggers, so nothing fires them.
local key = os.getenv("ETP_ADMIN_KEY") or ""
local token = os.getenv("ETP_BENCH_TOKEN") or tostring(os.time())
local thread_count = 0

function setup(thread)
    thread_count = thread_count + 1
    thread:set("thread_number", thread_count)
end

local counter = 0
local headers = {["Content-Type"] = "application/json", ["X-API-Key"] = key}

function request()
    counter = counter + 1
    local body = string.format(
        '{"name":"bench-create-%s-%d-%d","type":"api","active":false}',
        token, thread_number or 0, counter)
    return wrk.format("POST", nil, headers, body)
end
