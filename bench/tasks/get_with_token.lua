-- wrk script: GET the URL given on the command line with the bench user's token.
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
