-- wrk script: POST /tasks with the bench user's token (TOKEN in the environment).
wrk.method = "POST"
wrk.body = '{"title": "benchmark task", "description": null}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
