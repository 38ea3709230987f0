-- POST /api/v1/triggers/{id}/fire (the id is in the URL on wrk's command line) with the key from
-- ETP_ADMIN_KEY and a small payload that matches the trigger's short-form api_schema.
wrk.method = "POST"
wrk.body = '{"amount":12.5,"currency":"EUR"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-Key"] = os.getenv("ETP_ADMIN_KEY") or ""
