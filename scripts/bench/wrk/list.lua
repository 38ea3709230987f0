-- GET on the URL given to wrk (/api/v1/events?page_size=100) with the key from ETP_ADMIN_KEY.
wrk.method = "GET"
wrk.headers["X-API-Key"] = os.getenv("ETP_ADMIN_KEY") or ""
