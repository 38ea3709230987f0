-- POST / with a small JSON body: the request the fire benchmark sends, minus the API key, for
-- the hello-world reference server.
wrk.method = "POST"
wrk.body = '{"amount":12.5,"currency":"EUR"}'
wrk.headers["Content-Type"] = "application/json"
